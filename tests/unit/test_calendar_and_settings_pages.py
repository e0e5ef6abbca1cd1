"""The pure parts of the calendar and settings pages: an announcement's runs in a month walked by
its own schedule, the month grid, months read from the address, and a setting's value written
back as a moderator types it (what the settings page's confirmation carries)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import CalendarEntry
from bot.errors import UserFacingError
from bot.guild_settings import (
    CORE_SPECS,
    Kind,
    SettingSpec,
    SettingValue,
    Source,
    parse_value,
    typed_value,
)
from bot.web.pages.month_grid import BadMonth, Month, month_weeks, parse_month
from bot.web.pages.setting_forms import setting_row
from cogs.announcements.calendar import announcement_occurrences, runs_in
from tests.unit.test_calendar_rrule import _info

TOKYO = ZoneInfo("Asia/Tokyo")
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_series_runs_in_a_window_are_the_dispatchers_next_runs() -> None:
    for repeat, cron in (
        ("daily", None),
        ("weekly", None),
        ("monthly", None),
        ("cron", "30 17 * * 1-5"),
    ):
        info = _info(repeat, cron, "2026-12-01 17:30", "America/New_York")
        assert info.next_run_at is not None
        assert runs_in(info, (info.next_run_at, FAR), 12) == info.next_runs(12)


def test_a_monthly_announcement_on_the_31st_runs_on_the_last_day_of_february() -> None:
    info = _info("monthly", None, "2027-01-31 09:00", "Europe/Berlin")
    february = Month(2027, 2).window(ZoneInfo("Europe/Berlin"))
    (run,) = runs_in(info, february, 10)
    assert run == datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    # Before its first run there is nothing, and a month is capped at what was asked.
    assert runs_in(info, Month(2026, 12).window(UTC), 10) == []
    daily = _info("daily", None, "2026-12-01 09:00", "UTC")
    assert len(runs_in(daily, Month(2026, 12).window(UTC), 31)) == 31
    assert len(runs_in(daily, Month(2026, 12).window(UTC), 5)) == 5
    (entry, *_) = announcement_occurrences(
        daily, Month(2026, 12).window(UTC), timedelta(hours=1), 5
    )
    assert (entry.rrule, entry.start, entry.summary) == (
        None,
        datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("UTC")),
        "Standup",
    )


def _event(start: datetime, summary: str) -> tuple[str, CalendarEntry]:
    return "announcements", CalendarEntry(f"{summary}@x", summary, start, timedelta(hours=1))


def test_a_month_is_monday_first_weeks_with_events_on_their_day_in_the_zone() -> None:
    month = Month(2026, 12)
    late = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # 03:00 on the 25th in Tokyo
    early = datetime(2026, 12, 25, 0, 30, tzinfo=UTC)
    weeks = month_weeks(month, date(2026, 12, 8), [_event(early, "b"), _event(late, "a")], TOKYO)
    assert len(weeks) == 5 and all(len(week) == 7 for week in weeks)
    assert weeks[0][0].day == date(2026, 11, 30) and not weeks[0][0].in_month
    assert weeks[-1][-1].day == date(2027, 1, 3)
    days = {day.day: day for week in weeks for day in week}
    assert [day.day for day in days.values() if day.today] == [date(2026, 12, 8)]
    assert [(event.time, event.title) for event in days[date(2026, 12, 25)].events] == [
        ("03:00", "a"),
        ("09:30", "b"),
    ]
    assert days[date(2026, 12, 25)].label == "Friday 25 December"
    assert Month(2026, 12).shifted(1) == Month(2027, 1)
    assert Month(2026, 1).shifted(-1) == Month(2025, 12)


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "26-12", "december", "1969-12", "3000-01"])
def test_a_month_that_is_not_one_is_refused_in_words(text: str) -> None:
    with pytest.raises(BadMonth):
        parse_month(text)


def test_a_month_is_read_as_year_and_month() -> None:
    assert parse_month(" 2027-02 ") == Month(2027, 2)
    assert Month(2027, 2).key == "2027-02" and Month(2027, 2).title == "February 2027"


VALUES: list[tuple[SettingSpec, Any]] = [
    (SettingSpec("a", Kind.TEXT_CHANNEL, "x"), 123456789012345678),
    (SettingSpec("a", Kind.TEXT_CHANNEL, "x"), None),
    (SettingSpec("a", Kind.TEXT_CHANNELS, "x"), [123456789012345678, 223456789012345678]),
    (SettingSpec("a", Kind.TEXT_CHANNELS, "x"), []),
    (SettingSpec("a", Kind.ROLE, "x"), 123456789012345678),
    (SettingSpec("a", Kind.TIMEZONE, "x"), "America/New_York"),
    (SettingSpec("a", Kind.BOOL, "x"), True),
    (SettingSpec("a", Kind.BOOL, "x"), False),
    (SettingSpec("a", Kind.INT, "x", minimum=0, maximum=9), 7),
    (SettingSpec("a", Kind.CHOICE, "x", choices=("members", "public")), "public"),
    (SettingSpec("a", Kind.CRON, "x"), "0 9 * * 1"),
]


@pytest.mark.parametrize(("spec", "value"), VALUES)
def test_a_value_written_back_as_typed_parses_to_the_same_value(
    spec: SettingSpec, value: Any
) -> None:
    assert parse_value(spec, typed_value(spec, value)) == value


def test_a_value_from_the_file_that_none_cannot_reset_says_so() -> None:
    timezone = next(spec for spec in CORE_SPECS if spec.key == "timezone")
    row = setting_row(object(), SettingValue(timezone, "Europe/Paris", Source.FILE))  # type: ignore[arg-type]
    assert (row.shown, row.source, row.from_file, row.resettable) == (
        "Europe/Paris",
        "config file",
        True,
        False,
    )
    assert row.options == ()
    with pytest.raises(UserFacingError):
        parse_value(timezone, "none")
