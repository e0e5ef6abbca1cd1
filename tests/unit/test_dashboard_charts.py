"""The dashboard's building blocks on their own: the SVG charts (valid XML, bars in proportion,
nothing to show, one point, huge numbers, hostile labels kept as text, colours' contrast), the
weeks in a guild's time zone, the table cells, and the template's escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dashboard import Chart, Section, Series, last_weeks, week_of, weekly_panel
from bot.web.pages.charts import COLOURS, PLOT_HEIGHT, nice_scale, short_number, svg_chart
from bot.web.pages.dashboard import cell_text, shown_sections
from bot.web.pages.rendering import page_templates

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "]]><!-- & &amp; </svg>",
    "{{ 7*7 }}",
    "a" * 500,
)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("data-value") is not None]


def test_a_bar_chart_is_valid_svg_with_its_title_and_description_for_screen_readers() -> None:
    chart = Chart("bar", ("Mon", "Tue"), (Series("Shares", (1.0, 2.0)),), "snippets")
    root = parse(svg_chart(chart, "chart-1", "Snippets a week", "Shares each week."))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-1-title chart-1-desc"
    assert root.find(f"{SVG}title").text == "Snippets a week"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Shares each week."  # type: ignore[union-attr]
    assert root.get("style") is None
    assert all(element.get("style") is None for element in root.iter())


def test_bars_are_in_proportion_to_their_values() -> None:
    chart = Chart("bar", ("a", "b", "c"), (Series("n", (10.0, 20.0, 40.0)),))
    heights = [
        float(bar.get("height", "0")) for bar in bars(parse(svg_chart(chart, "c", "t", "d")))
    ]
    assert len(heights) == 3
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    # The axis tops at a round number at or above the highest bar.
    assert heights[2] <= PLOT_HEIGHT


def test_stacked_bars_sit_on_each_other_and_add_up() -> None:
    chart = Chart("stacked", ("w1",), (Series("Met", (3.0,)), Series("Not met", (1.0,))))
    met, not_met = bars(parse(svg_chart(chart, "c", "t", "d")))
    assert float(not_met.get("y", "0")) + float(not_met.get("height", "0")) == pytest.approx(
        float(met.get("y", "0")), abs=0.2
    )
    assert float(met.get("height", "0")) == pytest.approx(
        3 * float(not_met.get("height", "0")), abs=0.2
    )


def test_series_differ_by_pattern_and_marker_not_by_colour_alone() -> None:
    chart = Chart("bar", ("a",), (Series("one", (1.0,)), Series("two", (2.0,))))
    first, second = bars(parse(svg_chart(chart, "c", "t", "d")))
    assert first.get("fill") == COLOURS[0]
    assert second.get("fill") == "url(#c-p1)"
    lines = Chart("line", ("a", "b"), (Series("one", (1.0, 2.0)), Series("two", (2.0, 1.0))))
    root = parse(svg_chart(lines, "l", "t", "d"))
    paths = [path for path in root.iter(f"{SVG}path") if path.get("fill") == "none"]
    assert {path.get("stroke-dasharray") for path in paths} == {None, "6 4"}
    assert root.find(f".//{SVG}circle") is not None and root.find(f".//{SVG}rect") is not None


def test_a_chart_with_nothing_to_show_says_so() -> None:
    chart = Chart("bar", ("a", "b"), (Series("n", (0.0, 0.0)),))
    root = parse(svg_chart(chart, "c", "t", "d"))
    assert bars(root) == []
    assert "Nothing to show yet" in "".join(root.itertext())
    empty = Chart("stacked", (), ())
    assert "Nothing to show yet" in "".join(parse(svg_chart(empty, "e", "t", "d")).itertext())


def test_one_point_draws_a_marker_and_gaps_break_the_line() -> None:
    one = Chart("line", ("only",), (Series("median", (5.0,)),))
    root = parse(svg_chart(one, "c", "t", "d"))
    points = [group for group in root.iter(f"{SVG}g") if group.get("data-value") == "5"]
    assert len(points) == 1
    gap = Chart("line", ("a", "b", "c"), (Series("m", (1.0, None, 2.0)),))
    path = next(
        p
        for p in parse(svg_chart(gap, "g", "t", "d")).iter(f"{SVG}path")
        if p.get("fill") == "none"
    )
    assert path.get("d", "").count("M") == 2 and "L" not in path.get("d", "")


def test_huge_numbers_stay_in_the_box_with_short_ticks() -> None:
    chart = Chart("bar", ("a", "b"), (Series("n", (3.0e12, 1.0)),))
    root = parse(svg_chart(chart, "c", "t", "d"))
    height = float(root.get("viewBox", "").split()[3])
    for bar in bars(root):
        top = float(bar.get("y", "0"))
        assert top > 0 and top + float(bar.get("height", "0")) <= height
    ticks = [text.text for text in root.iter(f"{SVG}text") if text.get("text-anchor") == "end"]
    assert ticks == ["0", "1T", "2T", "3T"]
    assert short_number(1234) == "1.23k"
    assert short_number(5_600_000) == "5.6M"
    assert short_number(12) == "12"
    assert nice_scale(0).top == 1.0
    assert nice_scale(float("inf")).top == 1.0
    assert nice_scale(7).top >= 7


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_and_names_are_text_never_markup(label: str) -> None:
    chart = Chart("bar", (label, "ok"), (Series(label, (1.0, 2.0)),))
    markup = str(svg_chart(chart, "c", label, label))
    root = parse(markup)
    assert "<script" not in markup and "<img" not in markup
    assert root.find(f".//{SVG}script") is None
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)
    assert root.find(f"{SVG}title").text == label  # type: ignore[union-attr]


def test_weeks_start_on_monday_in_the_guild_time_zone_across_dst() -> None:
    zone = ZoneInfo("Europe/Berlin")
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin (winter, UTC+1).
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    weeks = last_weeks(now, zone, count=12)
    assert weeks.dates[-1] == date(2026, 11, 30)
    assert weeks.starts[-1] == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    # Twelve weeks back crosses the end of summer time: that Monday began at 22:00 UTC.
    assert weeks.dates[0] == date(2026, 9, 14)
    assert weeks.starts[0] == datetime(2026, 9, 13, 22, 0, tzinfo=UTC)
    assert weeks.end == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    assert weeks.labels[-1] == "Nov 30"
    assert week_of(now, ZoneInfo("UTC")) == date(2026, 11, 23)


def test_a_weekly_panel_has_a_row_a_week_and_a_column_a_series() -> None:
    weeks = last_weeks(datetime(2026, 12, 6, 12, tzinfo=UTC), ZoneInfo("UTC"), count=2)
    panel = weekly_panel("T", "D", weeks, (Series("A", (1.0, 2.0)), Series("B", (0.0, 5.0))))
    assert panel.table.headers == ("Week of", "A", "B")
    assert panel.table.rows == (("Nov 23", 1.0, 0.0), ("Nov 30", 2.0, 5.0))


def test_table_cells_show_whole_numbers_plainly() -> None:
    assert [cell_text(v) for v in (None, 3.0, 2.25, 12345, "x")] == ["—", "3", "2.2", "12,345", "x"]


def test_a_long_legend_wraps_and_crowded_axis_labels_thin_out() -> None:
    names = ("Posted on time", "Posted late", "Failed", "Skipped")
    labels = tuple(f"Sep {day}" for day in range(1, 13))
    chart = Chart("stacked", labels, tuple(Series(name, (1.0,) * 12) for name in names))
    root = parse(svg_chart(chart, "c", "t", "d"))
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert all(name in texts for name in names)
    shown = [label for label in labels if label in texts]
    # The newest week always has its label; the others share the room.
    assert shown[-1] == "Sep 12" and 3 <= len(shown) < 12
    legend_rows = {text.get("y") for text in root.iter(f"{SVG}text") if text.text in names}
    assert len(legend_rows) >= 2


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def test_every_series_colour_has_the_contrast_wcag_asks_of_graphics() -> None:
    white = _luminance("#ffffff")
    for colour in COLOURS:
        assert (white + 0.05) / (_luminance(colour) + 0.05) >= 3.0, colour


def test_the_dashboard_template_escapes_every_text_it_is_given() -> None:
    hostile = '"><script>alert(1)</script>'
    weeks = last_weeks(datetime(2026, 12, 6, 12, tzinfo=UTC), ZoneInfo("UTC"), count=2)
    panel = weekly_panel(hostile, hostile, weeks, (Series(hostile, (1.0, 2.0)),))
    section = Section("snippets", hostile, (panel,), hostile)
    page = (
        page_templates()
        .get_template("dashboard.html")
        .render(
            viewer=None,
            nav=[],
            csrf_field="csrf_token",
            csrf_token=None,
            sign_out_path="/out",
            server_name=hostile,
            everyone=True,
            zone=hostile,
            first_week=hostile,
            sections=shown_sections([section]),
            failed=(hostile,),
        )
    )
    assert "<script>" not in page
    assert page.count("&lt;script&gt;") >= 8


def test_counts_get_whole_ticks_and_measures_may_get_fractions() -> None:
    counts = Chart("bar", ("a", "b"), (Series("items", (1.0, 2.0)),), "items")
    ticks = [
        text.text
        for text in parse(svg_chart(counts, "c", "t", "d")).iter(f"{SVG}text")
        if text.get("text-anchor") == "end"
    ]
    assert ticks == ["0", "1", "2"]
    assert nice_scale(1.5).step < 1
