"""Pairing over HTTP: my profile (read, join or update, pause, resume, leave), my history, and
for moderators the rounds with their figures. The same stores and the same join as /pair, so
the same validation, limits and wording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from bot.permissions import Tier
from bot.web.auth import Caller, loaded_feature, member_of_guild, state_of
from bot.web.conditional import conditional
from bot.web.fields import GuildIdPath
from bot.web.pagination import Page, id_cursor, link_header, next_link
from bot.web.problems import responses
from bot.web.tiers import caller_with_tier
from cogs.pairing.api_models import (
    HistoryEntryOut,
    PauseIn,
    ProfileIn,
    ProfileOut,
    RoundDetailOut,
    RoundOut,
    history_out,
    profile_out,
    round_detail_out,
    round_out,
)

if TYPE_CHECKING:
    from cogs.pairing.schedule_flow import RoundSchedule
    from cogs.pairing.service import PairingService

FEATURE = "pairing"
JSON = "application/json"
caller_of_guild = member_of_guild(FEATURE)
router = APIRouter(
    prefix="/guilds/{guild_id}/pairing",
    tags=["pairing"],
    responses=responses(400, 401, 403, 422, 429, 503),
)
CallerDep = Annotated[Caller, Depends(caller_of_guild)]
ModeratorDep = Annotated[Caller, Depends(caller_with_tier(FEATURE, Tier.MODERATOR))]
CursorQuery = Annotated[str | None, Query(max_length=200, description="from `next`")]
RoundNumberPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="the round's number")]


class PairingFeature(Protocol):
    """What the routes need of the loaded pairing cog (never its module)."""

    service: PairingService
    schedule: RoundSchedule


def _feature(request: Request) -> PairingFeature:
    return cast("PairingFeature", loaded_feature(request, FEATURE))


async def _profile(request: Request, caller: Caller) -> ProfileOut:
    """The caller's profile as `/pair status` reads it."""
    feature = _feature(request)
    status = await feature.service.profiles.status(caller.guild_id, caller.user_id)
    next_round = await feature.schedule.next_round_in(caller.guild_id, status.schedule_timezone)
    return profile_out(status, next_round, state_of(request).host.clock.now())


def _json(model: ProfileOut, status_code: int = 200, **headers: str) -> Response:
    return Response(model.model_dump_json(), status_code, headers, media_type=JSON)


# ---- my profile -------------------------------------------------------------------------------


@router.get(
    "/profile",
    response_model=ProfileOut,
    summary="My pairing profile, next round and current partner (as /pair status)",
    responses=responses(304, 404),
)
async def get_profile(request: Request, guild_id: GuildIdPath, caller: CallerDep) -> Response:
    body = await _profile(request, caller)
    return conditional(request, body.model_dump_json().encode(), JSON)


@router.put(
    "/profile",
    response_model=ProfileOut,
    summary="Join pairing or update my profile (as /pair join)",
    responses={
        201: {
            "model": ProfileOut,
            "description": "Joined: the profile was made (or made active again)",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
    },
)
async def put_profile(
    request: Request, guild_id: GuildIdPath, caller: CallerDep, profile: ProfileIn
) -> Response:
    feature = _feature(request)
    # As /pair join: the profile, then the schedule (the first member starts the rounds).
    result = await feature.service.profiles.join(
        caller.guild_id,
        caller.user_id,
        level=profile.level,
        timezone=profile.timezone,
        track=profile.track,
        topics=profile.topics,
    )
    await feature.schedule.schedule_guild(caller.guild_id)
    body = await _profile(request, caller)
    if result.created:
        return _json(body, 201, Location=request.url.path)
    return _json(body)


@router.delete(
    "/profile",
    status_code=204,
    summary="Leave pairing (as /pair leave; your history is kept)",
    responses=responses(404),
)
async def delete_profile(request: Request, guild_id: GuildIdPath, caller: CallerDep) -> Response:
    await _feature(request).service.profiles.leave(caller.guild_id, caller.user_id)
    return Response(status_code=204)


@router.post(
    "/profile/pause",
    response_model=ProfileOut,
    summary="Skip rounds until a date (as /pair pause)",
    responses=responses(404),
)
async def pause(
    request: Request, guild_id: GuildIdPath, caller: CallerDep, pause: PauseIn
) -> Response:
    await _feature(request).service.profiles.pause(caller.guild_id, caller.user_id, pause.until)
    return _json(await _profile(request, caller))


@router.post(
    "/profile/resume",
    response_model=ProfileOut,
    summary="End my pause (as /pair resume)",
    responses=responses(404),
)
async def resume(request: Request, guild_id: GuildIdPath, caller: CallerDep) -> Response:
    await _feature(request).service.profiles.resume(caller.guild_id, caller.user_id)
    return _json(await _profile(request, caller))


# ---- my history -------------------------------------------------------------------------------


@router.get(
    "/history",
    response_model=Page[HistoryEntryOut],
    summary="My past partners and sessions, newest first (as /pair history)",
    responses=responses(304),
)
async def history(
    request: Request,
    guild_id: GuildIdPath,
    caller: CallerDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response:
    page = await _feature(request).service.partner_history.history(
        caller.guild_id, caller.user_id, before_id=id_cursor(cursor), limit=limit
    )
    link = next_link(request, page.next_before_id)
    body = Page[HistoryEntryOut](items=[history_out(e) for e in page.entries], next=link)
    return conditional(request, body.model_dump_json().encode(), JSON, link_header(link))


# ---- rounds (moderators) ----------------------------------------------------------------------


@router.get(
    "/rounds",
    response_model=Page[RoundOut],
    summary="Pairing rounds with their figures and answers, newest first (moderators)",
    responses=responses(304),
)
async def list_rounds(
    request: Request,
    guild_id: GuildIdPath,
    caller: ModeratorDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    page = await _feature(request).service.round_reports.page(
        caller.guild_id, before_number=id_cursor(cursor), limit=limit
    )
    link = next_link(request, page.next_before_number)
    body = Page[RoundOut](items=[round_out(report) for report in page.reports], next=link)
    return conditional(request, body.model_dump_json().encode(), JSON, link_header(link))


@router.get(
    "/rounds/{number}",
    response_model=RoundDetailOut,
    summary="One round: its figures, answers and groups (moderators)",
    responses=responses(304, 404),
)
async def get_round(
    request: Request, guild_id: GuildIdPath, number: RoundNumberPath, caller: ModeratorDep
) -> Response:
    detail = await _feature(request).service.round_reports.detail(caller.guild_id, number)
    return conditional(request, round_detail_out(detail).model_dump_json().encode(), JSON)
