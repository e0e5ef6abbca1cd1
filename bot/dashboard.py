"""What a feature puts on the program dashboard (`/d/{guild}`): sections of panels, each a
chart and the table of its numbers, as plain values.

Features answer the contract's `dashboard_sections` with these; the web side draws the charts
(`bot.web.pages.charts`, SVG on the server) and the tables, so no feature knows the markup and
the core knows no feature. Weeks are the server's: Monday 00:00 in the guild's time zone, read
from the injected clock, so a week's row holds what happened in that local week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import case, func, literal, select

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute

# Every weekly chart covers this many weeks, the current one last; round charts this many rounds.
WEEKS_SHOWN: Final = 12
ROUNDS_SHOWN: Final = 12
# Tables and charts of things (tags, endpoints) show this many, the largest first.
TOP_SHOWN: Final = 8

ChartKind = Literal["bar", "stacked", "line"]
Cell = str | int | float | None


@dataclass(frozen=True)
class Weeks:
    """The last weeks of a guild, oldest first: `starts[i]` is week i's local Monday 00:00 (as
    UTC), `end` the next week's start, `dates[i]` that Monday's date."""

    zone: str
    dates: tuple[date, ...]
    starts: tuple[datetime, ...]
    end: datetime

    @property
    def start(self) -> datetime:
        return self.starts[0]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f"{day:%b} {day.day}" for day in self.dates)

    def bucket(self, column: InstrumentedAttribute[datetime]) -> ColumnElement[int]:
        """SQL: the week `column` falls in (0 = the oldest), for rows already limited to
        [start, end). A CASE over the weeks' instants, so the database groups in the guild's
        local weeks (DST included) with no dialect's date functions."""
        newest_first = [
            (column >= self.starts[index], literal(index))
            for index in reversed(range(len(self.starts)))
        ]
        return case(*newest_first, else_=literal(-1))

    def within(self, column: InstrumentedAttribute[datetime]) -> ColumnElement[bool]:
        return (column >= self.start) & (column < self.end)

    def index_of_date(self, day: date) -> int | None:
        """Which week a stored week's Monday date is (None: outside these weeks)."""
        try:
            return self.dates.index(day)
        except ValueError:
            return None


def last_weeks(now: datetime, zone: ZoneInfo, count: int = WEEKS_SHOWN) -> Weeks:
    """The `count` weeks up to and including the one `now` is in, in `zone`."""
    monday = week_of(now, zone)
    dates = tuple(monday - timedelta(weeks=count - 1 - index) for index in range(count))
    starts = tuple(_midnight(day, zone) for day in dates)
    return Weeks(str(zone), dates, starts, _midnight(monday + timedelta(weeks=1), zone))


def week_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the local week `moment` falls in."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Series:
    name: str
    # One value per label; None where there is nothing to show (a median of no items).
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    # What the values count, for the value axis ("items", "hours").
    unit: str = ""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Panel:
    """One chart and its numbers: `title` captions both, `description` says what they show."""

    title: str
    description: str
    table: Table
    chart: Chart | None = None


@dataclass(frozen=True)
class Section:
    feature: str
    heading: str
    panels: tuple[Panel, ...]
    # Shown under the heading: whose data this is ("your own rounds"), what a number means.
    note: str = ""


@dataclass(frozen=True)
class DashboardViewer:
    """Who the dashboard is drawn for: with `everyone`, a moderator, the whole server; else a
    member, who gets only the parts about themselves."""

    user_id: int
    everyone: bool
    weeks: Weeks


def weekly_panel(
    title: str,
    description: str,
    weeks: Weeks,
    series: tuple[Series, ...],
    *,
    kind: ChartKind = "bar",
    unit: str = "",
) -> Panel:
    """A panel of weekly figures: the chart over the weeks and a table with a row a week."""
    rows = tuple(
        (label, *(item.values[index] for item in series))
        for index, label in enumerate(weeks.labels)
    )
    return Panel(
        title,
        description,
        Table(("Week of", *(item.name for item in series)), rows),
        Chart(kind, weeks.labels, series, unit),
    )


def per_week(counts: dict[int, int], weeks: Weeks) -> tuple[float | None, ...]:
    """Counts by week index (from `Weeks.bucket`) as one value a week, zero where none."""
    return tuple(float(counts.get(index, 0)) for index in range(len(weeks.starts)))


async def weekly_counts(
    session: AsyncSession,
    weeks: Weeks,
    column: InstrumentedAttribute[datetime],
    query: Select[Any],
) -> dict[int, int]:
    """How many rows fall in each week by `column`, counted by the database. `query` selects
    the rows (its FROM and WHERE: the guild, a member); the weeks' window is added here. The
    week is computed in a subquery, so GROUP BY names a plain column on every dialect."""
    inner = (
        query.add_columns(weeks.bucket(column).label("week")).where(weeks.within(column)).subquery()
    )
    result = await session.execute(select(inner.c.week, func.count()).group_by(inner.c.week))
    return {int(week): int(count) for week, count in result.all()}
