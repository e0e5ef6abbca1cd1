"""Reminders: when a round's reminder is due, which groups still owe an answer, who was reminded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from cogs.pairing.groups import read_group
from cogs.pairing.models import PairGroup, PairRound
from cogs.pairing.records import GroupInfo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

REMINDER_LEAD = timedelta(days=2)


def reminder_time(ran_at: datetime, next_round_at: datetime | None) -> datetime | None:
    """Two days before the next round; halfway there when rounds are closer than that."""
    if next_round_at is None or next_round_at <= ran_at:
        return None
    due = next_round_at - REMINDER_LEAD
    return due if due > ran_at else ran_at + (next_round_at - ran_at) / 2


class ReminderStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def due_reminders(self, round_id: int) -> list[GroupInfo]:
        """Groups of a round that have not answered and were not reminded yet."""
        async with self._sessions() as session:
            ids = await session.scalars(
                select(PairGroup.id)
                .where(
                    PairGroup.round_id == round_id,
                    PairGroup.outcome.is_(None),
                    PairGroup.reminded_at.is_(None),
                )
                .order_by(PairGroup.id)
            )
            groups = [await read_group(session, group_id) for group_id in ids.all()]
            return [g for g in groups if g is not None]

    async def mark_reminded(self, group_ids: Sequence[int]) -> None:
        if not group_ids:
            return
        async with self._sessions.begin() as session:
            await session.execute(
                update(PairGroup)
                .where(PairGroup.id.in_(list(group_ids)))
                .values(reminded_at=self._clock.now())
            )

    async def pending_reminders(self) -> list[tuple[int, int, datetime]]:
        """(guild, round id, due time) of each guild's latest round still owing a reminder."""
        async with self._sessions() as session:
            latest = (
                select(PairRound.guild_id, func.max(PairRound.number).label("number"))
                .group_by(PairRound.guild_id)
                .subquery()
            )
            rows = await session.execute(
                select(PairRound.guild_id, PairRound.id, PairRound.reminder_due).join(
                    latest,
                    (PairRound.guild_id == latest.c.guild_id)
                    & (PairRound.number == latest.c.number),
                )
            )
            return [(g, r, due) for g, r, due in rows.all() if due is not None]
