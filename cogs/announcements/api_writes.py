"""Announcements over HTTP, changing (moderators): create, edit, pause, resume and cancel,
through the same flow as /announce, so the same checks, wording and audit entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.web.fields import GuildIdPath
from bot.web.problems import responses
from cogs.announcements.api_access import (
    ROUTER_OPTIONS,
    AnnouncementIdPath,
    ModeratorDep,
    feature_of,
    json_response,
)
from cogs.announcements.api_models import (
    AnnouncementChangedOut,
    AnnouncementIn,
    AnnouncementPatch,
    changed_out,
)
from cogs.announcements.records import Draft
from cogs.announcements.render import silent_ping_note

if TYPE_CHECKING:
    from cogs.announcements.flows import Changed

router = APIRouter(**ROUTER_OPTIONS)
NOT_FOUND = responses(404)


def _answer(changed: Changed, status_code: int = 200, **headers: str) -> Response:
    role = changed.silent_role
    warnings = [silent_ping_note(f"the role {role.name}") if role else "", changed.event_note]
    body = changed_out(changed.info, [warning for warning in warnings if warning])
    return json_response(body, status_code, headers)


@router.post(
    "/announcements",
    status_code=201,
    response_model=AnnouncementChangedOut,
    summary="Schedule an announcement (once or repeating), as /announce create",
)
async def create_announcement(
    request: Request, guild_id: GuildIdPath, caller: ModeratorDep, body: AnnouncementIn
) -> Response:
    draft = Draft(
        channel_id=int(body.channel_id),
        when=body.when,
        body=body.message,
        title=body.title,
        repeat=body.repeat,
        timezone=body.timezone,
        ping_role_id=int(body.ping_role_id) if body.ping_role_id else None,
        missed=body.missed,
        event=body.event,
        ping_interested=body.ping_interested,
    )
    changed = await feature_of(request).flow.create(caller.guild_id, caller.user_id, draft)
    location = f"{request.url.path}/{changed.info.id}"
    return _answer(changed, 201, Location=location)


@router.patch(
    "/announcements/{announcement_id}",
    summary="Change an announcement, as /announce edit",
    response_model=AnnouncementChangedOut,
    responses=NOT_FOUND,
)
async def edit_announcement(
    request: Request,
    guild_id: GuildIdPath,
    announcement_id: AnnouncementIdPath,
    caller: ModeratorDep,
    body: AnnouncementPatch,
) -> Response:
    flow = feature_of(request).flow
    current = await flow.editable(caller.guild_id, int(announcement_id))
    change = body.edit_of(current)
    return _answer(await flow.edit(caller.guild_id, caller.user_id, current.id, change))


@router.post(
    "/announcements/{announcement_id}/pause",
    summary="Stop posting until resumed, as /announce pause",
    response_model=AnnouncementChangedOut,
    responses=NOT_FOUND,
)
async def pause_announcement(
    request: Request,
    guild_id: GuildIdPath,
    announcement_id: AnnouncementIdPath,
    caller: ModeratorDep,
) -> Response:
    flow = feature_of(request).flow
    return _answer(await flow.pause(caller.guild_id, caller.user_id, int(announcement_id)))


@router.post(
    "/announcements/{announcement_id}/resume",
    summary="Post again (paused or failed announcements), as /announce resume",
    response_model=AnnouncementChangedOut,
    responses=NOT_FOUND,
)
async def resume_announcement(
    request: Request,
    guild_id: GuildIdPath,
    announcement_id: AnnouncementIdPath,
    caller: ModeratorDep,
) -> Response:
    flow = feature_of(request).flow
    return _answer(await flow.resume(caller.guild_id, caller.user_id, int(announcement_id)))


@router.post(
    "/announcements/{announcement_id}/cancel",
    summary="Cancel an announcement for good, as /announce cancel",
    response_model=AnnouncementChangedOut,
    responses=NOT_FOUND,
)
async def cancel_announcement(
    request: Request,
    guild_id: GuildIdPath,
    announcement_id: AnnouncementIdPath,
    caller: ModeratorDep,
) -> Response:
    flow = feature_of(request).flow
    return _answer(await flow.cancel(caller.guild_id, caller.user_id, int(announcement_id)))
