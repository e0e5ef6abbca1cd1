"""Watchers: who is told when an item's status changes, and how (a mention in its thread, or a
direct message for those who asked). Rows are written inside the caller's transaction, so an
item, its +1 and its watcher are stored together; plain ids in, records out."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import bindparam, not_, select

from bot.in_place_writes import in_place_writes
from bot.sql import affected_rows, dialect_insert
from cogs.feedback.models import FeedbackWatcher
from cogs.feedback.records import ItemRecord, Watcher

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

    from bot.clock import Clock
    from cogs.feedback.models import FeedbackItem
    from cogs.feedback.store import ItemStore

WATCH_COLUMNS = ("guild_id", "item_id", "user_id", "dm", "created_at")


class WatcherStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock, store: ItemStore
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._store = store
        self._dialect: str = sessions.kw["bind"].dialect.name
        # Built once for the backend, its values bound: a new item's reporter starts watching.
        self._watch = (
            dialect_insert(self._dialect, cast("Table", FeedbackWatcher.__table__))
            .values({name: bindparam(name) for name in WATCH_COLUMNS})
            .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
        )

    async def watch(
        self,
        session: AsyncSession | AsyncConnection,
        item: FeedbackItem | ItemRecord,
        user_id: int | None,
        *,
        dm: bool = False,
    ) -> bool:
        """Make `user_id` a watcher of `item` (kept as it is when they already watch it).
        True when they were not watching before."""
        if user_id is None:
            return False
        values = (item.guild_id, item.id, user_id, dm, self._clock.now())
        watched = await session.execute(self._watch, dict(zip(WATCH_COLUMNS, values, strict=True)))
        return affected_rows(watched) > 0

    async def audience(
        self, session: AsyncSession | AsyncConnection, item_id: int, *, leaving_out: int | None
    ) -> tuple[Watcher, ...]:
        """Everyone to tell of a change to the item, once each, the member who made it aside."""
        rows = await session.execute(
            select(FeedbackWatcher.user_id, FeedbackWatcher.dm)
            .where(FeedbackWatcher.item_id == item_id)
            .order_by(FeedbackWatcher.id)
        )
        return tuple(
            Watcher(int(user_id), bool(dm)) for user_id, dm in rows.all() if user_id != leaving_out
        )

    async def copy(self, session: AsyncSession, source: FeedbackItem, target: FeedbackItem) -> int:
        """The source's watchers also watch the target (a duplicate folded into its original).

        They stay on the source too, so reopening the duplicate still reaches them. How many
        were new to the target."""
        rows = await session.execute(
            select(FeedbackWatcher.user_id, FeedbackWatcher.dm)
            .where(FeedbackWatcher.item_id == source.id)
            .order_by(FeedbackWatcher.id)
        )
        added = 0
        for user_id, dm in rows.all():
            added += await self.watch(session, target, int(user_id), dm=bool(dm))
        return added

    async def toggle_dm(self, guild_id: int, number: int, user_id: int) -> bool:
        """Switch between a mention in the thread and a direct message for this member (a
        member who was not watching starts, by DM). The new setting: True for DMs."""
        async with in_place_writes(self._sessions).session() as session:
            item = await self._store.item(session, guild_id, number)
            statement = (
                dialect_insert(self._dialect, FeedbackWatcher)
                .values(
                    guild_id=guild_id,
                    item_id=item.id,
                    user_id=user_id,
                    dm=True,
                    created_at=self._clock.now(),
                )
                .on_conflict_do_update(
                    index_elements=["item_id", "user_id"], set_={"dm": not_(FeedbackWatcher.dm)}
                )
                .returning(FeedbackWatcher.dm)
            )
            return bool((await session.execute(statement)).scalar_one())
