"""Calendar feeds: the features' calendar entries as iCalendar (RFC 5545), for calendar apps
to subscribe to.

Calendar apps fetch a URL and send no headers, so a feed takes the token from its URL
(`?token=nexus_…`). Such a URL ends up in logs, in shared calendars and in sync services, so
only a read-only personal token is taken there; an `Authorization` header works as on any
other route. The one renderer is here: the personal feed below gathers every loaded
feature's entries (`calendar_events`), and a feature's own feed passes its entries in.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from icalendar import Calendar, Event, Timezone, vRecur

from bot.errors import FeatureBlocked
from bot.web.auth import OTHER_GUILD, Caller, bearer, caller_from_secret, state_of
from bot.web.conditional import conditional
from bot.web.fields import GuildIdPath
from bot.web.problems import ApiProblem, responses

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from bot.calendar import CalendarEntry

MEDIA_TYPE: Final = "text/calendar; charset=utf-8"
PRODID: Final = "-//Nexus//Nexus calendar feeds//EN"
# What a feed holds of what is not a series: recent past (so a session just held is still
# there) and the year ahead.
FEED_PAST: Final = timedelta(days=90)
FEED_AHEAD: Final = timedelta(days=366)
# VTIMEZONE rules are written for this span around the feed; a series running past it keeps
# the last rules, which is what a calendar app assumes anyway.
ZONE_YEARS_BEFORE: Final = 1
ZONE_YEARS_AFTER: Final = 5

NO_TOKEN: Final = (
    "Add your read-only API token to the calendar URL: `?token=nexus_…` "
    "(make one with `/nexus token create`, scope read)."
)
URL_TAKES_READ_ONLY: Final = (
    "A calendar URL only takes a read-only personal token: URLs end up in logs and shared "
    "calendars. Make one with `/nexus token create` (scope read), and revoke this one with "
    "`/nexus token revoke`, since it has been in a URL."
)
TOKEN_QUERY = Query(
    max_length=200,
    description="a read-only personal token, for calendar apps (they send no headers)",
)

router = APIRouter(tags=["calendars"], responses=responses(401, 403, 422, 429))


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    return now - FEED_PAST, now + FEED_AHEAD


def subscriber(feature: str | None = None) -> Callable[..., Awaitable[Caller]]:
    """A feed's caller: a token of the path's guild, from the `Authorization` header or, read
    only, from the URL; not blocked from `feature` (when the feed is one feature's)."""

    async def dependency(
        request: Request,
        guild_id: GuildIdPath,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
        token: Annotated[str | None, TOKEN_QUERY] = None,
    ) -> Caller:
        if credentials is not None:
            caller = await caller_from_secret(request, credentials.credentials)
        elif token is None:
            raise ApiProblem(401, NO_TOKEN, {"WWW-Authenticate": "Bearer"})
        else:
            caller = await caller_from_secret(request, token)
            if caller.token is None or caller.token.scope != "read":
                raise ApiProblem(403, URL_TAKES_READ_ONLY)
        if int(guild_id) != caller.guild_id:
            raise ApiProblem(403, OTHER_GUILD)
        if feature is not None and await _blocked(request, caller, feature):
            raise ApiProblem(403, str(FeatureBlocked(feature)))
        return caller

    return dependency


async def _blocked(request: Request, caller: Caller, feature: str) -> bool:
    blocks = state_of(request).host.blocks
    return await blocks.is_blocked(caller.guild_id, caller.user_id, feature)


def _start(entry: CalendarEntry) -> datetime:
    """The start as a wall time in the entry's zone. A start already in that zone is kept as
    it is: converting would move a time in a DST gap, and a series' rule keeps its first time."""
    if getattr(entry.start.tzinfo, "key", None) == entry.tz:
        return entry.start
    return entry.start.astimezone(ZoneInfo(entry.tz))


@lru_cache(maxsize=128)
def _zone(tzid: str, first_year: int, last_year: int) -> Timezone | None:
    """A zone's VTIMEZONE over whole years, made once: making one walks the zone's offsets
    across the span, the costliest part of a feed. None for a zone the library cannot write."""
    try:
        return Timezone.from_tzid(
            tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
        )
    except ValueError:
        return None


def render_calendar(name: str, entries: Iterable[CalendarEntry], stamp: datetime) -> bytes:
    """An iCalendar document: one VEVENT per entry, with a VTIMEZONE for each zone used,
    first and by name, so the same entries always give the same bytes.

    METHOD:PUBLISH makes DTSTAMP the time the document was made (RFC 5545, 3.8.7.2): the
    injected clock's now.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    first = stamp.date()
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.summary)
        start = _start(entry)
        first = min(first, start.date())
        event.add("dtstart", start)
        event.add("duration", entry.duration)
        if entry.rrule is not None:
            event.add("rrule", vRecur.from_ical(entry.rrule))
        if entry.description:
            event.add("description", entry.description)
        if entry.url is not None:
            event.add("url", entry.url)
        calendar.add_component(event)
    years = (first.year - ZONE_YEARS_BEFORE, stamp.year + ZONE_YEARS_AFTER)
    zones = (_zone(tzid, *years) for tzid in sorted(calendar.get_missing_tzids()))
    calendar.subcomponents[0:0] = [zone for zone in zones if zone is not None]
    document: bytes = calendar.to_ical()
    return document


async def calendar_response(
    request: Request, name: str, filename: str, entries: list[CalendarEntry]
) -> Response:
    stamp = state_of(request).host.clock.now().replace(microsecond=0)
    # Rendering is plain CPU work on frozen values: in a thread, the bot's loop keeps
    # answering Discord while a large feed is written.
    body = await asyncio.to_thread(render_calendar, name, entries, stamp)
    # The feed's DTSTAMPs are its making time; the ETag follows the entries themselves, so a
    # calendar app revalidating an unchanged feed gets its 304.
    identity = f"{name}\n{entries!r}\n{stamp.year}".encode()
    return conditional(
        request,
        body,
        MEDIA_TYPE,
        {"Content-Disposition": f'inline; filename="{filename}"'},
        identity=identity,
    )


CALENDAR_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}
}
personal_subscriber = subscriber()


@router.get(
    "/guilds/{guild_id}/calendar.ics",
    summary="My calendar: this server's events and my own, as iCalendar",
    response_class=Response,
    responses={**CALENDAR_CONTENT, **responses(304)},
)
async def personal_calendar(
    request: Request,
    guild_id: GuildIdPath,
    caller: Annotated[Caller, Depends(personal_subscriber)],
) -> Response:
    """Everything of this server that belongs in the caller's calendar, from every feature
    that has something (features the caller is blocked from are left out). Subscribe with
    `…/calendar.ics?token=<a read-only token>`."""
    host = state_of(request).host
    start, end = feed_window(host.clock.now())
    entries: list[CalendarEntry] = []
    for feature in host.features:
        if not await _blocked(request, caller, feature.feature):
            entries += await feature.calendar_events(caller.guild_id, caller.user_id, start, end)
    guild = host.get_guild(caller.guild_id)
    name = f"{guild.name if guild is not None else 'Nexus'} · my calendar"
    return await calendar_response(request, name, "calendar.ics", entries)
