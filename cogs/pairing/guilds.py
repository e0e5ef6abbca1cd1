"""Guilds that use pairing, and the time zone each one's round schedule is read in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import bindparam, func, select

from bot.in_place_reads import in_place_reads
from cogs.pairing.models import PairGuildState, PairProfile

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# Read by every /pair join (rescheduling the guild's round): one row by key, read in place.
_SCHEDULE_TIMEZONE: Final = select(PairGuildState.schedule_timezone).where(
    PairGuildState.guild_id == bindparam("guild_id")
)


class GuildStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._reads = in_place_reads(sessions.kw["bind"])

    async def schedule_timezone(self, guild_id: int) -> str | None:
        rows = await self._reads.rows(_SCHEDULE_TIMEZONE, {"guild_id": guild_id})
        return rows[0][0] if rows else None

    async def set_schedule_timezone(self, guild_id: int, timezone: str | None) -> None:
        async with self._sessions.begin() as session:
            state = await session.get(PairGuildState, guild_id)
            if state is None:
                state = PairGuildState(guild_id=guild_id)
                session.add(state)
            state.schedule_timezone = timezone

    async def scheduled_guilds(self) -> list[int]:
        """Guilds with pairing in use: someone joined, or a moderator set the schedule."""
        async with self._sessions() as session:
            profiles = await session.scalars(
                select(PairProfile.guild_id).where(PairProfile.active).distinct()
            )
            states = await session.scalars(select(PairGuildState.guild_id))
            return sorted(set(profiles.all()) | set(states.all()))

    async def active_members(self, guild_id: int) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).where(PairProfile.guild_id == guild_id, PairProfile.active)
            )
            return int(count or 0)
