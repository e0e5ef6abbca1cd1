"""How many searches each guild runs a week: one counter row per guild and local week.

A search counts once, when a member asks for it (/snippet search, or the API's list with a
query or a filter, on its first page): turning pages of the same results is not another
search, and the feature's own lookups (the SQL fixture) are not searches at all. Nothing about
who searched or for what is kept.

Searches are counted in memory and written together a few seconds later (and when the feature
stops): a search's answer neither waits on nor competes with a write of its own, and a burst
of searches is one transaction. The counts not yet written are part of every read of them, so
the dashboard never lags; a crash loses at most those seconds of a weekly statistic, never a
member's write.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.dashboard import week_of
from bot.sql import dialect_insert
from cogs.snippets.models import SnippetSearchWeek

if TYPE_CHECKING:
    from datetime import date
    from zoneinfo import ZoneInfo

    from sqlalchemy import Insert
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

log = logging.getLogger(__name__)

# How long counted searches wait in memory before they are written.
WRITE_AFTER_SECONDS = 5.0


class SearchCounts:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, dialect: str
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._dialect = dialect
        self._unwritten: Counter[tuple[int, date]] = Counter()
        self._writing: asyncio.Task[None] | None = None

    def record(self, guild_id: int, zone: ZoneInfo) -> None:
        """One more search in the guild's current week, written within WRITE_AFTER_SECONDS."""
        self._unwritten[(guild_id, week_of(self._clock.now(), zone))] += 1
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write_soon())

    async def _write_soon(self) -> None:
        await asyncio.sleep(WRITE_AFTER_SECONDS)
        try:
            await self.write()
        except Exception:  # kept for the next write; a statistic must not break a search
            log.exception("The weekly search counts could not be written; trying again later")

    async def write(self) -> None:
        """Write the counted searches (an upsert per guild and week: other processes' counts
        add up). On failure they stay counted, for the next write."""
        counts, self._unwritten = self._unwritten, Counter()
        if not counts:
            return
        try:
            async with self._sessions.begin() as session:
                for (guild_id, week), searches in sorted(counts.items()):
                    await session.execute(self._added(guild_id, week, searches))
        except BaseException:
            self._unwritten.update(counts)
            raise

    def _added(self, guild_id: int, week: date, searches: int) -> Insert:
        table = SnippetSearchWeek.__table__
        statement = dialect_insert(self._dialect, table).values(
            guild_id=guild_id, week_start=week, searches=searches
        )
        added: Insert = statement.on_conflict_do_update(
            index_elements=["guild_id", "week_start"],
            set_={"searches": table.c.searches + statement.excluded.searches},
        )
        return added

    async def close(self) -> None:
        """Write what is counted now, instead of after the wait."""
        writing = self._writing
        if writing is not None and not writing.done():
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)
        await self.write()

    async def weekly(self, guild_id: int, first: date, last: date) -> dict[date, int]:
        """The guild's searches by week, for the weeks from `first` to `last` (Mondays),
        with those not written yet."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(SnippetSearchWeek.week_start, SnippetSearchWeek.searches).where(
                    SnippetSearchWeek.guild_id == guild_id,
                    SnippetSearchWeek.week_start >= first,
                    SnippetSearchWeek.week_start <= last,
                )
            )
            weeks = {week: int(count) for week, count in rows.all()}
        for (counted_guild, week), searches in self._unwritten.items():
            if counted_guild == guild_id and first <= week <= last:
                weeks[week] = weeks.get(week, 0) + searches
        return weeks
