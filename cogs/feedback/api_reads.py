"""Feedback over HTTP, reading: the list with every filter of /feedback list (keyset cursors),
one item with its history as /feedback show has it, and the exports of /feedback export in
the format asked for by `format` or the Accept header."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from bot.web.auth import state_of
from bot.web.conditional import conditional
from bot.web.fields import GuildIdPath
from bot.web.pagination import BAD_CURSOR, Page, decode_cursor, link_header, next_link
from bot.web.problems import ApiProblem, responses
from cogs.feedback.api_access import CallerOfGuild, ItemIdPath, feature_of, item_number
from cogs.feedback.api_models import (
    ENDPOINT_MAX,
    ItemDetailOut,
    ItemOut,
    item_detail,
    item_out,
)
from cogs.feedback.choices import ExportFormat, Severity, SortOrder, StatusFilter
from cogs.feedback.export_files import MEDIA_TYPES, export_file
from cogs.feedback.queries import PAGE_SIZE, assignee_filter, list_filters

if TYPE_CHECKING:
    from cogs.feedback.records import ListCursor

router = APIRouter(prefix="/guilds/{guild_id}/feedback", tags=["feedback"])
PAGE_MAX = 50
ASSIGNEE_PATTERN = r"^(?:[0-9]{1,19}|me|nobody)$"
# What each Accept media range picks; a client asking for none of them gets 406.
_ACCEPTED = {
    "text/csv": "csv",
    "application/json": "json",
    "text/markdown": "markdown",
    "text/*": "csv",
    "application/*": "json",
    "*/*": "json",
}
NOT_ACCEPTABLE = (
    "Exports come as text/csv, application/json or text/markdown; accept one of them "
    "or set `format`."
)


def list_cursor(cursor: str | None, by_plus_ones: bool) -> ListCursor | None:
    """Newest first continues below a number; most +1s first below a (+1s, number) pair."""
    decoded: Any = decode_cursor(cursor)
    if decoded is None:
        return None
    if not by_plus_ones and type(decoded) is int:
        return int(decoded)
    pair = isinstance(decoded, list) and len(decoded) == 2
    if by_plus_ones and pair and all(type(part) is int for part in decoded):
        return int(decoded[0]), int(decoded[1])
    raise ApiProblem(400, BAD_CURSOR)


@router.get(
    "",
    response_model=Page[ItemOut],
    summary="Feedback items, newest first or most +1s first, with the filters of /feedback list",
    responses=responses(304),
)
async def list_feedback(  # noqa: PLR0917 (one parameter per query option)
    request: Request,
    guild_id: GuildIdPath,
    caller: CallerOfGuild,
    status: Annotated[
        StatusFilter | None, Query(description="only this status (active: not closed yet)")
    ] = None,
    endpoint: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=ENDPOINT_MAX,
            description="only this endpoint (GET /api/jobs) or path (/api/jobs)",
        ),
    ] = None,
    severity: Annotated[Severity | None, Query()] = None,
    mine: Annotated[bool, Query(description="only the items you reported")] = False,
    assignee: Annotated[
        str | None,
        Query(
            pattern=ASSIGNEE_PATTERN,
            description="only the items assigned to this member's id, to `me`, or to `nobody`",
        ),
    ] = None,
    sort: Annotated[SortOrder, Query(description="newest first, or most +1s first")] = "newest",
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200, description="from `next`")] = None,
) -> Response:
    assignee_id, unassigned = assignee_filter(assignee, caller.user_id)
    filters = list_filters(
        status,
        endpoint,
        severity,
        caller.user_id if mine else None,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )
    by_plus_ones = sort == "plus_ones"
    page = await feature_of(request).parts.queries.list_page(
        caller.guild_id,
        filters,
        list_cursor(cursor, by_plus_ones),
        limit,
        by_plus_ones=by_plus_ones,
    )
    link = next_link(request, page.next_cursor)
    body = Page[ItemOut](items=[item_out(item) for item in page.items], next=link)
    return conditional(
        request, body.model_dump_json().encode(), "application/json", link_header(link)
    )


def _export_format(chosen: str | None, accept: str | None) -> str:
    """`format` wins; else the Accept header's most preferred range we can serve."""
    if chosen is not None:
        return chosen
    if not accept:
        return "json"
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        served = _ACCEPTED.get(media.lower())
        if served is not None and quality > 0:
            ranked.append((-quality, position, served))
    if not ranked:
        raise ApiProblem(406, NOT_ACCEPTABLE)
    return min(ranked)[2]


_EXPORT_CONTENT: dict[str, Any] = {
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"type": "object"}}},
        }
    },
    "text/markdown": {"schema": {"type": "string"}},
}


@router.get(
    "/export",
    summary="Download feedback as a CSV, JSON or Markdown file, every item with its history",
    response_class=Response,
    responses={
        200: {"description": "the file (Content-Disposition names it)", "content": _EXPORT_CONTENT},
        **responses(304, 406),
    },
)
async def export_feedback(
    request: Request,
    guild_id: GuildIdPath,
    caller: CallerOfGuild,
    format: Annotated[
        ExportFormat | None,
        Query(description="csv, json or markdown; without it, the Accept header decides"),
    ] = None,
    status: Annotated[
        StatusFilter | None, Query(description="only this status (active: not closed yet)")
    ] = None,
) -> Response:
    chosen = _export_format(format, request.headers.get("accept"))
    exported = await export_file(
        feature_of(request).parts.queries,
        caller.guild_id,
        status,
        chosen,
        state_of(request).host.clock.now(),
    )
    disposition = {"Content-Disposition": f'attachment; filename="{exported.name}"'}
    return conditional(request, exported.body, MEDIA_TYPES[chosen], disposition)


@router.get(
    "/{item_id}",
    response_model=ItemDetailOut,
    summary="One feedback item with its history (status changes, assignments, +1s, notes)",
    responses=responses(304, 404),
)
async def get_feedback(
    request: Request, guild_id: GuildIdPath, item_id: ItemIdPath, caller: CallerOfGuild
) -> Response:
    queries = feature_of(request).parts.queries
    item, history = await queries.with_history(caller.guild_id, item_number(item_id))
    body = item_detail(item, history).model_dump_json(by_alias=True).encode()
    return conditional(request, body, "application/json")
