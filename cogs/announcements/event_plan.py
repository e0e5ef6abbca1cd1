"""The Discord scheduled event an announcement should have, and what to do to get there.

Pure functions over plain values (no Discord, no sessions), so every rule is unit tested; the
flow (event_sync.py) claims, calls Discord and records what these decide.

How the announcement's repeat maps onto Discord's recurrence rules (which accept only a small
part of RFC 5545): daily is DAILY, weekly is WEEKLY on the start's weekday. Monthly keeps a day
of the month, which Discord's MONTHLY (only "the n-th weekday") cannot say, and a cron
expression is rarely expressible: those get one event per occurrence, made anew for the next
run once a run's time has come.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from bot.text import one_line, truncate
from cogs.announcements.models import Status

if TYPE_CHECKING:
    from cogs.announcements.records import AnnouncementInfo

NAME_LIMIT: Final = 100
DESCRIPTION_LIMIT: Final = 1000
LOCATION_LIMIT: Final = 100
# Discord's numbering.
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
GUILD_ONLY: Final = 2
CANCELED: Final = 4
_YEARLY, _MONTHLY, _WEEKLY, _DAILY = 0, 1, 2, 3


@dataclass(frozen=True)
class Place:
    """Where the event happens: a voice or stage channel, or elsewhere (`location`)."""

    entity_type: int
    channel_id: int | None = None
    location: str | None = None


def place_of(channel_id: int, kind: str | None, name: str | None) -> Place:
    """A voice or stage channel hosts the event; any other channel is named as its location."""
    if kind == "voice":
        return Place(VOICE, channel_id)
    if kind == "stage":
        return Place(STAGE_INSTANCE, channel_id)
    location = f"#{name}" if name else "Discord"
    return Place(EXTERNAL, location=truncate(location, LOCATION_LIMIT))


@dataclass(frozen=True)
class EventSpec:
    name: str
    description: str
    start: datetime
    end: datetime
    place: Place
    rule: dict[str, Any] | None
    # What the event says, so a change is sent once; a recurring event's start is left out
    # (Discord moves it along the series itself), its series (anchor and zone) is kept in.
    fingerprint: str

    def payload(self) -> dict[str, Any]:
        """The JSON Discord's create and modify routes take."""
        body: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.start.isoformat(),
            "scheduled_end_time": self.end.isoformat(),
            "privacy_level": GUILD_ONLY,
            "entity_type": self.place.entity_type,
            "channel_id": str(self.place.channel_id) if self.place.channel_id else None,
            "recurrence_rule": self.rule,
        }
        if self.place.entity_type == EXTERNAL:
            body["entity_metadata"] = {"location": self.place.location}
        return body


def recurrence_rule(repeat: str, start: datetime) -> dict[str, Any] | None:
    """Discord's rule for daily and weekly; None where Discord cannot say the repeat."""
    if repeat == "daily":
        return {"start": start.isoformat(), "frequency": _DAILY, "interval": 1}
    if repeat == "weekly":
        return {
            "start": start.isoformat(),
            "frequency": _WEEKLY,
            "interval": 1,
            # Discord reads the rule on the UTC timestamps it is given.
            "by_weekday": [start.weekday()],
        }
    return None


def event_name(title: str | None, body: str) -> str:
    return one_line(title or body.split("\n", 1)[0] or "Announcement", NAME_LIMIT)


def wanted_event(info: AnnouncementInfo, place: Place, length: timedelta) -> EventSpec | None:
    """The event an active announcement with `event` on should have now; None otherwise."""
    if not info.event or info.status != Status.ACTIVE or info.next_run_at is None:
        return None
    start = info.next_run_at
    rule = recurrence_rule(info.repeat, start)
    name = event_name(info.title, info.body)
    description = truncate(info.body, DESCRIPTION_LIMIT)
    said: list[Any] = [name, description, place.__dict__, length.total_seconds()]
    if rule is None:
        said.append(start.isoformat())
    else:
        said += [{k: v for k, v in rule.items() if k != "start"}, info.anchor_local, info.timezone]
    fingerprint = hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()
    return EventSpec(name, description, start, start + length, place, rule, fingerprint)


class Step(StrEnum):
    NOTHING = "nothing"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"  # paused, or the event turned off: a new one comes on resume
    CANCEL = "cancel"  # the announcement is cancelled: the event is cancelled too


def plan_event(info: AnnouncementInfo, spec: EventSpec | None, now: datetime) -> Step:
    if spec is None:
        if info.event_id is None:
            return Step.NOTHING
        if info.status == Status.CANCELLED:
            return Step.CANCEL
        if info.status == Status.PAUSED or not info.event:
            return Step.DELETE
        return Step.NOTHING  # a one-off that ran, or failed: its event ends on its own
    if info.event_id is None:
        return Step.CREATE
    spent = info.event_start is not None and info.event_start <= now
    if spec.rule is None and spent:
        return Step.CREATE  # one event per occurrence: this run's time has come
    if spec.fingerprint != info.event_hash:
        return Step.EDIT
    return Step.NOTHING


def event_link(guild_id: int, event_id: int) -> str:
    return f"https://discord.com/events/{guild_id}/{event_id}"
