"""A month as the calendar page shows it: weeks as rows of seven days, Monday first, each day
with its events in the server's time zone. Pure values, no web: the page module fills it.

A month is read from `?month=YYYY-MM`; anything else is refused with a sentence that says
what to type, since the address bar is a form too.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.calendar import CalendarEntry

MONTH_PATTERN: Final = re.compile(r"([0-9]{4})-([0-9]{2})")
# Far enough for any plan, near enough that every date and zone conversion stays valid.
FIRST_YEAR: Final = 1970
LAST_YEAR: Final = 2999
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BadMonth(UserFacingError):
    """A `month` the calendar cannot show."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The month's instants, [its first midnight, the next month's), in `zone`, as UTC."""
        following = self.shifted(1).first_day
        start = datetime.combine(self.first_day, time(), zone)
        return start.astimezone(UTC), datetime.combine(following, time(), zone).astimezone(UTC)

    def in_range(self) -> bool:
        return FIRST_YEAR <= self.year <= LAST_YEAR


def month_of(moment: datetime, zone: ZoneInfo) -> Month:
    local = moment.astimezone(zone)
    return Month(local.year, local.month)


def parse_month(text: str) -> Month:
    """`2026-12` as a Month, or a BadMonth saying what to type."""
    found = MONTH_PATTERN.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        shown = text.strip()[:20]
        raise BadMonth(f"“{shown}” is not a month. Write it as year-month, e.g. 2026-12.")
    month = Month(int(found.group(1)), int(found.group(2)))
    if not month.in_range():
        raise BadMonth(f"The calendar shows the years {FIRST_YEAR} to {LAST_YEAR}.")
    return month


@dataclass(frozen=True)
class DayEvent:
    time: str  # HH:MM in the server's zone
    iso: str  # the start, for <time datetime>
    title: str
    kind: str  # the feature it comes from


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    today: bool
    events: tuple[DayEvent, ...]

    @property
    def label(self) -> str:
        return (
            f"{WEEKDAYS[self.day.weekday()]} {self.day.day} {calendar.month_name[self.day.month]}"
        )


def month_weeks(
    month: Month, today: date, events: list[tuple[str, CalendarEntry]], zone: ZoneInfo
) -> list[list[Day]]:
    """The weeks (Monday to Sunday) that hold the month's days; each day with the events, of
    (kind, entry), that start on it in `zone`, in time order."""
    by_day: dict[date, list[tuple[datetime, DayEvent]]] = {}
    for kind, entry in events:
        local = entry.start.astimezone(zone)
        shown = DayEvent(f"{local:%H:%M}", local.isoformat(), entry.summary, kind)
        by_day.setdefault(local.date(), []).append((local, shown))
    first = month.first_day
    cursor = first - timedelta(days=first.weekday())
    last = month.shifted(1).first_day - timedelta(days=1)
    weeks: list[list[Day]] = []
    while cursor <= last:
        week = []
        for _ in range(7):
            in_month = cursor.month == month.month
            found = sorted(by_day.get(cursor, []), key=lambda pair: pair[0]) if in_month else []
            week.append(Day(cursor, in_month, cursor == today, tuple(e for _, e in found)))
            cursor += timedelta(days=1)
        weeks.append(week)
    return weeks
