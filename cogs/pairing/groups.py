"""One pairing group (of a round or of /pair now): read back as a record, where its
introduction went, and its members' answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.errors import NotFoundError
from cogs.pairing.models import PairGroup, PairMember
from cogs.pairing.records import AnswerResult, GroupInfo
from cogs.pairing.rules import OUTCOMES, PairingError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock


def group_record(row: PairGroup, members: Sequence[int]) -> GroupInfo:
    return GroupInfo(
        id=row.id,
        guild_id=row.guild_id,
        round_id=row.round_id,
        members=tuple(sorted(members)),
        reasons=tuple(row.reasons or ()),
        topic=row.topic,
        thread_id=row.thread_id,
        delivery=row.delivery,
        outcome=row.outcome,
        created_at=row.created_at,
    )


async def read_group(session: AsyncSession, group_id: int) -> GroupInfo | None:
    row = await session.get(PairGroup, group_id)
    if row is None:
        return None
    members = await session.scalars(
        select(PairMember.user_id).where(PairMember.group_id == group_id)
    )
    return group_record(row, list(members.all()))


class GroupStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def set_delivery(self, group_id: int, delivery: str, thread_id: int | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(PairGroup)
                .where(PairGroup.id == group_id)
                .values(delivery=delivery, thread_id=thread_id)
            )

    async def answer(self, group_id: int, user_id: int, outcome: str) -> AnswerResult:
        if outcome not in OUTCOMES:
            raise PairingError("That answer is not one I know.")
        async with self._sessions.begin() as session:
            row = await session.get(PairGroup, group_id)
            if row is None:
                raise NotFoundError("This pairing no longer exists.")
            members = list(
                (
                    await session.scalars(
                        select(PairMember.user_id).where(PairMember.group_id == group_id)
                    )
                ).all()
            )
            if user_id not in members:
                raise PairingError("Only the members of this pair can answer for it.")
            changed = row.outcome != outcome
            row.outcome = outcome
            row.answered_by = user_id
            row.answered_at = self._clock.now()
            return AnswerResult(group_record(row, members), outcome, changed)
