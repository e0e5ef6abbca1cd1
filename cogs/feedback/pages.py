"""The feedback board on the web: `/f/{guild}` (the items in columns by status, with the filters
of /feedback list), `/f/{guild}/{number}` (one item with its history and a link to its thread),
`/f/{guild}/specs` (the registered specs and each endpoint's open items), and the triagers'
forms that move an item or take it.

Reads go through the queries the slash commands and the API use; a move goes through the same
`ItemFlow.change_status` as /feedback status, so the same checks, history row, audit entry,
Discord embed and watchers' notices follow. Members only, as the API: signed in, not blocked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from bot.errors import TierRequired, UserFacingError
from bot.permissions import Tier
from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.forms import checked_form
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pages.viewer import page_viewer
from bot.web.pagination import encode_cursor
from bot.web.problems import ApiProblem
from cogs.feedback.actions import FEATURE
from cogs.feedback.api_access import ItemIdPath, feature_of, item_number
from cogs.feedback.api_reads import list_cursor
from cogs.feedback.board_view import (
    ASSIGNEE_CHOICES,
    COLUMN_SIZE,
    COLUMNS,
    FORMER_MEMBER,
    NOBODY,
    SEVERITY_CHOICES,
    SORTS,
    BoardQuery,
    Column,
    board_path,
    card,
    endpoint_rows,
    history_line,
    item_path,
    moves_from,
    shown,
    specs_path,
    thread_url,
    utc,
)
from cogs.feedback.queries import assignee_filter, list_filters
from cogs.feedback.records import ListFilters
from cogs.feedback.rules import STATUS_LABELS, FeedbackError, check_status, parse_item_number

if TYPE_CHECKING:
    from bot.web.pages.viewer import Viewer
    from cogs.feedback.board_view import NameOf
    from cogs.feedback.records import ItemRecord
    from cogs.feedback.spec_operations import OperationRecord

TEMPLATES: Final = page_templates(Path(__file__).parent / "templates")
# A spec's operations shown on the specs page (a page at a time from the registry).
OPERATIONS_SHOWN: Final = 1000
NOT_SYNCED: Final = (
    "Its post in Discord could not be updated everywhere; the thread says what is missing."
)
router = page_router()


async def _viewer(request: Request, guild_id: int) -> Viewer:
    viewer = await page_viewer(request, guild_id, FEATURE, required=True)
    assert viewer is not None  # required: page_viewer raises instead
    return viewer


def _names(request: Request, guild_id: int) -> NameOf:
    guild = state_of(request).host.get_guild(guild_id)

    def name_of(user_id: int | None) -> str:
        member = None if guild is None or user_id is None else guild.get_member(user_id)
        return FORMER_MEMBER if member is None else member.display_name

    return name_of


def _sort(value: str) -> str:
    if value not in SORTS:
        raise FeedbackError("Sort is `newest` or `plus_ones`.")
    return value


def _filters(query: BoardQuery, viewer: Viewer) -> ListFilters:
    """The board's filters checked exactly as /feedback list and the API check theirs."""
    assignee_id, unassigned = assignee_filter(query.assignee, viewer.user_id)
    return list_filters(
        None,
        query.endpoint or None,
        query.severity or None,
        viewer.user_id if query.mine else None,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )


@router.get("/f/{guild_id}")
async def board_page(  # noqa: PLR0917 (one parameter per filter)
    request: Request,
    guild_id: GuildIdPath,
    endpoint: str = "",
    severity: str = "",
    mine: str = "",
    assignee: str = "",
    sort: str = "newest",
    status: str = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    gid = int(guild_id)
    viewer = await _viewer(request, gid)
    query = BoardQuery(
        endpoint.strip(),
        severity.strip().lower(),
        mine.strip().lower() in {"on", "true", "1", "yes"},
        assignee.strip().lower(),
        sort.strip().lower() or "newest",
        status.strip().lower(),
    )
    parts = feature_of(request).parts
    columns: list[Column] = []
    problem, filters, by_plus_ones = None, ListFilters(), False
    try:
        filters = _filters(query, viewer)
        by_plus_ones = _sort(query.sort) == "plus_ones"
        statuses: tuple[str, ...] = (check_status(query.status),) if query.status else COLUMNS
    except UserFacingError as error:
        problem, statuses = error.message, ()
    name_of = _names(request, gid)
    triager = viewer.tier >= Tier.TRIAGER
    for column in statuses:
        before = list_cursor(cursor, by_plus_ones) if query.status else None
        page = await parts.queries.list_page(
            gid, replace(filters, status=column), before, COLUMN_SIZE, by_plus_ones=by_plus_ones
        )
        more = None
        if page.next_cursor is not None:
            more = query.link(gid, status=column, cursor=encode_cursor(page.next_cursor))
        cards = tuple(card(item, name_of, triager=triager) for item in page.items)
        columns.append(Column(column, STATUS_LABELS[column], cards, more))
    return render(
        request,
        TEMPLATES,
        "feedback/board.html",
        viewer=viewer,
        status=400 if problem else 200,
        query=query,
        problem=problem,
        columns=columns,
        board_href=board_path(gid),
        specs_href=specs_path(gid),
        whole_board_href=replace(query, status="").link(gid),
        endpoint_choices=await parts.specs.endpoint_choices(gid, ""),
        severities=SEVERITY_CHOICES,
        assignees=ASSIGNEE_CHOICES,
        sorts=SORTS,
        paged=cursor is not None,
    )


@router.get("/f/{guild_id}/specs")
async def specs_page(request: Request, guild_id: GuildIdPath) -> Response:
    gid = int(guild_id)
    viewer = await _viewer(request, gid)
    parts = feature_of(request).parts
    specs = await parts.specs.list_specs(gid)
    counts = await parts.queries.active_by_endpoint(gid)
    shown_specs = []
    for spec in specs:
        operations: list[OperationRecord] = []
        after = None
        while len(operations) < OPERATIONS_SHOWN:
            page = await parts.operations.page(spec.id, after)
            operations.extend(page.items)
            if page.next_cursor is None:
                break
            after = page.next_cursor
        rows = endpoint_rows(operations[:OPERATIONS_SHOWN], counts, gid)
        shown_specs.append((spec, rows, len(operations) < spec.operation_count))
    return render(
        request,
        TEMPLATES,
        "feedback/specs.html",
        viewer=viewer,
        specs=shown_specs,
        board_href=board_path(gid),
        specs_href=specs_path(gid),
        fetched=shown,
        utc=utc,
    )


async def _item_response(
    request: Request,
    viewer: Viewer,
    number: int,
    *,
    notice: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    """The item's page: as it is now, with a confirmation or a refusal above it."""
    gid = viewer.guild_id
    item, history = await feature_of(request).parts.queries.with_history(gid, number)
    name_of = _names(request, gid)
    triager = viewer.tier >= Tier.TRIAGER
    return render(
        request,
        TEMPLATES,
        "feedback/item.html",
        viewer=viewer,
        status=status,
        item=item,
        status_label=STATUS_LABELS[item.status],
        reporter=name_of(item.reporter_id),
        assignee=NOBODY if item.assignee_id is None else name_of(item.assignee_id),
        history=[history_line(entry, name_of) for entry in history],
        thread_href=thread_url(item),
        item_href=item_path(gid, item.number),
        duplicate_href=(
            None if item.duplicate_of_number is None else item_path(gid, item.duplicate_of_number)
        ),
        board_href=board_path(gid),
        specs_href=specs_path(gid),
        moves=moves_from(item.status) if triager else (),
        can_take=triager and item.assignee_id != viewer.user_id,
        reported=shown(item.created_at),
        reported_iso=utc(item.created_at).isoformat(),
        notice=notice,
        problem=problem,
    )


def _confirmation(item: ItemRecord, viewer: Viewer, said_by_address: dict[str, str]) -> str | None:
    """The line a redirect after a move asks for, said only when it is true of the item."""
    said = []
    if said_by_address["moved"] == item.status:
        said.append(f"Moved to {STATUS_LABELS[item.status]}.")
    if said_by_address["assigned"] == "me" and item.assignee_id == viewer.user_id:
        said.append("Assigned to you.")
    if said and said_by_address["unsynced"]:
        said.append(NOT_SYNCED)
    return " ".join(said) or None


@router.get("/f/{guild_id}/{item_id}")
async def item_page(  # noqa: PLR0917 (the confirmation's parts)
    request: Request,
    guild_id: GuildIdPath,
    item_id: ItemIdPath,
    moved: str = "",
    assigned: str = "",
    unsynced: str = "",
) -> Response:
    viewer = await _viewer(request, int(guild_id))
    number = item_number(item_id)
    current = await feature_of(request).parts.queries.get(viewer.guild_id, number)
    said = {"moved": moved, "assigned": assigned, "unsynced": unsynced}
    notice = _confirmation(current, viewer, said)
    return await _item_response(request, viewer, number, notice=notice)


async def _triager_form(request: Request, guild_id: int) -> tuple[Viewer, dict[str, str]]:
    """The triager who posted a form from their own page: CSRF first, then the tier, as the
    API's triager routes refuse (a member's forged post changes nothing)."""
    viewer = await _viewer(request, guild_id)
    form = await checked_form(request, guild_id, viewer.user_id)
    if viewer.tier < Tier.TRIAGER:
        raise ApiProblem(403, str(TierRequired(Tier.TRIAGER.label)))
    return viewer, form


def _after(number: int, guild_id: int, **said: str) -> RedirectResponse:
    query = urlencode({key: value for key, value in said.items() if value})
    return RedirectResponse(f"{item_path(guild_id, number)}?{query}", status_code=303)


@router.post("/f/{guild_id}/{item_id}/move")
async def move_item(request: Request, guild_id: GuildIdPath, item_id: ItemIdPath) -> Response:
    viewer, form = await _triager_form(request, int(guild_id))
    number = item_number(item_id)
    target_text = form.get("duplicate_of", "").strip()
    try:
        target = parse_item_number(target_text) if target_text else None
        _, outcome = await feature_of(request).items.change_status(
            viewer.guild_id,
            number,
            viewer.user_id,
            form.get("status", ""),
            note=form.get("note") or None,
            duplicate_of=target,
            expected_status=form.get("from") or None,
        )
    except UserFacingError as error:
        # The item as it is now, with why nothing changed (a missing item is a 404 page).
        return await _item_response(
            request, viewer, number, problem=error.message, status=error.http_status
        )
    return _after(
        number,
        viewer.guild_id,
        moved=outcome.item.status,
        unsynced="1" if outcome.problems else "",
    )


@router.post("/f/{guild_id}/{item_id}/assign")
async def take_item(request: Request, guild_id: GuildIdPath, item_id: ItemIdPath) -> Response:
    viewer, _ = await _triager_form(request, int(guild_id))
    number = item_number(item_id)
    guild = state_of(request).host.get_guild(viewer.guild_id)
    member = None if guild is None else guild.get_member(viewer.user_id)
    try:
        if member is None:
            raise FeedbackError("Discord does not show you in this server right now.")
        _, outcome = await feature_of(request).items.assign(
            viewer.guild_id, number, viewer.user_id, member
        )
    except UserFacingError as error:
        return await _item_response(
            request, viewer, number, problem=error.message, status=error.http_status
        )
    return _after(number, viewer.guild_id, assigned="me", unsynced="1" if outcome.problems else "")
