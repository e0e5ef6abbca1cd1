"""Reads: one item and its history, filtered pages of items (keyset, newest first), exports with
every history row, and autocomplete for item ids. Plain ids in, records out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Select, bindparam, func, select

from bot.errors import NotFoundError
from bot.in_place_reads import in_place_reads
from bot.sql import LIKE_ESCAPE, contains_pattern
from cogs.feedback.endpoints import parse_endpoint_filter
from cogs.feedback.list_statements import list_statement
from cogs.feedback.models import FeedbackHistory, FeedbackItem
from cogs.feedback.records import (
    AutocompleteChoice,
    ExportItem,
    ItemHistoryEntry,
    ItemPage,
    ItemRecord,
    ListCursor,
    ListFilters,
)
from cogs.feedback.rules import (
    ACTIVE_STATUSES,
    AUTOCOMPLETE_LIMIT,
    STATUS_LABELS,
    FeedbackError,
    check_severity,
    check_status,
    item_number_match,
)
from cogs.feedback.store import item_record

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from cogs.feedback.store import ItemStore

PAGE_SIZE = 10

# `/feedback show`'s read, built once (a statement keeps its own cache key): the item's columns
# and its history's, labelled apart, as plain rows — no ORM objects for a read that only shows.
_ITEMS, _HISTORY = FeedbackItem.__table__, FeedbackHistory.__table__
WITH_HISTORY: Final = (
    select(
        *_ITEMS.columns,
        _HISTORY.c.id.label("h_id"),
        _HISTORY.c.actor_id.label("h_actor_id"),
        _HISTORY.c.action.label("h_action"),
        _HISTORY.c.from_value.label("h_from"),
        _HISTORY.c.to_value.label("h_to"),
        _HISTORY.c.note.label("h_note"),
        _HISTORY.c.created_at.label("h_at"),
    )
    .select_from(_ITEMS.outerjoin(_HISTORY, _HISTORY.c.item_id == _ITEMS.c.id))
    .where(_ITEMS.c.guild_id == bindparam("guild_id"), _ITEMS.c.number == bindparam("number"))
    .order_by(_HISTORY.c.id)
)
# The numbers of the items some are duplicates of.
NUMBERS_BY_ID: Final = select(_ITEMS.c.id, _ITEMS.c.number).where(
    _ITEMS.c.id.in_(bindparam("ids", expanding=True))
)
ASSIGNEE_ID_MAX = 19  # digits in a Discord id
TITLE_SEARCH_WINDOW = 5000


class FeedbackQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, store: ItemStore) -> None:
        engine: AsyncEngine = sessions.kw["bind"]
        self._dialect = engine.dialect.name
        self._reads = in_place_reads(engine)
        self._sessions = sessions
        self._store = store

    async def get(self, guild_id: int, number: int) -> ItemRecord:
        async with self._sessions() as session:
            item = await self._store.item(session, guild_id, number)
            return item_record(item, await self._store.number_of(session, item.duplicate_of_id))

    async def history(self, guild_id: int, number: int) -> list[ItemHistoryEntry]:
        async with self._sessions() as session:
            item = await self._store.item(session, guild_id, number)
            return await _history_of(session, item.id)

    async def with_history(
        self, guild_id: int, number: int
    ) -> tuple[ItemRecord, list[ItemHistoryEntry]]:
        """The item and its history, read together (`/feedback show` needs both): one query,
        a row per history entry (or one with none), oldest first."""
        rows = await self._reads.rows(WITH_HISTORY, {"guild_id": guild_id, "number": number})
        if not rows:
            raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
        item = rows[0]
        duplicate_of = None
        if item.duplicate_of_id is not None:
            targets = await self._reads.rows(NUMBERS_BY_ID, {"ids": [item.duplicate_of_id]})
            duplicate_of = int(targets[0].number) if targets else None
        history = [
            ItemHistoryEntry(
                row.h_id, row.h_actor_id, row.h_action, row.h_from, row.h_to, row.h_note, row.h_at
            )
            for row in rows
            if row.h_id is not None
        ]
        return item_record(item, duplicate_of), history

    async def list_page(
        self,
        guild_id: int,
        filters: ListFilters,
        before: ListCursor | None = None,
        limit: int = PAGE_SIZE,
        *,
        by_plus_ones: bool = False,
    ) -> ItemPage:
        """Newest first, or most +1s first (then newest); keyset on the per-guild number, or
        on (+1s, number), never OFFSET. `before` is the page's `next_cursor` before it."""
        # Plain rows read in place (bot/in_place_reads.py), not ORM objects through a session:
        # a session costs about as much again as the page's query, a thread hop as much again.
        statement, values = list_statement(
            guild_id,
            filters,
            self._dialect,
            before=before,
            limit=limit + 1,
            by_plus_ones=by_plus_ones,
        )
        rows = await self._reads.rows(statement, values)
        more = len(rows) > limit
        rows = rows[:limit]
        duplicated = sorted({r.duplicate_of_id for r in rows if r.duplicate_of_id})
        targets = {}
        if duplicated:
            found = await self._reads.rows(NUMBERS_BY_ID, {"ids": duplicated})
            targets = {int(target.id): int(target.number) for target in found}
        items = tuple(item_record(row, targets.get(row.duplicate_of_id or 0)) for row in rows)
        cursor: ListCursor | None = None
        if more and rows:
            last = rows[-1]
            cursor = (last.plus_ones, last.number) if by_plus_ones else last.number
        return ItemPage(items, cursor)

    async def active_by_endpoint(self, guild_id: int) -> dict[tuple[str, str], int]:
        """How many active items each logged endpoint (method, path) has: the specs page's
        counts, one grouped read over the active statuses' index range."""
        query = (
            select(FeedbackItem.method, FeedbackItem.path, func.count())
            .where(FeedbackItem.guild_id == guild_id, FeedbackItem.status.in_(ACTIVE_STATUSES))
            .group_by(FeedbackItem.method, FeedbackItem.path)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {(method, path): int(count) for method, path, count in rows}

    async def export(self, guild_id: int, status: str | None = None) -> list[ExportItem]:
        """Every item (optionally of one status or "active"), oldest first, with its history."""
        query = select(FeedbackItem).where(FeedbackItem.guild_id == guild_id)
        if status == "active":
            query = query.where(FeedbackItem.status.in_(ACTIVE_STATUSES))
        elif status is not None:
            query = query.where(FeedbackItem.status == status)
        async with self._sessions() as session:
            items = list((await session.scalars(query.order_by(FeedbackItem.number))).all())
            history_rows = (
                await session.scalars(
                    select(FeedbackHistory)
                    .where(FeedbackHistory.guild_id == guild_id)
                    .order_by(FeedbackHistory.id)
                )
            ).all()
            numbers = {item.id: item.number for item in items}
            missing = {i.duplicate_of_id for i in items if i.duplicate_of_id} - numbers.keys()
            numbers.update(await self._store.numbers_by_id(session, missing))
        by_item: dict[int, list[ItemHistoryEntry]] = {}
        for row in history_rows:
            by_item.setdefault(row.item_id, []).append(history_entry(row))
        return [
            ExportItem(
                item_record(item, numbers.get(item.duplicate_of_id or 0)),
                tuple(by_item.get(item.id, ())),
            )
            for item in items
        ]

    async def item_choices(
        self, guild_id: int, current: str, *, active_only: bool = False
    ) -> list[AutocompleteChoice]:
        """Autocomplete for ids: by number when digits are typed, else by title words."""
        query = select(FeedbackItem.number, FeedbackItem.title, FeedbackItem.status).where(
            FeedbackItem.guild_id == guild_id
        )
        if active_only:
            query = query.where(FeedbackItem.status.in_(ACTIVE_STATUSES))
        typed = current.strip()
        match = item_number_match(typed) if typed else None
        async with self._sessions() as session:
            newest = await session.scalar(
                select(func.max(FeedbackItem.number)).where(FeedbackItem.guild_id == guild_id)
            )
            if newest is None:
                return []
            if match is not None:
                rows = await self._numbers_starting_with(session, query, match.group(1), newest)
            else:
                if typed:
                    # Title search looks at the newest items only, so a rare word costs a
                    # bounded scan; older items are still reachable by number.
                    query = query.where(
                        FeedbackItem.title.ilike(contains_pattern(typed), escape=LIKE_ESCAPE),
                        FeedbackItem.number > newest - TITLE_SEARCH_WINDOW,
                    )
                query = query.order_by(FeedbackItem.number.desc()).limit(AUTOCOMPLETE_LIMIT)
                rows = list((await session.execute(query)).all())
        return [
            AutocompleteChoice(
                f"FB-{number} · {STATUS_LABELS[status]} · {title}"[:100], f"FB-{number}"
            )
            for number, title, status in rows
        ]

    async def _numbers_starting_with(
        self, session: AsyncSession, query: Select[int, str, str], digits: str, newest: int
    ) -> list[Any]:
        """Items whose number starts with `digits`, newest first: 12 → 12xxx…, 120–129, 12.

        One short index range per length (largest numbers first); a single OR of the ranges
        would make SQLite scan the whole guild.
        """
        prefix = int(digits)
        rows: list[Any] = []
        for k in range(max(len(str(newest)) - len(digits), 0), -1, -1):
            low, high = prefix * 10**k, (prefix + 1) * 10**k - 1
            ranged = (
                query.where(FeedbackItem.number.between(low, high))
                .order_by(FeedbackItem.number.desc())
                .limit(AUTOCOMPLETE_LIMIT - len(rows))
            )
            rows += (await session.execute(ranged)).all()
            if len(rows) >= AUTOCOMPLETE_LIMIT:
                break
        return rows


def history_entry(row: FeedbackHistory) -> ItemHistoryEntry:
    return ItemHistoryEntry(
        row.id, row.actor_id, row.action, row.from_value, row.to_value, row.note, row.created_at
    )


def list_filters(
    status: str | None,
    endpoint: str | None,
    severity: str | None,
    reporter_id: int | None,
    *,
    assignee_id: int | None = None,
    unassigned: bool = False,
) -> ListFilters:
    """Check the list options a member typed and turn them into filters."""
    method, path = parse_endpoint_filter(endpoint) if endpoint else (None, None)
    checked_status = None
    if status is not None:
        checked_status = "active" if status.strip().lower() == "active" else check_status(status)
    return ListFilters(
        status=checked_status,
        method=method,
        path=path,
        severity=check_severity(severity) if severity is not None else None,
        reporter_id=reporter_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )


def assignee_filter(text: str | None, user_id: int) -> tuple[int | None, bool]:
    """The assignee option as (assignee id, only unassigned): `me` is `user_id`, `nobody`
    the items no one has, digits a member's id, nothing any assignee."""
    value = (text or "").strip().lower()
    if not value:
        return None, False
    if value == "me":
        return user_id, False
    if value in {"nobody", "none"}:
        return None, True
    if value.isdigit() and len(value) <= ASSIGNEE_ID_MAX:
        return int(value), False
    raise FeedbackError("Assignee is `me`, `nobody` or a member's id.")


async def _history_of(session: AsyncSession, item_id: int) -> list[ItemHistoryEntry]:
    query = select(FeedbackHistory).where(FeedbackHistory.item_id == item_id)
    rows = await session.scalars(query.order_by(FeedbackHistory.id))
    return [history_entry(row) for row in rows.all()]
