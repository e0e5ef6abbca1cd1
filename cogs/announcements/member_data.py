"""What the announcements keep about a server and its members: counts for the stats, and the
one personal field a member may ask to have forgotten (who created an announcement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from bot.guild_counts import GuildCounts, with_prefix
from bot.sql import affected_rows
from cogs.announcements.models import Announcement, Status

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import ForgetReport


class AnnouncementMemberData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._counts = GuildCounts(sessions)

    async def stats(self, guild_id: int) -> dict[str, int]:
        # Kept by the database as rows change (announcements_0003), not counted here.
        counts = with_prefix(await self._counts.of(guild_id), "announcements.")
        return {
            "active announcements": counts.get(Status.ACTIVE, 0),
            "paused announcements": counts.get(Status.PAUSED, 0),
        }

    async def forget(self, guild_id: int, user_id: int) -> ForgetReport:
        """Announcements belong to the server; only who created them is personal."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Announcement)
                .where(
                    Announcement.guild_id == guild_id,
                    Announcement.created_by == user_id,
                )
                .values(created_by=None)
            )
        changed = affected_rows(result)
        return {"announcements anonymised": changed} if changed else {}
