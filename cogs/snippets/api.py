"""Snippets over HTTP, reading: list and search, get, raw text. The same parts as the slash commands
(`SnippetParts`: the store, the search), so the same ranking, filters, limits and wording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from bot.web.auth import Caller, state_of
from bot.web.conditional import conditional
from bot.web.fields import ID_PATTERN, GuildIdPath
from bot.web.pagination import Page, decode_cursor, link_header, next_link
from bot.web.problems import ApiProblem, responses
from cogs.snippets import languages
from cogs.snippets.api_models import (
    SnippetIdPath,
    SnippetOut,
    SnippetSummaryOut,
    caller_of_guild,
    parts_of,
    snippet_out,
    summary_out,
)

if TYPE_CHECKING:
    from cogs.snippets.records import PageCursor

router = APIRouter(
    prefix="/guilds/{guild_id}/snippets",
    tags=["snippets"],
    responses=responses(400, 401, 403, 422, 429, 503),
)


def search_position(cursor: str | None) -> PageCursor | None:
    """The keyset position a search page's cursor holds; 400 for one Nexus did not give."""
    decoded: Any = decode_cursor(cursor)
    if decoded is None:
        return None
    valid = isinstance(decoded, list) and len(decoded) == 2  # (score, id)
    if not valid or not all(isinstance(part, int | float) for part in decoded):
        raise ApiProblem(400, "That cursor is not one Nexus gave out; start again without it.")
    return float(decoded[0]), int(decoded[1])


@router.get(
    "",
    response_model=Page[SnippetSummaryOut],
    summary="List snippets, newest first, or search them",
    responses=responses(304),
)
async def list_snippets(  # noqa: PLR0917 (one parameter per query option)
    request: Request,
    guild_id: GuildIdPath,
    caller: Annotated[Caller, Depends(caller_of_guild)],
    q: Annotated[
        str | None,
        Query(max_length=200, description='words; "a phrase"; prefix* (3+ letters); ranked'),
    ] = None,
    language: Annotated[str | None, Query(max_length=32)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    author: Annotated[str | None, Query(pattern=ID_PATTERN, description="a member's id")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="from `next`")] = None,
) -> Response:
    parts = parts_of(request)
    page = await parts.snippet_search.search(
        caller.guild_id,
        q,
        language=languages.filter_key(language),
        tag=tag,
        author_id=None if author is None else int(author),
        cursor=search_position(cursor),
    )
    if cursor is None and (q or language or tag or author):
        # A search that ran counts once, on its first page; a newest-first list is no search.
        zone = (await state_of(request).host.guild_settings.get(caller.guild_id)).timezone
        parts.search_counts.record(caller.guild_id, zone)
    link = next_link(request, page.next_cursor)
    body = Page[SnippetSummaryOut](items=[summary_out(item) for item in page.items], next=link)
    return conditional(
        request, body.model_dump_json().encode(), "application/json", link_header(link)
    )


@router.get(
    "/{snippet_id}",
    response_model=SnippetOut,
    summary="One snippet, with its code",
    responses=responses(304, 404),
)
async def get_snippet(
    request: Request,
    guild_id: GuildIdPath,
    snippet_id: SnippetIdPath,
    caller: Annotated[Caller, Depends(caller_of_guild)],
) -> Response:
    record = await parts_of(request).store.get(caller.guild_id, int(snippet_id))
    return conditional(request, snippet_out(record).model_dump_json().encode(), "application/json")


@router.get(
    "/{snippet_id}/raw",
    response_class=PlainTextResponse,
    summary="A snippet's code as a file",
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **responses(304, 404),
    },
)
async def get_snippet_raw(
    request: Request,
    guild_id: GuildIdPath,
    snippet_id: SnippetIdPath,
    caller: Annotated[Caller, Depends(caller_of_guild)],
) -> Response:
    record = await parts_of(request).store.get(caller.guild_id, int(snippet_id))
    name = f"snippet-{record.id}.{languages.get(record.language).extension}"
    return conditional(
        request,
        record.code.encode(),
        "text/plain; charset=utf-8",
        {"Content-Disposition": f'inline; filename="{name}"'},
    )
