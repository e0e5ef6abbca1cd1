"""Charts drawn on the server as SVG: bars, stacked bars and lines, with axes and a legend.

No script and no style attribute (the pages' Content-Security-Policy forbids inline styles):
colours are SVG presentation attributes. Every series differs by more than its colour — bars by
a fill pattern (solid, hatched, dotted, crossed), lines by dash and marker shape — and each
colour has at least 3:1 contrast against the white page, as WCAG asks of graphics. Every text
that reaches the SVG is escaped here; labels come from members (tags, endpoints).

The chart is an image to screen readers (`role="img"` with its `<title>` and `<desc>`); the
table beside it carries the same numbers for them and for anyone who wants exact values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from bot.dashboard import Chart

# Narrow on purpose: on a 360 px phone the drawing shrinks to about two thirds, and its 14-unit
# text stays readable; on a wide screen it grows.
WIDTH: Final = 480
LEFT: Final = 48
RIGHT: Final = 10
BOTTOM: Final = 30
PLOT_WIDTH: Final = WIDTH - LEFT - RIGHT
PLOT_HEIGHT: Final = 200
FONT: Final = 14
# About how wide a character of the chart's text is, to lay out the legend and axis labels.
CHAR: Final = 8.0
LEGEND_ROW: Final = 22
# Axis labels longer than this are cut (the full text is in the bar's tooltip and the table).
LABEL_CHARS: Final = 10
# Blue, red, green, brown, purple: each at least 3:1 against white, and apart in lightness.
COLOURS: Final = ("#0b57d0", "#b3261e", "#1e7a34", "#7a4d00", "#6a1b9a")
PATTERNS: Final = ("solid", "hatch", "dots", "cross", "solid")
DASHES: Final = ("", "6 4", "2 3", "8 3 2 3", "")
MARKERS: Final = ("circle", "square", "triangle", "diamond", "circle")
TEXT: Final = "#1b1b1f"
GRID: Final = "#c9ccd3"


@dataclass(frozen=True)
class Scale:
    top: float
    step: float
    # Where the plot starts, below the legend.
    plot_top: float = LEGEND_ROW + 12

    def y(self, value: float) -> float:
        return self.plot_top + PLOT_HEIGHT - (value / self.top) * PLOT_HEIGHT

    def placed(self, plot_top: float) -> Scale:
        return Scale(self.top, self.step, plot_top)

    def ticks(self) -> list[float]:
        count = round(self.top / self.step)
        return [self.step * index for index in range(count + 1)]


def nice_scale(highest: float, *, whole: bool = False) -> Scale:
    """An axis from 0 to a round number at or above `highest`, in at most 5 round steps; with
    `whole` (counts), never a step below 1, so no tick reads "0.5 items"."""
    if not math.isfinite(highest) or highest <= 0:
        return Scale(1.0, 1.0)
    rough = highest / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    if whole:
        step = max(step, 1.0)
    return Scale(step * math.ceil(highest / step - 1e-9), step)


def short_number(value: float) -> str:
    """1234 → 1.2k, 5600000 → 5.6M: axis ticks stay narrow whatever the numbers."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else str(int(value))


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _fill(chart_id: str, index: int) -> str:
    if PATTERNS[index % len(PATTERNS)] == "solid":
        return COLOURS[index % len(COLOURS)]
    return f"url(#{chart_id}-p{index})"


def _defs(chart_id: str, count: int) -> list[str]:
    """A fill pattern per patterned series: its colour's stripes, dots or cross over white."""
    parts = []
    for index in range(count):
        kind = PATTERNS[index % len(PATTERNS)]
        colour = COLOURS[index % len(COLOURS)]
        marks = {
            "hatch": f'<path d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2" stroke="{colour}" '
            'stroke-width="2.5"/>',
            "dots": f'<circle cx="4" cy="4" r="2.2" fill="{colour}"/>',
            "cross": f'<path d="M0,4 h8 M4,0 v8" stroke="{colour}" stroke-width="2"/>',
        }.get(kind)
        if marks is None:
            continue
        parts.append(
            f'<pattern id="{chart_id}-p{index}" width="8" height="8" '
            'patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="#ffffff"/>{marks}</pattern>'
        )
    return [f"<defs>{''.join(parts)}</defs>"] if parts else []


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _legend_rows(chart: Chart) -> list[list[tuple[int, str, float]]]:
    """Each series' (index, name, x), in rows that fit the width."""
    rows: list[list[tuple[int, str, float]]] = [[]]
    x = float(LEFT)
    for index, series in enumerate(chart.series):
        name = _cut(series.name) if len(series.name) > 4 * LABEL_CHARS else series.name
        width = 34 + CHAR * len(name)
        if rows[-1] and x + width > WIDTH:
            rows.append([])
            x = float(LEFT)
        rows[-1].append((index, name, x))
        x += width + 8
    return rows


def _legend(chart: Chart, chart_id: str, rows: list[list[tuple[int, str, float]]]) -> list[str]:
    parts = []
    for number, row in enumerate(rows):
        y = 16 + number * LEGEND_ROW
        for index, name, x in row:
            colour = COLOURS[index % len(COLOURS)]
            if chart.kind == "line":
                dash = DASHES[index % len(DASHES)]
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<line x1="{x:.1f}" y1="{y - 5}" x2="{x + 24:.1f}" y2="{y - 5}" '
                    f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
                    + _marker(MARKERS[index % len(MARKERS)], x + 12, y - 5, colour)
                )
            else:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - 12}" width="24" height="14" '
                    f'fill="{_fill(chart_id, index)}" stroke="{colour}"/>'
                )
            parts.append(f'<text x="{x + 30:.1f}" y="{y}">{escape(name)}</text>')
    return parts


def _axes(chart: Chart, scale: Scale) -> list[str]:
    parts = []
    unit = chart.unit
    for tick in scale.ticks():
        y = scale.y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(short_number(tick))}</text>"
        )
    if unit:
        # Above the value axis, in the room left for it under the legend.
        parts.append(f'<text x="{LEFT - 6}" y="{scale.plot_top - 12}">{escape(unit)}</text>')
    base = scale.plot_top + PLOT_HEIGHT
    parts.append(
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{TEXT}"/>'
        f'<line x1="{LEFT}" y1="{scale.plot_top}" x2="{LEFT}" y2="{base}" stroke="{TEXT}"/>'
    )
    slot = PLOT_WIDTH / max(len(chart.labels), 1)
    widest = max((len(_cut(label)) for label in chart.labels), default=0) * CHAR + 6
    # Every label when they fit side by side, else every second (third …) one.
    every = max(1, math.ceil(widest / slot))
    for index, label in enumerate(chart.labels):
        if (len(chart.labels) - 1 - index) % every:
            continue
        x = LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{escape(_cut(label))}</text>'
        )
    return parts


def _highest(chart: Chart) -> float:
    columns = zip(*(series.values for series in chart.series), strict=True)
    if chart.kind == "stacked":
        sums = [sum(value or 0 for value in column) for column in columns]
        return max(sums, default=0)
    values = [value for series in chart.series for value in series.values if value is not None]
    return max(values, default=0)


def _tooltip(label: str, name: str, value: float) -> str:
    return f"<title>{escape(label)}: {escape(name)} {escape(_number(value))}</title>"


def _bars(chart: Chart, chart_id: str, scale: Scale) -> list[str]:
    parts = []
    slot = PLOT_WIDTH / max(len(chart.labels), 1)
    groups = 1 if chart.kind == "stacked" else max(len(chart.series), 1)
    width = slot * 0.75 / groups
    for index, label in enumerate(chart.labels):
        below = 0.0
        for number, series in enumerate(chart.series):
            value = series.values[index]
            if not value or value <= 0:
                continue
            x = LEFT + slot * index + slot * 0.125 + (0 if groups == 1 else width * number)
            top = scale.y(below + value) if chart.kind == "stacked" else scale.y(value)
            bottom = scale.y(below) if chart.kind == "stacked" else scale.y(0)
            if chart.kind == "stacked":
                below += value
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{bottom - top:.1f}" fill="{_fill(chart_id, number)}" '
                f'stroke="{COLOURS[number % len(COLOURS)]}" data-value="{_number(value)}">'
                f"{_tooltip(label, series.name, value)}</rect>"
            )
    return parts


def _lines(chart: Chart, scale: Scale) -> list[str]:
    parts = []
    slot = PLOT_WIDTH / max(len(chart.labels), 1)
    for number, series in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        dash = DASHES[number % len(DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        path: list[str] = []
        joined = False
        for index, value in enumerate(series.values):
            if value is None:
                joined = False  # a gap: the line breaks where there is nothing to show
                continue
            x, y = LEFT + slot * (index + 0.5), scale.y(value)
            path.append(f"{'L' if joined else 'M'}{x:.1f},{y:.1f}")
            joined = True
            parts.append(
                f'<g data-value="{_number(value)}">'
                + _marker(MARKERS[number % len(MARKERS)], x, y, colour)
                + _tooltip(chart.labels[index], series.name, value)
                + "</g>"
            )
        if path:
            parts.insert(
                0,
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5"{dashed}/>',
            )
    return parts


def svg_chart(chart: Chart, chart_id: str, title: str, description: str) -> Markup:
    """The chart as an inline `<svg>`; `chart_id` (letters, digits, dashes; made by Nexus)
    keeps its ids apart from other charts' on the page."""
    rows = _legend_rows(chart)
    highest = _highest(chart)
    whole = all(
        value is None or float(value).is_integer() for s in chart.series for value in s.values
    )
    unit_room = LEGEND_ROW if chart.unit else 0
    scale = nice_scale(highest, whole=whole).placed(len(rows) * LEGEND_ROW + 16 + unit_room)
    height = scale.plot_top + PLOT_HEIGHT + BOTTOM
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        *_defs(chart_id, len(chart.series) if chart.kind != "line" else 0),
        *_legend(chart, chart_id, rows),
        *_axes(chart, scale),
    ]
    parts += _lines(chart, scale) if chart.kind == "line" else _bars(chart, chart_id, scale)
    if highest <= 0:
        parts.append(
            f'<text x="{LEFT + PLOT_WIDTH / 2:.1f}" y="{scale.plot_top + PLOT_HEIGHT / 2:.1f}" '
            'text-anchor="middle">Nothing to show yet</text>'
        )
    parts.append("</svg>")
    # Every piece above is Nexus's own markup, and every text in it was escaped.
    return Markup("".join(parts))
