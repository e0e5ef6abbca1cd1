"""The announcements' rules: what a title, `missed` and a schedule must be, and how a draft or
an edit changes a row. No sessions, no Discord: each rule is a function over plain values."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.text import one_line
from cogs.announcements.models import Announcement, MissedPolicy, Status
from cogs.announcements.records import Draft, Edit, Schedule
from cogs.announcements.render import check_limits
from cogs.announcements.schedule import (
    CRON,
    ParsedWhen,
    Recurrence,
    Repeat,
    ScheduleError,
    format_anchor,
    parse_absolute,
    parse_repeat,
    parse_timezone,
    parse_when,
    to_local_wall,
)


class AnnouncementError(UserFacingError):
    """Something a moderator asked of an announcement that cannot be done."""


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    stripped = title.strip()
    return stripped or None


def check_missed(missed: str) -> str:
    value = missed.strip().lower()
    if value not in (MissedPolicy.POST_LATE, MissedPolicy.SKIP):
        raise AnnouncementError("`missed` takes post_late or skip.")
    return value


def build_schedule(when: str, repeat: str | None, tz: ZoneInfo, now: datetime) -> Schedule:
    """Parse `when` and `repeat` in `tz`; the first run must lie in the future."""
    parsed_repeat = parse_repeat(repeat)
    parsed = parse_when(when, tz, now)
    return _schedule_from(parsed, parsed_repeat, tz, now)


def _schedule_from(parsed: ParsedWhen, repeat: Repeat, tz: ZoneInfo, now: datetime) -> Schedule:
    recurrence = Recurrence(repeat, tz, parsed.local_wall)
    first = recurrence.first_run(parsed.instant)
    if first is None or first <= now:
        raise ScheduleError("That cron expression never matches a time after `when`.")
    anchor = parsed.local_wall if repeat.kind != CRON else to_local_wall(first, tz)
    return Schedule(repeat, tz, format_anchor(anchor), first)


def draft_hash(draft: Draft) -> str:
    # Fields left at False are left out, so entries written before they existed keep their hash.
    fields = {k: v for k, v in draft.__dict__.items() if v is not False}
    encoded = json.dumps(fields, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def file_schedule(when: str, repeat: str | None, tz: ZoneInfo, now: datetime) -> Schedule:
    """A file's `when` is the first run of a series; once passed, the series goes on from now.

    Only absolute times are accepted there: "in 2h" would mean something new at every start.
    """
    parsed_repeat = parse_repeat(repeat)
    parsed = parse_absolute(when, tz)
    if parsed is None:
        raise ScheduleError(f"`when` must be an absolute time like `2026-12-01 09:00`: {when!r}")
    recurrence = Recurrence(parsed_repeat, tz, parsed.local_wall)
    first = recurrence.first_run(parsed.instant)
    if first is not None and first <= now:
        first = recurrence.next_after(now)
    if first is None:
        raise ScheduleError(f"{when} is in the past and the announcement does not repeat.")
    anchor = parsed.local_wall if parsed_repeat.kind != CRON else to_local_wall(first, tz)
    return Schedule(parsed_repeat, tz, format_anchor(anchor), first)


def apply_schedule(row: Announcement, schedule: Schedule) -> None:
    row.repeat = schedule.repeat.kind
    row.cron = schedule.repeat.cron
    row.timezone = schedule.tz.key
    row.anchor_local = schedule.anchor_local
    row.next_run_at = schedule.next_run_at


def apply_edit(row: Announcement, change: Edit, now: datetime) -> None:
    title = None if change.clear_title else clean_title(change.title) or row.title
    body = change.body if change.body is not None else row.body
    check_limits(title, body)
    row.title = title
    row.body = body
    if change.channel_id is not None:
        row.channel_id = change.channel_id
    if change.clear_ping:
        row.ping_role_id = None
    elif change.ping_role_id is not None:
        row.ping_role_id = change.ping_role_id
    if change.missed is not None:
        row.missed = check_missed(change.missed)
    if change.event is not None:
        row.event = change.event
    if change.ping_interested is not None:
        row.ping_interested = change.ping_interested
    if change.when is not None:
        tz = parse_timezone(change.timezone) if change.timezone else ZoneInfo(row.timezone)
        apply_schedule(row, build_schedule(change.when, change.repeat, tz, now))
        if row.status in (Status.DONE, Status.FAILED):
            row.status = Status.ACTIVE.value
            row.failure = None


def audit_details(row: Announcement) -> dict[str, Any]:
    return {
        "channel_id": row.channel_id,
        "title": row.title,
        "body": one_line(row.body, 200),
        "repeat": Repeat(row.repeat, row.cron).label,
        "timezone": row.timezone,
        "next_run_at": row.next_run_at.isoformat() if row.next_run_at else None,
        "ping_role_id": row.ping_role_id,
        "missed": row.missed,
        "event": bool(row.event),
        "ping_interested": bool(row.ping_interested),
    }
