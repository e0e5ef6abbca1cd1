"""Snippets over HTTP, writing: share, edit and delete your own, star. The same flows as the
slash commands (`SnippetFlows`), so the same checks, limits, rate, posts and audit entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from bot.permissions import Tier
from bot.web.auth import Caller
from bot.web.fields import GuildIdPath
from bot.web.problems import responses
from cogs.snippets.api_models import (
    SnippetIdPath,
    SnippetIn,
    SnippetOut,
    SnippetPatch,
    StarOut,
    caller_of_guild,
    flows_of,
    parts_of,
    snippet_out,
)
from cogs.snippets.posts import configured_destination
from cogs.snippets.rules import FEATURE

router = APIRouter(
    prefix="/guilds/{guild_id}/snippets",
    tags=["snippets"],
    responses=responses(400, 401, 403, 404, 422, 429, 503),
)
CallerOfGuild = Annotated[Caller, Depends(caller_of_guild)]


def _tags(tags: list[str] | None) -> str | None:
    # The slash command's option is one line of tags; the same parser splits and checks them.
    return None if tags is None else ", ".join(tags)


@router.post(
    "",
    status_code=201,
    response_model=SnippetOut,
    summary="Share a snippet (posted in the snippets channel when one is set)",
)
async def share_snippet(
    request: Request,
    response: Response,
    guild_id: GuildIdPath,
    body: SnippetIn,
    caller: CallerOfGuild,
) -> SnippetOut:
    flows = flows_of(request)
    draft = await flows.draft(
        title=body.title,
        code=body.code,
        language=body.language,
        tags=_tags(body.tags),
        description=body.description,
    )
    config = await flows.bot.guild_settings.get(caller.guild_id)
    destination = configured_destination(flows.bot, config.channel_id(FEATURE))
    record = await flows.share_in(caller.guild_id, caller.user_id, draft, destination)
    response.headers["Location"] = f"{request.url.path}/{record.id}"
    return snippet_out(record)


@router.patch(
    "/{snippet_id}", response_model=SnippetOut, summary="Edit a snippet (author or moderator)"
)
async def edit_snippet(
    request: Request,
    guild_id: GuildIdPath,
    snippet_id: SnippetIdPath,
    body: SnippetPatch,
    caller: CallerOfGuild,
) -> SnippetOut:
    current = await parts_of(request).store.get(caller.guild_id, int(snippet_id))
    values = {
        "title": current.title if body.title is None else body.title,
        "code": current.code if body.code is None else body.code,
        "language": current.language if body.language is None else body.language,
        "tags": _tags(list(current.tags) if body.tags is None else body.tags),
        "description": current.description if body.description is None else body.description,
    }
    updated = await flows_of(request).edit(
        caller.guild_id,
        int(snippet_id),
        caller.user_id,
        values,
        is_moderator=caller.tier >= Tier.MODERATOR,
    )
    return snippet_out(updated)


@router.delete("/{snippet_id}", status_code=204, summary="Delete a snippet (author or moderator)")
async def delete_snippet(
    request: Request, guild_id: GuildIdPath, snippet_id: SnippetIdPath, caller: CallerOfGuild
) -> Response:
    await flows_of(request).delete(
        caller.guild_id,
        int(snippet_id),
        caller.user_id,
        is_moderator=caller.tier >= Tier.MODERATOR,
    )
    return Response(status_code=204)


@router.put("/{snippet_id}/star", response_model=StarOut, summary="Star a snippet")
async def star_snippet(
    request: Request, guild_id: GuildIdPath, snippet_id: SnippetIdPath, caller: CallerOfGuild
) -> StarOut:
    return await _set_star(request, caller, snippet_id, starred=True)


@router.delete("/{snippet_id}/star", response_model=StarOut, summary="Take your star back")
async def unstar_snippet(
    request: Request, guild_id: GuildIdPath, snippet_id: SnippetIdPath, caller: CallerOfGuild
) -> StarOut:
    return await _set_star(request, caller, snippet_id, starred=False)


async def _set_star(request: Request, caller: Caller, snippet_id: str, *, starred: bool) -> StarOut:
    result = await flows_of(request).set_star(
        caller.guild_id, int(snippet_id), caller.user_id, starred=starred
    )
    return StarOut(starred=result.starred, star_count=result.star_count)
