"""A member's pairing data as the FeatureCog contract asks for it: erased on request, counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete

from bot.guild_counts import GuildCounts
from bot.sql import affected_rows
from cogs.pairing.models import PairMember, PairProfile, PairQueueEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class MemberData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._counts = GuildCounts(sessions)

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
        # Kept by the database as rows change (pairing_0004), not counted here.
        counts = await self._counts.of(guild_id)
        return {
            "pairing members": counts.get("pair_profiles.active", 0),
            "pairing rounds": counts.get("pair_rounds", 0),
            "pairings": counts.get("pair_groups", 0),
        }
