"""Intake: a member's report checked, its likely duplicates found, and the item created; or the
report kept as a draft for the duplicate prompt and added to an existing item as a +1."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, cast

from sqlalchemy import delete, insert, select

from bot.in_place_writes import in_place_writes
from bot.sql import affected_rows
from cogs.feedback.endpoints import Endpoint, parse_endpoint
from cogs.feedback.models import FeedbackDraft, FeedbackItem
from cogs.feedback.records import Draft, ItemRecord, PlusOne
from cogs.feedback.rules import (
    ACTIVE_STATUSES,
    BEHAVIOUR_MAX,
    DETAILS_MAX,
    FeedbackError,
    ItemClosedMeanwhile,
    check_severity,
    clean_text,
    clean_title,
)
from cogs.feedback.store import NEW_HISTORY, item_record

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import (
        AsyncConnection,
        AsyncEngine,
        AsyncSession,
        async_sessionmaker,
    )

    from bot.clock import Clock
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.open_index import OpenItemIndexes
    from cogs.feedback.spec_registry import SpecRegistry
    from cogs.feedback.store import ItemStore
    from cogs.feedback.votes import VoteStore
    from cogs.feedback.watchers import WatcherStore

DRAFT_LIFETIME = timedelta(days=1)
DRAFT_GONE = (
    "This prompt was already answered or has expired; nothing changed. "
    "Run `/feedback log` again if you still need to."
)


# A new item's inserts, built once; the item's hands back the stored row (its id and defaults).
_ITEMS: Final = cast("Table", FeedbackItem.__table__)
NEW_ITEM: Final = insert(_ITEMS).returning(*_ITEMS.columns)


class FeedbackIntake:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        store: ItemStore,
        open_items: OpenItemIndexes,
        specs: SpecRegistry,
        votes: VoteStore,
        watchers: WatcherStore,
    ) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._votes = votes
        self._watchers = watchers
        self._clock = clock
        self._store = store
        self._open_items = open_items
        self._specs = specs

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
            title=clean_title(title),
            details=clean_text(details, "details", DETAILS_MAX, required=True) or "",
            expected=clean_text(expected, "expected behaviour", BEHAVIOUR_MAX, required=False),
            actual=clean_text(actual, "actual behaviour", BEHAVIOUR_MAX, required=False),
        )

    async def find_duplicates(self, draft: Draft) -> list[DuplicateCandidate]:
        index = await self._open_items.for_guild(draft.guild_id)
        return index.find(draft.endpoint.method, draft.endpoint.path, draft.title)

    async def create(
        self, draft: Draft, *, draft_id: int | None = None, post_due: bool = False
    ) -> ItemRecord:
        """Store a new item. With `draft_id` (from the duplicate prompt) the saved draft is
        used up in the same transaction, so a second click can never create a second item.
        `post_due`: the bot is to post it (not an item made from a member's forum post)."""
        in_spec = await self._specs.is_in_spec(draft.guild_id, draft.endpoint)
        now = self._clock.now()
        # Core statements on a connection: a transaction that only adds rows needs no ORM
        # session, objects or flush (about a third of /feedback log's time before the reply).
        async with in_place_writes(self._engine).connection() as connection:
            if draft_id is not None:
                await self._use_draft(connection, draft.guild_id, draft_id)
            number = await self._store.next_number(connection, draft.guild_id)
            item = (
                await connection.execute(
                    NEW_ITEM,
                    {
                        "guild_id": draft.guild_id,
                        "number": number,
                        "reporter_id": draft.reporter_id,
                        "method": draft.endpoint.method,
                        "path": draft.endpoint.path,
                        "in_spec": in_spec,
                        "severity": draft.severity,
                        "title": draft.title,
                        "details": draft.details,
                        "expected": draft.expected,
                        "actual": draft.actual,
                        "status": "open",
                        "plus_ones": 0,
                        "post_due": post_due,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            ).one()
            record = item_record(item, None)
            await connection.execute(
                NEW_HISTORY,
                {
                    "guild_id": draft.guild_id,
                    "item_id": record.id,
                    "actor_id": draft.reporter_id,
                    "action": "created",
                    "to_value": "open",
                    "created_at": now,
                },
            )
            await self._watchers.watch(connection, record, draft.reporter_id)
        self._open_items.track(record)
        self._specs.note_logged_endpoint(draft.guild_id, draft.endpoint)
        return record

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

    async def _use_draft(
        self, session: AsyncSession | AsyncConnection, guild_id: int, draft_id: int
    ) -> None:
        result = await session.execute(
            delete(FeedbackDraft).where(
                FeedbackDraft.id == draft_id, FeedbackDraft.guild_id == guild_id
            )
        )
        if affected_rows(result) == 0:
            raise FeedbackError(DRAFT_GONE)

    async def add_details(
        self, guild_id: int, number: int, draft: Draft, *, draft_id: int | None = None
    ) -> PlusOne:
        """ "Add my details to FB-N": a +1 (once per member) and the details for its thread."""
        async with self._sessions.begin() as session:
            item = await self._store.item_for_update(session, guild_id, number)
            if item.status not in ACTIVE_STATUSES:
                raise ItemClosedMeanwhile(number, item.status)
            if draft_id is not None:
                await self._use_draft(session, guild_id, draft_id)
            counted = await self._votes.add(session, item, draft.reporter_id)
            item.updated_at = self._clock.now()
            self._store.add_history_row(
                session,
                item,
                draft.reporter_id,
                "plus_one" if counted else "details_added",
                to_value=str(item.plus_ones) if counted else None,
                note=_details_note(draft),
            )
            record = item_record(item, await self._store.number_of(session, item.duplicate_of_id))
        return PlusOne(
            record, draft.reporter_id, counted, draft.details, draft.expected, draft.actual
        )


def _details_note(draft: Draft) -> str:
    parts = [draft.details]
    if draft.expected:
        parts.append(f"Expected: {draft.expected}")
    if draft.actual:
        parts.append(f"Actual: {draft.actual}")
    return "\n".join(parts)
