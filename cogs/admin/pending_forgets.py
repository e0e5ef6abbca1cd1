"""Members waiting to be forgotten after they left a guild: the plans, stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.guild_counts import GuildCounts
from bot.sql import affected_rows
from cogs.admin.models import PendingForget

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class PendingForgetPlan:
    guild_id: int
    user_id: int
    due_at: datetime

    @property
    def job_id(self) -> str:
        return f"admin.forget:{self.guild_id}:{self.user_id}"

    @property
    def item_key(self) -> str:
        return f"{self.guild_id}:{self.user_id}"


class PendingForgets:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._counts = GuildCounts(sessions)

    async def schedule(
        self, guild_id: int, user_id: int, left_at: datetime, delay: timedelta
    ) -> datetime:
        """Remember to forget a member at `left_at + delay` (replacing an older plan)."""
        due_at = left_at + delay
        async with self._sessions.begin() as session:
            await session.merge(
                PendingForget(guild_id=guild_id, user_id=user_id, left_at=left_at, due_at=due_at)
            )
        return due_at

    async def reschedule(self, guild_id: int, user_id: int, due_at: datetime) -> None:
        """Move a pending forget to `due_at` (a retry is a new occurrence with its own claim);
        the row is written again if the forget already removed it."""
        async with self._sessions.begin() as session:
            row = await session.get(PendingForget, (guild_id, user_id))
            if row is None:
                session.add(
                    PendingForget(guild_id=guild_id, user_id=user_id, left_at=due_at, due_at=due_at)
                )
            else:
                row.due_at = due_at

    async def cancel(self, guild_id: int, user_id: int) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PendingForget).where(
                    PendingForget.guild_id == guild_id, PendingForget.user_id == user_id
                )
            )
        return affected_rows(result) > 0

    async def counts(self, guild_id: int) -> dict[str, int]:
        """The core's count of them, for the guild's statistics."""
        # Kept by the database as plans come and go (admin_0002), not counted here.
        counts = await self._counts.of(guild_id)
        return {"pending forgets": counts.get("admin_pending_forgets", 0)}

    async def plan_for(self, guild_id: int, user_id: int) -> PendingForgetPlan | None:
        async with self._sessions() as session:
            row = await session.get(PendingForget, (guild_id, user_id))
        return PendingForgetPlan(row.guild_id, row.user_id, row.due_at) if row else None

    async def plans(self) -> list[PendingForgetPlan]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(PendingForget).order_by(PendingForget.due_at))
            ).all()
        return [PendingForgetPlan(r.guild_id, r.user_id, r.due_at) for r in rows]
