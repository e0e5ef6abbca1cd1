"""Announcements over HTTP, reading: the list as /announce list pages it (by keyset), one
announcement with its next runs as /announce show computes them, and the guild's calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bot.web.auth import Caller, state_of
from bot.web.calendar import CALENDAR_CONTENT, calendar_response, feed_window, subscriber
from bot.web.conditional import conditional
from bot.web.fields import GuildIdPath
from bot.web.pagination import Page, id_cursor, link_header, next_link
from bot.web.problems import responses
from cogs.announcements.api_access import (
    FEATURE,
    JSON,
    ROUTER_OPTIONS,
    AnnouncementIdPath,
    CallerDep,
    feature_of,
)
from cogs.announcements.api_models import (
    AnnouncementDetailOut,
    AnnouncementOut,
    announcement_out,
    detail_out,
)

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "/announcements",
    response_model=Page[AnnouncementOut],
    summary="The announcements that are not cancelled, oldest first",
    responses=responses(304),
)
async def list_announcements(
    request: Request,
    guild_id: GuildIdPath,
    caller: CallerDep,
    cursor: Annotated[str | None, Query(max_length=200, description="from `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="how many per page")] = 20,
) -> Response:
    store = feature_of(request).flow.store
    page = await store.list_page(caller.guild_id, id_cursor(cursor), limit=limit)
    link = next_link(request, page.next_after_id)
    body = Page[AnnouncementOut](items=[announcement_out(info) for info in page.items], next=link)
    return conditional(request, body.model_dump_json().encode(), JSON, link_header(link))


@router.get(
    "/announcements/{announcement_id}",
    response_model=AnnouncementDetailOut,
    summary="One announcement, with its next 5 runs",
    responses=responses(304, 404),
)
async def get_announcement(
    request: Request,
    guild_id: GuildIdPath,
    announcement_id: AnnouncementIdPath,
    caller: CallerDep,
) -> Response:
    info = await feature_of(request).flow.store.get(caller.guild_id, int(announcement_id))
    return conditional(request, detail_out(info).model_dump_json().encode(), JSON)


@router.get(
    "/announcements.ics",
    summary="The server's announcements as a calendar (iCalendar) to subscribe to",
    response_class=Response,
    responses={**CALENDAR_CONTENT, **responses(304)},
)
async def announcements_calendar(
    request: Request,
    guild_id: GuildIdPath,
    caller: Annotated[Caller, Depends(subscriber(FEATURE))],
) -> Response:
    """Every active announcement: a repeating one as one event with its recurrence rule, in
    its own time zone. Subscribe with `…/announcements.ics?token=<a read-only token>`."""
    host = state_of(request).host
    start, end = feed_window(host.clock.now())
    entries = await feature_of(request).calendar_events(caller.guild_id, None, start, end)
    guild = host.get_guild(caller.guild_id)
    name = f"{guild.name if guild is not None else 'Nexus'} · announcements"
    return await calendar_response(request, name, "announcements.ics", entries)
