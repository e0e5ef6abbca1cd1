"""The one iCalendar renderer, read back with `icalendar` as a calendar app reads it: each
entry's start in its own zone (a series' first time kept even in a DST gap), a VTIMEZONE for
every zone used, the stamp it is given, and the same document for the same entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.calendar import CalendarEntry, entry_uid
from bot.web.calendar import render_calendar

STAMP = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _read(entries: list[CalendarEntry]) -> tuple[Calendar, dict[str, Any]]:
    calendar = Calendar.from_ical(render_calendar("ProDev · my calendar", entries, STAMP))
    return calendar, {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_series_starting_in_a_dst_gap_keeps_its_typed_time_and_its_zone() -> None:
    gap = CalendarEntry(
        uid=entry_uid("announcement", 1, 42),
        summary="Night build",
        start=datetime(2027, 3, 28, 2, 30, tzinfo=BERLIN),  # the clocks skip 02:00-03:00
        duration=timedelta(minutes=30),
        tz="Europe/Berlin",
        rrule="FREQ=DAILY",
    )
    calendar, events = _read([gap])
    event = events["announcement-1-42@nexus.invalid"]
    assert event["DTSTART"].to_ical() == b"20270328T023000"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert dict(event["RRULE"]) == {"FREQ": ["DAILY"]}
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "ProDev · my calendar"


def test_an_instant_is_shown_in_the_entrys_zone_and_utc_needs_no_vtimezone() -> None:
    session = CalendarEntry(
        uid=entry_uid("pairing-group", 9, 42),
        summary="Pairing with bob",
        start=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        duration=timedelta(hours=1),
        tz="America/New_York",
        description="Pairing round #3: you are paired with bob.",
        url="https://discord.com/channels/42/7",
    )
    utc = CalendarEntry(
        uid=entry_uid("announcement", 2, 42),
        summary="Release",
        start=datetime(2026, 12, 24, 18, 0, tzinfo=UTC),
        duration=timedelta(hours=1),
    )
    calendar, events = _read([session, utc])
    pairing = events["pairing-group-9-42@nexus.invalid"]
    assert pairing["DTSTART"].to_ical() == b"20261130T040000"
    assert pairing["DTSTART"].params["TZID"] == "America/New_York"
    assert pairing.decoded("DTSTAMP") == STAMP
    assert str(pairing["URL"]) == "https://discord.com/channels/42/7"
    assert events["announcement-2-42@nexus.invalid"]["DTSTART"].to_ical() == b"20261224T180000Z"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["America/New_York"]


def test_the_same_entries_and_stamp_give_the_same_document() -> None:
    entry = CalendarEntry(
        uid="a@nexus.invalid", summary="A", start=STAMP, duration=timedelta(hours=1)
    )
    assert render_calendar("x", [entry], STAMP) == render_calendar("x", [entry], STAMP)
    assert b"BEGIN:VEVENT" not in render_calendar("x", [], STAMP)
