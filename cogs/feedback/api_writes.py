"""Feedback over HTTP, writing: a report (posted with its thread as from Discord, or answered 409
with its likely duplicates), details added to one of them, a +1, a withdrawal; for triagers,
status moves and assignments. Each calls the same flow as its slash command or button
(`ItemFlow`), so the same checks, history, audit entries and Discord posts follow."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.problems import MEDIA_TYPE, ApiProblem, responses
from cogs.feedback.api_access import (
    CallerOfGuild,
    ItemIdPath,
    TriagerOfGuild,
    feature_of,
    item_number,
)
from cogs.feedback.api_models import (
    AssigneeIn,
    DuplicatesProblem,
    ItemWritten,
    NewReportIn,
    ReportIn,
    StatusIn,
    VoteOut,
    duplicate_out,
    vote_out,
    written,
)
from cogs.feedback.rules import FeedbackError, ItemClosedMeanwhile, parse_item_number

if TYPE_CHECKING:
    import discord

    from bot.web.auth import Caller
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.records import Draft

router = APIRouter(prefix="/guilds/{guild_id}/feedback", tags=["feedback"])
MAYBE_REPORTED = (
    "This may already be reported. Add your details to one of these (it counts as a +1) by "
    "sending the same report to its /details, or create yours anyway with "
    "`create_anyway: true`."
)
NOT_A_MEMBER = "That user is not a member of this server; assign one of its members."


def _draft(request: Request, caller: Caller, body: ReportIn) -> Draft:
    """The report checked exactly as /feedback log checks what a member typed."""
    return feature_of(request).parts.intake.draft(
        caller.guild_id,
        caller.user_id,
        endpoint=body.endpoint,
        severity=body.severity,
        title=body.title,
        details=body.details,
        expected=body.expected,
        actual=body.actual,
    )


def _maybe_reported(candidates: list[DuplicateCandidate]) -> JSONResponse:
    problem = DuplicatesProblem(
        title=HTTPStatus.CONFLICT.phrase,
        status=409,
        detail=MAYBE_REPORTED,
        duplicates=[duplicate_out(candidate) for candidate in candidates],
    )
    return JSONResponse(problem.model_dump(exclude_none=True), 409, media_type=MEDIA_TYPE)


@router.post(
    "",
    status_code=201,
    response_model=ItemWritten,
    summary="Report a problem with an endpoint; posted in the feedback channel with a thread",
    responses={
        409: {"model": DuplicatesProblem, "description": "it looks already reported"},
        **responses(400, 422),
    },
)
async def report_feedback(
    request: Request,
    response: Response,
    guild_id: GuildIdPath,
    body: NewReportIn,
    caller: CallerOfGuild,
) -> ItemWritten | JSONResponse:
    feature = feature_of(request)
    draft = _draft(request, caller, body)
    if not body.create_anyway:
        candidates = await feature.parts.intake.find_duplicates(draft)
        if candidates:
            return _maybe_reported(candidates)
    outcome = await feature.items.report(draft)
    response.headers["Location"] = f"{request.url.path}/{outcome.item.number}"
    return written(outcome)


@router.post(
    "/{item_id}/details",
    response_model=VoteOut,
    summary="Add your report's details to an item it duplicates (a +1, and the details in its "
    "thread)",
    responses=responses(400, 404, 409, 422),
)
async def add_details(
    request: Request,
    guild_id: GuildIdPath,
    item_id: ItemIdPath,
    body: ReportIn,
    caller: CallerOfGuild,
) -> VoteOut:
    draft = _draft(request, caller, body)
    number = item_number(item_id)
    try:
        plus, outcome = await feature_of(request).items.add_details(caller.guild_id, number, draft)
    except ItemClosedMeanwhile as closed:
        raise ApiProblem(409, f"{closed.message} Log yours with `create_anyway: true`.") from closed
    return vote_out(outcome, counted=plus.counted)


@router.post(
    "/{item_id}/plus-ones",
    response_model=VoteOut,
    summary="+1 · me too: count yours on an active item and watch it",
    responses=responses(400, 404, 422),
)
async def plus_one(
    request: Request, guild_id: GuildIdPath, item_id: ItemIdPath, caller: CallerOfGuild
) -> VoteOut:
    items = feature_of(request).items
    vote, outcome = await items.plus_one(caller.guild_id, item_number(item_id), caller.user_id)
    return vote_out(outcome, counted=vote.counted)


@router.post(
    "/{item_id}/withdrawal",
    response_model=ItemWritten,
    summary="Withdraw your own report while it is open",
    responses=responses(400, 404, 422),
)
async def withdraw(
    request: Request, guild_id: GuildIdPath, item_id: ItemIdPath, caller: CallerOfGuild
) -> ItemWritten:
    items = feature_of(request).items
    _, outcome = await items.withdraw(caller.guild_id, item_number(item_id), caller.user_id)
    return written(outcome)


@router.post(
    "/{item_id}/status",
    response_model=ItemWritten,
    summary="Triagers: move an item along its workflow (its watchers are told)",
    responses=responses(400, 404, 422),
)
async def change_status(
    request: Request,
    guild_id: GuildIdPath,
    item_id: ItemIdPath,
    body: StatusIn,
    caller: TriagerOfGuild,
) -> ItemWritten:
    number = item_number(item_id)
    target = parse_item_number(body.duplicate_of) if body.duplicate_of else None
    _, outcome = await feature_of(request).items.change_status(
        caller.guild_id,
        number,
        caller.user_id,
        body.status,
        note=body.note,
        duplicate_of=target,
    )
    return written(outcome)


def _member(request: Request, guild_id: int, user_id: str) -> discord.Member:
    guild = state_of(request).host.get_guild(guild_id)
    member = guild.get_member(int(user_id)) if guild is not None else None
    if member is None:
        raise FeedbackError(NOT_A_MEMBER)
    return member


@router.post(
    "/{item_id}/assignee",
    response_model=ItemWritten,
    summary="Triagers: give an item to someone (they join its thread)",
    responses=responses(400, 404, 422),
)
async def assign(
    request: Request,
    guild_id: GuildIdPath,
    item_id: ItemIdPath,
    body: AssigneeIn,
    caller: TriagerOfGuild,
) -> ItemWritten:
    number = item_number(item_id)
    assignee = _member(request, caller.guild_id, body.user_id)
    _, outcome = await feature_of(request).items.assign(
        caller.guild_id, number, caller.user_id, assignee
    )
    return written(outcome)
