"""+1s: a member's "me too" counted once per item (never on their own report), from the item's
button or with their details; and a duplicate's +1s moved to its original. Whoever +1s an item
watches it. Plain ids in, records out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.in_place_writes import in_place_writes
from cogs.feedback.models import FeedbackVote
from cogs.feedback.records import Vote
from cogs.feedback.rules import ACTIVE_STATUSES, STATUS_LABELS, FeedbackError
from cogs.feedback.store import item_record

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock
    from cogs.feedback.models import FeedbackItem
    from cogs.feedback.store import ItemStore
    from cogs.feedback.watchers import WatcherStore


class VoteStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        store: ItemStore,
        watchers: WatcherStore,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._store = store
        self._watchers = watchers

    async def add(self, session: AsyncSession, item: FeedbackItem, user_id: int | None) -> bool:
        """Count `user_id`'s +1 on a locked item, once; they watch it either way. True when it
        counted (not their own report, not already counted)."""
        await self._watchers.watch(session, item, user_id)
        if user_id is None or item.reporter_id == user_id:
            return False
        already = await session.scalar(
            select(FeedbackVote.id).where(
                FeedbackVote.item_id == item.id, FeedbackVote.user_id == user_id
            )
        )
        if already is not None:
            return False
        session.add(
            FeedbackVote(
                guild_id=item.guild_id,
                item_id=item.id,
                user_id=user_id,
                created_at=self._clock.now(),
            )
        )
        item.plus_ones += 1
        return True

    async def plus_one(self, guild_id: int, number: int, user_id: int) -> Vote:
        """The item's "+1 · me too" button."""
        async with in_place_writes(self._sessions).session() as session:
            item = await self._store.item_for_update(session, guild_id, number)
            if item.status not in ACTIVE_STATUSES:
                raise FeedbackError(
                    f"FB-{number} is {STATUS_LABELS[item.status]}, so it takes no more +1s."
                )
            counted = await self.add(session, item, user_id)
            if counted:
                item.updated_at = self._clock.now()
                self._store.add_history_row(
                    session, item, user_id, "plus_one", to_value=str(item.plus_ones)
                )
            record = item_record(item, await self._store.number_of(session, item.duplicate_of_id))
        return Vote(record, user_id, counted)

    async def move(
        self, session: AsyncSession, duplicate: FeedbackItem, original: FeedbackItem
    ) -> int:
        """Fold a duplicate's +1s into its original (both locked by the caller): each member
        counts once there, the duplicate's reporter among them. How many the original gained."""
        before = original.plus_ones
        voters = await session.scalars(
            select(FeedbackVote.user_id).where(
                FeedbackVote.item_id == duplicate.id, FeedbackVote.user_id.is_not(None)
            )
        )
        for user_id in [duplicate.reporter_id, *voters.all()]:
            await self.add(session, original, user_id)
        # +1s of forgotten members have no one to count twice: they move as they are.
        anonymous = await session.execute(
            update(FeedbackVote)
            .where(FeedbackVote.item_id == duplicate.id, FeedbackVote.user_id.is_(None))
            .values(item_id=original.id, guild_id=original.guild_id)
            .returning(FeedbackVote.id)
        )
        original.plus_ones += len(anonymous.all())
        await session.execute(delete(FeedbackVote).where(FeedbackVote.item_id == duplicate.id))
        duplicate.plus_ones = 0
        return original.plus_ones - before
