"""API feedback: intake, duplicates, the status workflow, lists, exports and the spec registry.

No Discord here: plain ids and strings in, frozen dataclasses out. The cog turns the results
into messages, embeds and thread updates (see `publisher.py`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.db import lock_rows
from bot.errors import NotFoundError, UserFacingError
from cogs.feedback.duplicates import DuplicateCandidate, GuildOpenIndex, OpenItem
from cogs.feedback.endpoints import (
    Endpoint,
    SpecMatcher,
    parse_endpoint,
    parse_endpoint_filter,
)
from cogs.feedback.models import (
    FeedbackCounter,
    FeedbackDraft,
    FeedbackHistory,
    FeedbackItem,
    FeedbackOperation,
    FeedbackSpec,
    FeedbackVote,
)
from cogs.feedback.spec_parser import Operation, ParsedSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock
    from bot.hooks import ForgetReport, ForgetRequest

SEVERITIES: Final = ("blocker", "bug", "suggestion", "question")
ACTIVE_STATUSES: Final = ("open", "acknowledged", "in_progress")
CLOSED_STATUSES: Final = ("resolved", "wont_fix", "duplicate", "withdrawn")
STATUSES: Final = ACTIVE_STATUSES + CLOSED_STATUSES
# What a triager may move an item to from each status. Closed items only reopen; withdrawing
# is the reporter's own move (see `withdraw`), so no triager transition leads to it.
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "open": ("acknowledged", "in_progress", "resolved", "wont_fix", "duplicate"),
    "acknowledged": ("in_progress", "resolved", "wont_fix", "duplicate"),
    "in_progress": ("acknowledged", "resolved", "wont_fix", "duplicate"),
    "resolved": ("open",),
    "wont_fix": ("open",),
    "duplicate": ("open",),
    "withdrawn": ("open",),
}
STATUS_LABELS: Final = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "wont_fix": "Won't fix",
    "duplicate": "Duplicate",
    "withdrawn": "Withdrawn",
}
TITLE_MIN, TITLE_MAX = 3, 100
DETAILS_MAX = 2000
BEHAVIOUR_MAX = 1000
NOTE_MAX = 500
SPEC_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
PAGE_SIZE = 10
CACHE_SECONDS = 60.0
# Other processes' changes reach this process's duplicate index when it is rebuilt.
INDEX_SECONDS = 300.0
AUTOCOMPLETE_LIMIT = 25
TITLE_SEARCH_WINDOW = 5000
DRAFT_LIFETIME = timedelta(days=1)
DRAFT_GONE = (
    "This prompt was already answered or has expired; nothing changed. "
    "Run `/feedback log` again if you still need to."
)
# `FB-12`, `fb 12`, `#12`, `12`, matched after strip(). No two optional spaces sit side by side:
# `\s*(?:fb)?\s*[-#]?\s*` matched a run of spaces in cubic time (6,000 spaces: minutes).
_ID_TEXT = re.compile(r"(?:fb\s*)?(?:[-#]\s*)?(\d{1,9})", re.IGNORECASE)
ID_TEXT_MAX = 32  # far longer than any id, with room for spaces


class FeedbackError(UserFacingError):
    """Anything the user asked that the feedback rules refuse; the message says why."""


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A validated item that is not stored yet (waiting for the duplicate check)."""

    guild_id: int
    reporter_id: int
    endpoint: Endpoint
    severity: str
    title: str
    details: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    guild_id: int
    number: int
    reporter_id: int | None
    method: str
    path: str
    in_spec: bool | None
    severity: str
    title: str
    details: str
    expected: str | None
    actual: str | None
    status: str
    duplicate_of_number: int | None
    assignee_id: int | None
    plus_ones: int
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def ref(self) -> str:
        return f"FB-{self.number}"

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    actor_id: int | None
    action: str
    from_value: str | None
    to_value: str | None
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    item: ItemView
    actor_id: int
    old_status: str
    new_status: str
    note: str | None

    @property
    def closes(self) -> bool:
        return self.new_status in CLOSED_STATUSES

    @property
    def reopens(self) -> bool:
        return self.old_status in CLOSED_STATUSES and self.new_status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class Assignment:
    item: ItemView
    actor_id: int
    old_assignee_id: int | None
    new_assignee_id: int


@dataclass(frozen=True, slots=True)
class PlusOne:
    item: ItemView
    user_id: int
    counted: bool  # False when this member had already +1'd, or reported the item
    details: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True, slots=True)
class ListFilters:
    status: str | None = None  # a status, or "active" for every not-closed status
    method: str | None = None
    path: str | None = None
    severity: str | None = None
    reporter_id: int | None = None


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: tuple[ItemView, ...]
    next_cursor: int | None  # the number to continue below; None on the last page


@dataclass(frozen=True, slots=True)
class ExportItem:
    item: ItemView
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True, slots=True)
class SpecView:
    id: int
    name: str
    url: str
    title: str | None
    version: str | None
    spec_format: str
    operation_count: int
    added_by: int | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    value: str


@dataclass(slots=True)
class _SpecCache:
    matcher: SpecMatcher
    choices: list[Choice]
    loaded_at: float
    # What autocomplete matches against: "GET /api/jobs List job postings", pre-processed.
    search_texts: list[str] = field(default_factory=list)

    def add_choice(self, choice: Choice, search_text: str) -> None:
        self.choices.append(choice)
        self.search_texts.append(utils.default_process(search_text))


# ---- input checks -----------------------------------------------------------------------------


def item_number_match(text: str) -> re.Match[str] | None:
    cleaned = text.strip()
    return _ID_TEXT.fullmatch(cleaned) if len(cleaned) <= ID_TEXT_MAX else None


def parse_item_number(text: str) -> int:
    """`FB-12`, `fb12`, `#12` or `12` → 12."""
    match = item_number_match(text)
    if match is None or int(match.group(1)) < 1:
        shown = text.strip()[:20].replace("`", "'")
        raise FeedbackError(f"`{shown}` is not a feedback id; they look like `FB-12`.")
    return int(match.group(1))


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not TITLE_MIN <= len(cleaned) <= TITLE_MAX:
        raise FeedbackError(f"Give a title of {TITLE_MIN} to {TITLE_MAX} characters.")
    return cleaned


def _clean_text(text: str | None, label: str, limit: int, *, required: bool) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise FeedbackError(f"The {label} can't be empty.")
        return None
    if len(cleaned) > limit:
        raise FeedbackError(f"The {label} is {len(cleaned)} characters; keep it under {limit}.")
    return cleaned


def check_severity(severity: str) -> str:
    value = severity.strip().lower()
    if value not in SEVERITIES:
        raise FeedbackError(f"Severity is one of: {', '.join(SEVERITIES)}.")
    return value


def check_status(status: str) -> str:
    value = status.strip().lower().replace(" ", "_").replace("'", "")
    if value not in STATUSES:
        raise FeedbackError(f"Status is one of: {', '.join(STATUSES)}.")
    return value


def check_spec_name(name: str) -> str:
    value = name.strip().lower()
    if not SPEC_NAME.fullmatch(value):
        raise FeedbackError(
            "A spec name is 1 to 32 lowercase letters, digits, `-`, `_` or `.` (like `jobs-api`)."
        )
    return value


# ---- the service ------------------------------------------------------------------------------


class FeedbackService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        *,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._clock = clock
        self._open_indexes: dict[int, GuildOpenIndex] = {}
        self._spec_caches: dict[int, _SpecCache] = {}

    # ---- intake --------------------------------------------------------------------------

    def draft(
        self,
        guild_id: int,
        reporter_id: int,
        *,
        endpoint: str,
        severity: str,
        title: str,
        details: str | None,
        expected: str | None = None,
        actual: str | None = None,
    ) -> Draft:
        """Validate everything the reporter typed; raise with the first problem found."""
        parsed = parse_endpoint(endpoint)
        return Draft(
            guild_id=guild_id,
            reporter_id=reporter_id,
            endpoint=parsed,
            severity=check_severity(severity),
            title=_clean_title(title),
            details=_clean_text(details, "details", DETAILS_MAX, required=True) or "",
            expected=_clean_text(expected, "expected behaviour", BEHAVIOUR_MAX, required=False),
            actual=_clean_text(actual, "actual behaviour", BEHAVIOUR_MAX, required=False),
        )

    async def find_duplicates(self, draft: Draft) -> list[DuplicateCandidate]:
        index = await self.open_index(draft.guild_id)
        return index.find(draft.endpoint.method, draft.endpoint.path, draft.title)

    async def open_index(self, guild_id: int) -> GuildOpenIndex:
        """The guild's open items for matching: cached, kept in step with this process's changes,
        and reloaded every INDEX_SECONDS (or once many closed items piled up)."""
        index = self._open_indexes.get(guild_id)
        fresh = index is not None and time.monotonic() - index.loaded_at < INDEX_SECONDS
        if index is not None and fresh and not index.needs_rebuild:
            return index
        query = select(
            FeedbackItem.id,
            FeedbackItem.number,
            FeedbackItem.method,
            FeedbackItem.path,
            FeedbackItem.title,
        ).where(FeedbackItem.guild_id == guild_id, FeedbackItem.status.in_(ACTIVE_STATUSES))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        index = GuildOpenIndex([OpenItem(*row) for row in rows])
        self._open_indexes[guild_id] = index
        return index

    def _track_open(self, item: ItemView | FeedbackItem) -> None:
        """Keep the cached open-item index in step with a change made by this process."""
        index = self._open_indexes.get(item.guild_id)
        if index is None:
            return
        if item.status in ACTIVE_STATUSES:
            index.add(OpenItem(item.id, item.number, item.method, item.path, item.title))
        else:
            index.remove(item.id)

    async def create(self, draft: Draft, *, draft_id: int | None = None) -> ItemView:
        """Store a new item. With `draft_id` (from the duplicate prompt) the saved draft is
        used up in the same transaction, so a second click can never create a second item."""
        in_spec = await self.is_in_spec(draft.guild_id, draft.endpoint)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if draft_id is not None:
                await self._use_draft(session, draft.guild_id, draft_id)
            number = await self._next_number(session, draft.guild_id)
            item = FeedbackItem(
                guild_id=draft.guild_id,
                number=number,
                reporter_id=draft.reporter_id,
                method=draft.endpoint.method,
                path=draft.endpoint.path,
                in_spec=in_spec,
                severity=draft.severity,
                title=draft.title,
                details=draft.details,
                expected=draft.expected,
                actual=draft.actual,
                status="open",
                plus_ones=0,
                created_at=now,
                updated_at=now,
            )
            session.add(item)
            await session.flush()
            self._history(session, item, draft.reporter_id, "created", to_value="open", at=now)
        view = _view(item, None)
        self._track_open(view)
        self._note_logged_endpoint(draft.guild_id, draft.endpoint)
        return view

    # ---- drafts waiting on the duplicate prompt --------------------------------------------

    async def save_draft(self, draft: Draft) -> int:
        """Keep a draft for the duplicate prompt's buttons; day-old drafts are purged."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(FeedbackDraft).where(
                    FeedbackDraft.guild_id == draft.guild_id,
                    FeedbackDraft.created_at < self._clock.now() - DRAFT_LIFETIME,
                )
            )
            row = FeedbackDraft(
                guild_id=draft.guild_id,
                reporter_id=draft.reporter_id,
                method=draft.endpoint.method,
                path=draft.endpoint.path,
                severity=draft.severity,
                title=draft.title,
                details=draft.details,
                expected=draft.expected,
                actual=draft.actual,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            return row.id

    async def load_draft(self, guild_id: int, draft_id: int, user_id: int) -> Draft:
        async with self._sessions() as session:
            row = await session.scalar(
                select(FeedbackDraft).where(
                    FeedbackDraft.id == draft_id, FeedbackDraft.guild_id == guild_id
                )
            )
        if row is None or row.created_at < self._clock.now() - DRAFT_LIFETIME:
            raise FeedbackError(DRAFT_GONE)
        if row.reporter_id != user_id:
            raise FeedbackError("Only the person who is logging this report can answer here.")
        return Draft(
            guild_id=row.guild_id,
            reporter_id=user_id,
            endpoint=Endpoint(row.method, row.path),
            severity=row.severity,
            title=row.title,
            details=row.details,
            expected=row.expected,
            actual=row.actual,
        )

    async def _use_draft(self, session: AsyncSession, guild_id: int, draft_id: int) -> None:
        result = await session.execute(
            delete(FeedbackDraft).where(
                FeedbackDraft.id == draft_id, FeedbackDraft.guild_id == guild_id
            )
        )
        if _rowcount(result) == 0:
            raise FeedbackError(DRAFT_GONE)

    async def _next_number(self, session: AsyncSession, guild_id: int) -> int:
        """Hand out the guild's next number atomically (an upsert on the counter row)."""
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(FeedbackCounter)
            .values(guild_id=guild_id, last_number=1)
            .on_conflict_do_update(
                index_elements=[FeedbackCounter.guild_id],
                set_={"last_number": FeedbackCounter.last_number + 1},
            )
            .returning(FeedbackCounter.last_number)
        )
        number = (await session.execute(statement)).scalar_one()
        return int(number)

    def _history(
        self,
        session: AsyncSession,
        item: FeedbackItem,
        actor_id: int | None,
        action: str,
        *,
        from_value: str | None = None,
        to_value: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> None:
        session.add(
            FeedbackHistory(
                guild_id=item.guild_id,
                item_id=item.id,
                actor_id=actor_id,
                action=action,
                from_value=from_value[:200] if from_value else None,
                to_value=to_value[:200] if to_value else None,
                note=note,
                created_at=at or self._clock.now(),
            )
        )

    async def add_details(
        self, guild_id: int, number: int, draft: Draft, *, draft_id: int | None = None
    ) -> PlusOne:
        """ "Add my details to FB-N": a +1 (once per member) and the details for its thread."""
        async with self._sessions.begin() as session:
            item = await self._item_for_update(session, guild_id, number)
            if item.status not in ACTIVE_STATUSES:
                raise FeedbackError(
                    f"FB-{number} was closed ({STATUS_LABELS[item.status]}) in the meantime; "
                    "use **Create anyway** to log yours."
                )
            if draft_id is not None:
                await self._use_draft(session, guild_id, draft_id)
            counted = False
            if item.reporter_id != draft.reporter_id:
                already = await session.scalar(
                    select(FeedbackVote.id).where(
                        FeedbackVote.item_id == item.id, FeedbackVote.user_id == draft.reporter_id
                    )
                )
                if already is None:
                    session.add(
                        FeedbackVote(
                            guild_id=guild_id,
                            item_id=item.id,
                            user_id=draft.reporter_id,
                            created_at=self._clock.now(),
                        )
                    )
                    item.plus_ones += 1
                    counted = True
            item.updated_at = self._clock.now()
            self._history(
                session,
                item,
                draft.reporter_id,
                "plus_one" if counted else "details_added",
                to_value=str(item.plus_ones) if counted else None,
                note=_details_note(draft),
            )
            view = _view(item, await self._number_of(session, item.duplicate_of_id))
        return PlusOne(
            view, draft.reporter_id, counted, draft.details, draft.expected, draft.actual
        )

    # ---- reading -------------------------------------------------------------------------

    async def get(self, guild_id: int, number: int) -> ItemView:
        async with self._sessions() as session:
            item = await self._item(session, guild_id, number)
            return _view(item, await self._number_of(session, item.duplicate_of_id))

    async def history(self, guild_id: int, number: int) -> list[HistoryEntry]:
        async with self._sessions() as session:
            item = await self._item(session, guild_id, number)
            rows = (
                await session.scalars(
                    select(FeedbackHistory)
                    .where(FeedbackHistory.item_id == item.id)
                    .order_by(FeedbackHistory.id)
                )
            ).all()
        return [_history_view(row) for row in rows]

    async def _item(self, session: AsyncSession, guild_id: int, number: int) -> FeedbackItem:
        item = await session.scalar(
            select(FeedbackItem).where(
                FeedbackItem.guild_id == guild_id, FeedbackItem.number == number
            )
        )
        if item is None:
            raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
        return item

    async def _item_for_update(
        self, session: AsyncSession, guild_id: int, number: int
    ) -> FeedbackItem:
        """The item, locked until the transaction ends: concurrent changes queue behind it.

        Three status changes at the same moment each read Open before this lock was taken.
        """
        where = (FeedbackItem.guild_id == guild_id, FeedbackItem.number == number)
        await lock_rows(session, FeedbackItem.updated_at, *where)
        item = await session.scalar(select(FeedbackItem).where(*where))
        if item is None:
            raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
        return item

    async def _number_of(self, session: AsyncSession, item_id: int | None) -> int | None:
        if item_id is None:
            return None
        number = await session.scalar(select(FeedbackItem.number).where(FeedbackItem.id == item_id))
        return int(number) if number is not None else None

    async def list_page(
        self,
        guild_id: int,
        filters: ListFilters,
        before_number: int | None = None,
        limit: int = PAGE_SIZE,
    ) -> ItemPage:
        """Newest first, keyset on the per-guild number (never OFFSET)."""
        async with self._sessions() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            # Plain rows, not ORM objects: a list page needs no identity map (saves ~30 % CPU).
            columns = select(*FeedbackItem.__table__.columns)
            query = _filtered(columns, guild_id, filters, dialect)
            if before_number is not None:
                query = query.where(FeedbackItem.number < before_number)
            query = query.order_by(FeedbackItem.number.desc()).limit(limit + 1)
            rows = list((await session.execute(query)).all())
            more = len(rows) > limit
            rows = rows[:limit]
            targets = await self._numbers_by_id(
                session, {r.duplicate_of_id for r in rows if r.duplicate_of_id}
            )
        items = tuple(_view(row, targets.get(row.duplicate_of_id or 0)) for row in rows)
        return ItemPage(items, rows[-1].number if more and rows else None)

    async def _numbers_by_id(self, session: AsyncSession, ids: set[int]) -> dict[int, int]:
        if not ids:
            return {}
        rows = await session.execute(
            select(FeedbackItem.id, FeedbackItem.number).where(FeedbackItem.id.in_(ids))
        )
        return {int(item_id): int(number) for item_id, number in rows.all()}

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
            numbers.update(await self._numbers_by_id(session, missing))
        by_item: dict[int, list[HistoryEntry]] = {}
        for row in history_rows:
            by_item.setdefault(row.item_id, []).append(_history_view(row))
        return [
            ExportItem(
                _view(item, numbers.get(item.duplicate_of_id or 0)),
                tuple(by_item.get(item.id, ())),
            )
            for item in items
        ]

    # ---- the workflow --------------------------------------------------------------------

    async def change_status(
        self,
        guild_id: int,
        number: int,
        actor_id: int,
        status: str,
        *,
        note: str | None = None,
        duplicate_of: int | None = None,
    ) -> StatusChange:
        """A triager's move along TRANSITIONS, with a history row and an audit row."""
        new_status = check_status(status)
        note = _clean_text(note, "note", NOTE_MAX, required=False)
        if new_status == "withdrawn":
            raise FeedbackError("Only the reporter can withdraw an item, from `/feedback show`.")
        if duplicate_of is not None and new_status != "duplicate":
            raise FeedbackError("`duplicate_of` only goes with the status `duplicate`.")
        if new_status == "duplicate" and duplicate_of is None:
            raise FeedbackError("Say which item this duplicates: set `duplicate_of` (like `FB-3`).")
        if duplicate_of == number:
            raise FeedbackError(f"FB-{number} can't be a duplicate of itself.")
        async with self._sessions.begin() as session:
            item = await self._item_for_update(session, guild_id, number)
            old_status = item.status
            if new_status == old_status:
                raise FeedbackError(f"FB-{number} is already {STATUS_LABELS[old_status]}.")
            allowed = TRANSITIONS[old_status]
            if new_status not in allowed:
                raise FeedbackError(
                    f"FB-{number} is {STATUS_LABELS[old_status]}; from there it can go to: "
                    + ", ".join(f"`{s}`" for s in allowed)
                    + "."
                )
            target: FeedbackItem | None = None
            if duplicate_of is not None:
                target = await self._duplicate_target(session, guild_id, number, duplicate_of)
            item.status = new_status
            item.duplicate_of_id = target.id if target is not None else None
            item.updated_at = self._clock.now()
            action = "reopened" if old_status in CLOSED_STATUSES else "status"
            shown_to = new_status if target is None else f"duplicate of FB-{target.number}"
            self._history(
                session, item, actor_id, action, from_value=old_status, to_value=shown_to, note=note
            )
            if target is not None:
                self._history(
                    session,
                    target,
                    actor_id,
                    "duplicate_linked",
                    to_value=f"FB-{number}",
                    note=note,
                )
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.status",
                f"FB-{number}",
                {"from": old_status, "to": new_status, "note": note, "duplicate_of": duplicate_of},
                session=session,
            )
            view = _view(item, target.number if target is not None else None)
        self._track_open(view)
        return StatusChange(view, actor_id, old_status, new_status, note)

    async def _duplicate_target(
        self, session: AsyncSession, guild_id: int, number: int, target_number: int
    ) -> FeedbackItem:
        target = await session.scalar(
            select(FeedbackItem).where(
                FeedbackItem.guild_id == guild_id, FeedbackItem.number == target_number
            )
        )
        if target is None:
            raise NotFoundError(f"There is no feedback item FB-{target_number} to point to.")
        if target.status == "duplicate":
            root = await self._number_of(session, target.duplicate_of_id)
            hint = f" of FB-{root}; point to that one instead" if root else ""
            raise FeedbackError(f"FB-{target_number} is itself a duplicate{hint}.")
        return target

    async def withdraw(self, guild_id: int, number: int, user_id: int) -> StatusChange:
        """The reporter takes back their own item while it is still open."""
        async with self._sessions.begin() as session:
            item = await self._item_for_update(session, guild_id, number)
            if item.reporter_id != user_id:
                raise FeedbackError(f"Only the person who reported FB-{number} can withdraw it.")
            if item.status != "open":
                raise FeedbackError(
                    f"FB-{number} is {STATUS_LABELS[item.status]}; only open items can be "
                    "withdrawn. Ask a triager in its thread instead."
                )
            item.status = "withdrawn"
            item.updated_at = self._clock.now()
            self._history(
                session, item, user_id, "withdrawn", from_value="open", to_value="withdrawn"
            )
            view = _view(item, None)
        self._track_open(view)
        return StatusChange(view, user_id, "open", "withdrawn", None)

    async def assign(
        self, guild_id: int, number: int, actor_id: int, assignee_id: int
    ) -> Assignment:
        async with self._sessions.begin() as session:
            item = await self._item_for_update(session, guild_id, number)
            old = item.assignee_id
            if old == assignee_id:
                raise FeedbackError(f"FB-{number} is already assigned to them.")
            item.assignee_id = assignee_id
            item.updated_at = self._clock.now()
            self._history(
                session,
                item,
                actor_id,
                "assigned",
                from_value=str(old) if old is not None else None,
                to_value=str(assignee_id),
            )
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.assign",
                f"FB-{number}",
                {"from": old, "to": assignee_id},
                session=session,
            )
            view = _view(item, await self._number_of(session, item.duplicate_of_id))
        return Assignment(view, actor_id, old, assignee_id)

    async def record_posting(
        self,
        item_id: int,
        *,
        channel_id: int | None,
        message_id: int | None,
        thread_id: int | None,
        note: str | None = None,
    ) -> None:
        """Remember where the item lives in Discord (after posting or re-creating it)."""
        async with self._sessions.begin() as session:
            item = await session.get(FeedbackItem, item_id)
            if item is None:
                return
            item.channel_id = channel_id
            item.message_id = message_id
            item.thread_id = thread_id
            if note is not None:
                self._history(session, item, None, "reposted", note=note)

    # ---- the spec registry ---------------------------------------------------------------

    async def add_spec(
        self, guild_id: int, name: str, url: str, parsed: ParsedSpec, actor_id: int
    ) -> SpecView:
        name = check_spec_name(name)
        now = self._clock.now()
        try:
            async with self._sessions.begin() as session:
                spec = FeedbackSpec(
                    guild_id=guild_id,
                    name=name,
                    url=url,
                    title=parsed.title,
                    version=parsed.version,
                    spec_format=parsed.spec_format,
                    added_by=actor_id,
                    created_at=now,
                    fetched_at=now,
                )
                session.add(spec)
                await session.flush()
                self._add_operations(session, guild_id, spec.id, parsed.operations)
                await self._audit.record(
                    guild_id,
                    actor_id,
                    "feedback.api_add",
                    name,
                    {"url": url, "operations": len(parsed.operations)},
                    session=session,
                )
        except IntegrityError:
            raise FeedbackError(
                f"A spec called `{name}` is already registered; refresh or remove it first."
            ) from None
        await self._specs_changed(guild_id)
        return _spec_view(spec, len(parsed.operations))

    async def ensure_spec_name_free(self, guild_id: int, name: str) -> str:
        """Check the name before fetching anything, so a taken name costs no download."""
        name = check_spec_name(name)
        async with self._sessions() as session:
            taken = await session.scalar(
                select(FeedbackSpec.id).where(
                    FeedbackSpec.guild_id == guild_id, FeedbackSpec.name == name
                )
            )
        if taken is not None:
            raise FeedbackError(
                f"A spec called `{name}` is already registered; refresh or remove it first."
            )
        return name

    def _add_operations(
        self, session: AsyncSession, guild_id: int, spec_id: int, operations: Sequence[Operation]
    ) -> None:
        session.add_all(
            FeedbackOperation(
                guild_id=guild_id,
                spec_id=spec_id,
                method=operation.method,
                path=operation.path,
                summary=operation.summary,
            )
            for operation in operations
        )

    async def get_spec(self, guild_id: int, name: str) -> SpecView:
        name = check_spec_name(name)
        async with self._sessions() as session:
            spec = await self._spec(session, guild_id, name)
            count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
        return _spec_view(spec, int(count or 0))

    async def _spec(self, session: AsyncSession, guild_id: int, name: str) -> FeedbackSpec:
        spec = await session.scalar(
            select(FeedbackSpec).where(FeedbackSpec.guild_id == guild_id, FeedbackSpec.name == name)
        )
        if spec is None:
            raise NotFoundError(f"No spec called `{name}` is registered here.")
        return spec

    async def refresh_spec(
        self, guild_id: int, name: str, parsed: ParsedSpec, actor_id: int
    ) -> tuple[SpecView, int]:
        """Replace a spec's operations with a fresh fetch; returns the view and the old count."""
        name = check_spec_name(name)
        async with self._sessions.begin() as session:
            spec = await self._spec(session, guild_id, name)
            old_count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
            await session.execute(
                delete(FeedbackOperation).where(FeedbackOperation.spec_id == spec.id)
            )
            self._add_operations(session, guild_id, spec.id, parsed.operations)
            spec.title = parsed.title
            spec.version = parsed.version
            spec.spec_format = parsed.spec_format
            spec.fetched_at = self._clock.now()
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.api_refresh",
                name,
                {"url": spec.url, "operations": len(parsed.operations)},
                session=session,
            )
        await self._specs_changed(guild_id)
        return _spec_view(spec, len(parsed.operations)), int(old_count or 0)

    async def remove_spec(self, guild_id: int, name: str, actor_id: int) -> SpecView:
        name = check_spec_name(name)
        async with self._sessions.begin() as session:
            spec = await self._spec(session, guild_id, name)
            count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
            view = _spec_view(spec, int(count or 0))
            await session.execute(
                delete(FeedbackOperation).where(FeedbackOperation.spec_id == spec.id)
            )
            await session.delete(spec)
            await self._audit.record(
                guild_id, actor_id, "feedback.api_remove", name, {"url": spec.url}, session=session
            )
        await self._specs_changed(guild_id)
        return view

    async def list_specs(self, guild_id: int) -> list[SpecView]:
        async with self._sessions() as session:
            specs = (
                await session.scalars(
                    select(FeedbackSpec)
                    .where(FeedbackSpec.guild_id == guild_id)
                    .order_by(FeedbackSpec.name)
                )
            ).all()
            rows = await session.execute(
                select(FeedbackOperation.spec_id, func.count())
                .where(FeedbackOperation.guild_id == guild_id)
                .group_by(FeedbackOperation.spec_id)
            )
            counts = {int(spec_id): int(n) for spec_id, n in rows.all()}
        return [_spec_view(spec, int(counts.get(spec.id, 0))) for spec in specs]

    async def _spec_cache(self, guild_id: int) -> _SpecCache:
        cached = self._spec_caches.get(guild_id)
        if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
            return cached
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackOperation.method, FeedbackOperation.path, FeedbackOperation.summary
                    )
                    .where(FeedbackOperation.guild_id == guild_id)
                    .order_by(FeedbackOperation.path, FeedbackOperation.method)
                )
            ).all()
            # Endpoints people logged lately help autocomplete even without a spec; the newest
            # 2,000 items are a cheap, bounded look (the whole guild would be a full scan).
            recent = (
                select(FeedbackItem.method, FeedbackItem.path, FeedbackItem.number)
                .where(FeedbackItem.guild_id == guild_id)
                .order_by(FeedbackItem.number.desc())
                .limit(2000)
                .subquery()
            )
            logged = (
                await session.execute(
                    select(recent.c.method, recent.c.path)
                    .group_by(recent.c.method, recent.c.path)
                    .order_by(func.max(recent.c.number).desc())
                    .limit(500)
                )
            ).all()
        operations = [Operation(method, path, summary) for method, path, summary in rows]
        matcher = SpecMatcher([(op.method, op.path) for op in operations])
        cache = _SpecCache(matcher, [], time.monotonic())
        seen: set[str] = set()
        for operation in operations:
            value = f"{operation.method} {operation.path}"
            if value in seen or len(value) > 100:
                continue
            seen.add(value)
            label = f"{value} — {operation.summary}" if operation.summary else value
            cache.add_choice(Choice(label[:100], value), f"{value} {operation.summary or ''}")
        for method, path in logged:
            value = f"{method} {path}"
            if value not in seen and len(value) <= 100:
                seen.add(value)
                cache.add_choice(Choice(f"{value} (logged before)"[:100], value), value)
        self._spec_caches[guild_id] = cache
        return cache

    def _note_logged_endpoint(self, guild_id: int, endpoint: Endpoint) -> None:
        """A new item's endpoint joins the cached autocomplete without a reload."""
        cache = self._spec_caches.get(guild_id)
        value = str(endpoint)
        if cache is None or len(value) > 100 or any(c.value == value for c in cache.choices):
            return
        cache.add_choice(Choice(f"{value} (logged before)"[:100], value), value)

    async def _specs_changed(self, guild_id: int) -> None:
        """Re-check the endpoints of active items against the guild's specs as they are now.

        The "not in spec" mark matters while an item is worked on; closed items keep the mark
        they had. Each distinct endpoint is checked once, and only rows whose mark changes are
        written (by id, in chunks).
        """
        self._spec_caches.pop(guild_id, None)
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackItem.id,
                        FeedbackItem.method,
                        FeedbackItem.path,
                        FeedbackItem.in_spec,
                    ).where(
                        FeedbackItem.guild_id == guild_id,
                        FeedbackItem.status.in_(ACTIVE_STATUSES),
                    )
                )
            ).all()
            marks: dict[tuple[str, str], bool | None] = {}
            changed: dict[bool | None, list[int]] = {}
            for item_id, method, path, in_spec in rows:
                key = (method, path)
                if key not in marks:
                    marks[key] = await self.is_in_spec(guild_id, Endpoint(method, path))
                if marks[key] != in_spec:
                    changed.setdefault(marks[key], []).append(item_id)
            for mark, ids in changed.items():
                for start in range(0, len(ids), 500):
                    await session.execute(
                        update(FeedbackItem)
                        .where(FeedbackItem.id.in_(ids[start : start + 500]))
                        .values(in_spec=mark)
                    )

    async def is_in_spec(self, guild_id: int, endpoint: Endpoint) -> bool | None:
        """True/False against the registered specs; None when the guild registered none."""
        cache = await self._spec_cache(guild_id)
        if not cache.matcher:
            return None
        return cache.matcher.contains(endpoint.method, endpoint.path)

    async def endpoint_choices(self, guild_id: int, current: str) -> list[Choice]:
        """Autocomplete: the guild's known endpoints, fuzzy-ranked against what is typed."""
        cache = await self._spec_cache(guild_id)
        typed = current.strip()
        if not typed:
            return cache.choices[:AUTOCOMPLETE_LIMIT]
        values = [choice.value for choice in cache.choices]
        return [cache.choices[i] for i in rank_fuzzy(typed, values, cache.search_texts)]

    async def item_choices(
        self, guild_id: int, current: str, *, active_only: bool = False
    ) -> list[Choice]:
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
                    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                    # Title search looks at the newest items only, so a rare word costs a
                    # bounded scan; older items are still reachable by number.
                    query = query.where(
                        FeedbackItem.title.ilike(f"%{escaped}%", escape="\\"),
                        FeedbackItem.number > newest - TITLE_SEARCH_WINDOW,
                    )
                query = query.order_by(FeedbackItem.number.desc()).limit(AUTOCOMPLETE_LIMIT)
                rows = list((await session.execute(query)).all())
        return [
            Choice(f"FB-{number} · {STATUS_LABELS[status]} · {title}"[:100], f"FB-{number}")
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

    # ---- hooks for other features --------------------------------------------------------

    async def forget(self, request: ForgetRequest) -> ForgetReport:
        """Anonymise a member: reporter, assignee, history actor and votes lose their id."""
        guild_id, user_id = request.guild_id, request.user_id
        async with self._sessions.begin() as session:
            reported = await session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.guild_id == guild_id, FeedbackItem.reporter_id == user_id)
                .values(reporter_id=None)
            )
            assigned = await session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.guild_id == guild_id, FeedbackItem.assignee_id == user_id)
                .values(assignee_id=None)
            )
            history = await session.execute(
                update(FeedbackHistory)
                .where(FeedbackHistory.guild_id == guild_id, FeedbackHistory.actor_id == user_id)
                .values(actor_id=None)
            )
            # Assignment history names the assignee in its values; drop the id there too.
            await session.execute(
                update(FeedbackHistory)
                .where(
                    FeedbackHistory.guild_id == guild_id,
                    FeedbackHistory.action == "assigned",
                    FeedbackHistory.to_value == str(user_id),
                )
                .values(to_value="(forgotten member)")
            )
            await session.execute(
                update(FeedbackHistory)
                .where(
                    FeedbackHistory.guild_id == guild_id,
                    FeedbackHistory.action == "assigned",
                    FeedbackHistory.from_value == str(user_id),
                )
                .values(from_value="(forgotten member)")
            )
            votes = await session.execute(
                update(FeedbackVote)
                .where(FeedbackVote.guild_id == guild_id, FeedbackVote.user_id == user_id)
                .values(user_id=None)
            )
            drafts = await session.execute(
                delete(FeedbackDraft).where(
                    FeedbackDraft.guild_id == guild_id, FeedbackDraft.reporter_id == user_id
                )
            )
        return {
            "feedback items anonymised": _rowcount(reported),
            "feedback assignments removed": _rowcount(assigned),
            "feedback history entries anonymised": _rowcount(history),
            "feedback +1s anonymised": _rowcount(votes),
            "feedback drafts deleted": _rowcount(drafts),
        }

    async def stats(self, guild_id: int) -> dict[str, int]:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(FeedbackItem.status, func.count())
                    .where(FeedbackItem.guild_id == guild_id)
                    .group_by(FeedbackItem.status)
                )
            ).all()
            specs = await session.scalar(
                select(func.count()).where(FeedbackSpec.guild_id == guild_id)
            )
        counts = {f"feedback {STATUS_LABELS[status].lower()}": int(n) for status, n in rows}
        counts["feedback items"] = sum(int(n) for _, n in rows)
        counts["API specs"] = int(specs or 0)
        return counts

    async def open_topics(self, guild_id: int, limit: int) -> list[str]:
        """A few current open items, worst first: "FB-12 GET /api/jobs — title"."""
        severity_rank = {name: rank for rank, name in enumerate(SEVERITIES)}
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackItem.number,
                        FeedbackItem.method,
                        FeedbackItem.path,
                        FeedbackItem.title,
                        FeedbackItem.severity,
                    )
                    .where(
                        FeedbackItem.guild_id == guild_id,
                        FeedbackItem.status.in_(ACTIVE_STATUSES),
                    )
                    .order_by(FeedbackItem.number.desc())
                    .limit(max(limit, 0) * 4)
                )
            ).all()
        ranked = sorted(rows, key=lambda row: (severity_rank.get(row[4], 9), -row[0]))
        return [
            f"FB-{number} {method} {path} — {title}"
            for number, method, path, title, _ in ranked[: max(limit, 0)]
        ]


# ---- row → view -------------------------------------------------------------------------------


def rank_fuzzy(
    typed: str,
    values: Sequence[str],
    search_texts: Sequence[str],
    limit: int = AUTOCOMPLETE_LIMIT,
) -> list[int]:
    """Positions of the best matches for what is being typed, best first.

    Three rapidfuzz scorers, each run in C over every candidate at once: `partial_ratio`
    rewards containing (most of) the typed text ("delet job"), `token_set_ratio` whole words in
    any order ("jobs get"), `WRatio` overall likeness. A value starting with what was typed
    ("GET /api/j") comes first; shorter values win ties (the collection before its items).
    """
    if not values:
        return []
    query = utils.default_process(typed)
    partial = process.cdist([query], search_texts, scorer=fuzz.partial_ratio)[0]
    words = process.cdist([query], search_texts, scorer=fuzz.token_set_ratio)[0]
    overall = process.cdist([query], search_texts, scorer=fuzz.WRatio)[0]
    scores = partial * 0.4 + words * 0.3 + overall * 0.3
    lowered = typed.lower()
    for position, value in enumerate(values):
        if value.lower().startswith(lowered):
            scores[position] += 15
        elif lowered in value.lower():
            scores[position] += 5
    order = sorted(range(len(values)), key=lambda i: (-scores[i], len(values[i])))
    return [position for position in order[:limit] if scores[position] >= 40]


def _filtered(query: Select[Any], guild_id: int, filters: ListFilters, dialect: str) -> Select[Any]:
    """The list filters, steering SQLite to the one index that makes the page cheap.

    Each filter has an index ending in `number`, so a page is a short range scan. SQLite (with
    no ANALYZE statistics) can't tell which filter is selective and may walk a whole status
    (60,000 resolved items) to find a member's 3 items. In its dialect, the filters not chosen
    are written as `column || ''` / `column + 0`, which SQLite cannot use an index for — the
    documented way to steer its planner. Most selective first: path, reporter, status, severity.
    PostgreSQL keeps plain columns: its planner has statistics.
    """
    chosen: str | None = None
    if dialect == "sqlite":
        for name, given in (
            ("path", filters.path),
            ("reporter_id", filters.reporter_id),
            ("status", filters.status if filters.status != "active" else None),
            ("severity", filters.severity),
        ):
            if given is not None:
                chosen = name
                break

    def column(name: str) -> Any:
        plain = getattr(FeedbackItem, name)
        if dialect != "sqlite" or name == chosen:
            return plain
        return plain + 0 if name == "reporter_id" else plain.concat("")

    query = query.where(FeedbackItem.guild_id == guild_id)
    if filters.status == "active":
        query = query.where(column("status").in_(ACTIVE_STATUSES))
    elif filters.status is not None:
        query = query.where(column("status") == filters.status)
    if filters.path is not None:
        query = query.where(column("path") == filters.path)
    if filters.method is not None:
        query = query.where(FeedbackItem.method == filters.method)
    if filters.severity is not None:
        query = query.where(column("severity") == filters.severity)
    if filters.reporter_id is not None:
        query = query.where(column("reporter_id") == filters.reporter_id)
    return query


def _view(item: FeedbackItem | Row[Any], duplicate_of_number: int | None) -> ItemView:
    return ItemView(
        id=item.id,
        guild_id=item.guild_id,
        number=item.number,
        reporter_id=item.reporter_id,
        method=item.method,
        path=item.path,
        in_spec=item.in_spec,
        severity=item.severity,
        title=item.title,
        details=item.details,
        expected=item.expected,
        actual=item.actual,
        status=item.status,
        duplicate_of_number=duplicate_of_number,
        assignee_id=item.assignee_id,
        plus_ones=item.plus_ones,
        channel_id=item.channel_id,
        message_id=item.message_id,
        thread_id=item.thread_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _history_view(row: FeedbackHistory) -> HistoryEntry:
    return HistoryEntry(
        row.id, row.actor_id, row.action, row.from_value, row.to_value, row.note, row.created_at
    )


def _spec_view(spec: FeedbackSpec, count: int) -> SpecView:
    return SpecView(
        spec.id,
        spec.name,
        spec.url,
        spec.title,
        spec.version,
        spec.spec_format,
        count,
        spec.added_by,
        spec.fetched_at,
    )


def _details_note(draft: Draft) -> str:
    parts = [draft.details]
    if draft.expected:
        parts.append(f"Expected: {draft.expected}")
    if draft.actual:
        parts.append(f"Actual: {draft.actual}")
    return "\n".join(parts)


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if isinstance(count, int) and count > 0 else 0


def with_filters(filters: ListFilters, **changes: Any) -> ListFilters:
    return replace(filters, **changes)


def list_filters(
    status: str | None,
    endpoint: str | None,
    severity: str | None,
    reporter_id: int | None,
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
    )
