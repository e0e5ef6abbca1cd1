"""The /pair now queue: wait for a partner, be matched with the best one waiting, or time out."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from cogs.pairing.groups import group_record
from cogs.pairing.history import next_round_number, partner_history
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairQueueEntry
from cogs.pairing.profiles import as_person, own_profile
from cogs.pairing.records import ExpiredWait, IsEligible, QueueMatch, QueueWait
from cogs.pairing.rules import AlreadyWaiting, PairingError
from cogs.pairing.topics import QUEUE_TOPIC_MAX_CHARS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock


class PairNowQueue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        locks: defaultdict[int, asyncio.Lock],
        queue_wait: timedelta,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._locks = locks
        self._queue_wait = queue_wait

    async def queue_join(
        self,
        guild_id: int,
        user_id: int,
        topic: str | None,
        channel_id: int | None,
        is_eligible: IsEligible,
    ) -> QueueWait | QueueMatch:
        if topic is not None:
            topic = " ".join(topic.split())[:QUEUE_TOPIC_MAX_CHARS] or None
        async with self._locks[guild_id], self._sessions.begin() as session:
            now = self._clock.now()
            me = await own_profile(session, guild_id, user_id)
            if me.paused_until is not None and me.paused_until > now:
                raise PairingError("You're paused. Use `/pair resume` first, then try again.")
            mine = await session.get(PairQueueEntry, (guild_id, user_id))
            if mine is not None and mine.expires_at > now:
                raise AlreadyWaiting(mine.expires_at)
            if mine is not None:
                await session.delete(mine)
            partner = await self._find_waiting_partner(session, guild_id, me, now, is_eligible)
            if partner is None:
                expires = now + self._queue_wait
                session.add(
                    PairQueueEntry(
                        guild_id=guild_id,
                        user_id=user_id,
                        topic=topic,
                        channel_id=channel_id,
                        created_at=now,
                        expires_at=expires,
                    )
                )
                return QueueWait(expires)
            partner_row, entry, history = partner
            await session.delete(entry)
            people = [as_person(me, now), as_person(partner_row, now)]
            from cogs.pairing.matching import explain_pair  # numpy: see round_model.py

            reasons, shared = explain_pair(people, history, 0)
            chosen = topic or entry.topic or (shared[0] if shared else None)
            group = PairGroup(
                guild_id=guild_id,
                round_id=None,
                created_at=now,
                weight=0,
                reasons=["you both asked to pair right now", *reasons],
                topic=chosen,
                delivery="none",
            )
            session.add(group)
            await session.flush()
            for member in (user_id, partner_row.user_id):
                session.add(PairMember(group_id=group.id, user_id=member, guild_id=guild_id))
            await session.execute(
                update(PairProfile)
                .where(
                    PairProfile.guild_id == guild_id,
                    PairProfile.user_id.in_([user_id, partner_row.user_id]),
                )
                .values(waiting=0)
            )
            return QueueMatch(group_record(group, [user_id, partner_row.user_id]))

    async def _find_waiting_partner(
        self,
        session: AsyncSession,
        guild_id: int,
        me: PairProfile,
        now: datetime,
        is_eligible: IsEligible,
    ) -> tuple[PairProfile, PairQueueEntry, dict[tuple[int, int], int]] | None:
        entries = (
            await session.scalars(
                select(PairQueueEntry)
                .where(
                    PairQueueEntry.guild_id == guild_id,
                    PairQueueEntry.expires_at > now,
                    PairQueueEntry.user_id != me.user_id,
                )
                .order_by(PairQueueEntry.created_at, PairQueueEntry.user_id)
            )
        ).all()
        waiting: list[tuple[PairProfile, PairQueueEntry]] = []
        for entry in entries:
            profile = await session.get(PairProfile, (guild_id, entry.user_id))
            if profile is None or not profile.active or not await is_eligible(entry.user_id):
                continue
            waiting.append((profile, entry))
        if not waiting:
            return None
        number = await next_round_number(session, guild_id)
        history = await partner_history(session, guild_id, number)
        from cogs.pairing.matching import best_partner  # numpy: see round_model.py

        chosen = best_partner(
            as_person(me, now), [as_person(p, now) for p, _ in waiting], history, number
        )
        if chosen is None:
            return None
        profile, entry = next(pair for pair in waiting if pair[0].user_id == chosen.user_id)
        return profile, entry, history

    async def expire_queue(self) -> list[ExpiredWait]:
        """End every wait past its time; those people earn the waiting bonus."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            entries = (
                await session.scalars(
                    select(PairQueueEntry).where(PairQueueEntry.expires_at <= now)
                )
            ).all()
            expired = [ExpiredWait(e.guild_id, e.user_id, e.channel_id) for e in entries]
            for entry in entries:
                await session.delete(entry)
                await session.execute(
                    update(PairProfile)
                    .where(
                        PairProfile.guild_id == entry.guild_id,
                        PairProfile.user_id == entry.user_id,
                    )
                    .values(waiting=PairProfile.waiting + 1)
                )
            return expired
