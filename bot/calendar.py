"""What a feature puts in a calendar feed: one `CalendarEntry` per event or series.

Features answer the contract's `calendar_events` with these plain values; the web side
(`bot.web.calendar`) renders them as iCalendar (RFC 5545), so no feature knows the format and
the core knows no feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# The domain part of every UID: RFC 5545 asks UIDs to be globally unique, and a feature's own
# row id is only unique within Nexus.
UID_DOMAIN: Final = "nexus.invalid"


@dataclass(frozen=True)
class CalendarEntry:
    """One event, or a series of them when `rrule` is set.

    `uid` must be the same at every request for the same thing: calendar apps update an event
    they already hold by its UID, so a new UID each time would duplicate it.
    """

    uid: str
    summary: str
    start: datetime  # aware; the first occurrence of a series
    duration: timedelta
    # The IANA zone the event is shown in and its recurrence is read in ("09:00 every Monday"
    # stays 09:00 across DST only when the rule is read in the zone it was set in).
    tz: str = "UTC"
    description: str = ""
    # An RFC 5545 recurrence rule without its "RRULE:" name, e.g. "FREQ=WEEKLY;BYDAY=MO".
    rrule: str | None = None
    url: str | None = None


def entry_uid(kind: str, key: str | int, guild_id: int) -> str:
    """`<kind>-<key>-<guild>@nexus.invalid`: stable, and unique across features and guilds."""
    return f"{kind}-{key}-{guild_id}@{UID_DOMAIN}"
