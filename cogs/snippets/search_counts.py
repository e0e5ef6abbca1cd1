"""How many searches each guild runs a week: one counter row per guild and local week.

A search counts once, when a member asks for it (/snippet search, or the API's list with a
query or a filter, on its first page): turning pages of the same results is not another
search, and the feature's own lookups (the SQL fixture) are not searches at all. Nothing about
who searched or for what is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.dashboard import week_of
from bot.sql import dialect_insert
from cogs.snippets.models import SnippetSearchWeek

if TYPE_CHECKING:
    from datetime import date
    from zoneinfo import ZoneInfo

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock


class SearchCounts:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, dialect: str
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._dialect = dialect

    async def record(self, guild_id: int, zone: ZoneInfo) -> None:
        """One more search in the guild's current week (an upsert: two at once both count)."""
        table = SnippetSearchWeek.__table__
        week = week_of(self._clock.now(), zone)
        statement = (
            dialect_insert(self._dialect, table)
            .values(guild_id=guild_id, week_start=week, searches=1)
            .on_conflict_do_update(
                index_elements=["guild_id", "week_start"],
                set_={"searches": table.c.searches + 1},
            )
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def weekly(self, guild_id: int, first: date, last: date) -> dict[date, int]:
        """The guild's searches by week, for the weeks from `first` to `last` (Mondays)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(SnippetSearchWeek.week_start, SnippetSearchWeek.searches).where(
                    SnippetSearchWeek.guild_id == guild_id,
                    SnippetSearchWeek.week_start >= first,
                    SnippetSearchWeek.week_start <= last,
                )
            )
            return {week: int(count) for week, count in rows.all()}
