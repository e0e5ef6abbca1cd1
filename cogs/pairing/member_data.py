"""A member's pairing data as the FeatureCog contract asks for it: erased on request, counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from bot.sql import affected_rows
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairQueueEntry, PairRound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class MemberData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def forget(self, guild_id: int, user_id: int) -> dict[str, int]:
        async with self._sessions.begin() as session:
            profiles = await session.execute(
                delete(PairProfile).where(
                    PairProfile.guild_id == guild_id, PairProfile.user_id == user_id
                )
            )
            memberships = await session.execute(
                delete(PairMember).where(
                    PairMember.guild_id == guild_id, PairMember.user_id == user_id
                )
            )
            await session.execute(
                delete(PairQueueEntry).where(
                    PairQueueEntry.guild_id == guild_id, PairQueueEntry.user_id == user_id
                )
            )
        return {
            "pair profiles deleted": affected_rows(profiles),
            "pairing history entries deleted": affected_rows(memberships),
        }

    async def stats(self, guild_id: int) -> dict[str, int]:
        async with self._sessions() as session:
            profiles = await session.scalar(
                select(func.count()).where(PairProfile.guild_id == guild_id, PairProfile.active)
            )
            rounds = await session.scalar(
                select(func.count()).where(PairRound.guild_id == guild_id)
            )
            groups = await session.scalar(
                select(func.count()).where(PairGroup.guild_id == guild_id)
            )
        return {
            "pairing members": int(profiles or 0),
            "pairing rounds": int(rounds or 0),
            "pairings": int(groups or 0),
        }
