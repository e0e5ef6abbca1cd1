"""The rules of an announcement's Discord event: what it should be, and what to do about it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cogs.announcements.event_plan import (
    EXTERNAL,
    VOICE,
    Step,
    place_of,
    plan_event,
    recurrence_rule,
    wanted_event,
)
from cogs.announcements.records import AnnouncementInfo
from cogs.announcements.render import with_interested

NOW = datetime(2026, 11, 26, 8, tzinfo=UTC)
NEXT = datetime(2026, 12, 4, 16, tzinfo=UTC)  # a Friday
HOUR = timedelta(hours=1)
OUTSIDE = place_of(5, None, "general")


def info(**changes: Any) -> AnnouncementInfo:
    base = AnnouncementInfo(
        id=1,
        guild_id=2,
        channel_id=5,
        title=None,
        body="Demo day\nbring snacks",
        repeat="weekly",
        cron=None,
        timezone="UTC",
        anchor_local="2026-12-04T16:00:00",
        ping_role_id=None,
        missed="post_late",
        status="active",
        next_run_at=NEXT,
        managed_key=None,
        run_count=0,
        last_posted_at=None,
        last_message_id=None,
        failure=None,
        created_by=None,
        event=True,
    )
    return dataclasses.replace(base, **changes)


def test_places_voice_channels_host_the_event_and_others_are_its_location() -> None:
    assert place_of(5, "voice", "Lounge").entity_type == VOICE
    assert place_of(5, "voice", "Lounge").channel_id == 5
    assert (OUTSIDE.entity_type, OUTSIDE.location) == (EXTERNAL, "#general")
    assert place_of(5, None, None).location == "Discord"


@pytest.mark.parametrize(
    ("repeat", "frequency", "weekdays"),
    [("daily", 3, None), ("weekly", 2, [4]), ("monthly", None, None), ("cron", None, None)],
)
def test_recurrence_maps_what_discord_can_say(
    repeat: str, frequency: int | None, weekdays: list[int] | None
) -> None:
    rule = recurrence_rule(repeat, NEXT)
    assert (rule or {}).get("frequency") == frequency
    assert (rule or {}).get("by_weekday") == weekdays


def test_wanted_event_names_the_first_line_and_lasts_the_given_length() -> None:
    spec = wanted_event(info(), OUTSIDE, HOUR)
    assert spec is not None
    assert (spec.name, spec.start, spec.end) == ("Demo day", NEXT, NEXT + HOUR)
    assert spec.payload()["entity_metadata"] == {"location": "#general"}
    assert wanted_event(info(event=False), OUTSIDE, HOUR) is None
    assert wanted_event(info(status="paused"), OUTSIDE, HOUR) is None


def test_a_recurring_events_fingerprint_ignores_the_series_moving_on() -> None:
    first = wanted_event(info(), OUTSIDE, HOUR)
    later = wanted_event(info(next_run_at=NEXT + timedelta(days=7)), OUTSIDE, HOUR)
    once = wanted_event(info(repeat="none"), OUTSIDE, HOUR)
    once_later = wanted_event(info(repeat="none", next_run_at=NEXT + HOUR), OUTSIDE, HOUR)
    assert first is not None and later is not None and once is not None
    assert once_later is not None
    assert first.fingerprint == later.fingerprint
    assert once.fingerprint != once_later.fingerprint


@pytest.mark.parametrize(
    ("changes", "step"),
    [
        ({}, Step.CREATE),
        ({"event_id": 9, "event_start": NEXT}, Step.EDIT),
        ({"event_id": 9, "event_start": NEXT, "status": "paused"}, Step.DELETE),
        ({"event_id": 9, "event_start": NEXT, "event": False}, Step.DELETE),
        ({"event_id": 9, "event_start": NEXT, "status": "cancelled"}, Step.CANCEL),
        ({"event_id": 9, "event_start": NEXT, "status": "done"}, Step.NOTHING),
        ({"status": "paused"}, Step.NOTHING),
        ({"event_id": 9, "event_start": NOW - HOUR, "repeat": "monthly"}, Step.CREATE),
        ({"event_id": 9, "event_start": NOW - HOUR}, Step.EDIT),
    ],
)
def test_plan_event(changes: dict[str, Any], step: Step) -> None:
    current = info(**changes)
    assert plan_event(current, wanted_event(current, OUTSIDE, HOUR), NOW) is step


def test_plan_is_nothing_once_the_event_says_what_it_should() -> None:
    spec = wanted_event(info(), OUTSIDE, HOUR)
    assert spec is not None
    current = info(event_id=9, event_start=NEXT, event_hash=spec.fingerprint)
    assert plan_event(current, spec, NOW) is Step.NOTHING


def test_interested_pings_fill_one_message_and_say_who_was_pinged() -> None:
    content, pinged = with_interested("hello", [10**18 + n for n in range(100)])
    assert content is not None and len(content) <= 2000
    assert 0 < len(pinged) < 100
    assert content.startswith("hello\n<@")
    assert with_interested(None, []) == (None, [])
    assert with_interested(None, [7]) == ("<@7>", [7])
