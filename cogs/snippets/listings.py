"""Pages of snippets without a query: a member's own (newest first) and the most starred."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from cogs.snippets.models import SnippetStar
from cogs.snippets.rules import PAGE_SIZE, month_start
from cogs.snippets.summaries import (
    SUMMARY_COLUMNS,
    newest_from_table,
    paged,
    read_page,
    summaries_by_id,
    with_score,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.clock import Clock
    from cogs.snippets.records import PageCursor, Period, SnippetPage


class SnippetListings:
    def __init__(self, engine: AsyncEngine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def mine(
        self, guild_id: int, author_id: int, cursor: PageCursor | None = None
    ) -> SnippetPage:
        conditions = "s.guild_id = :guild AND s.author_id = :author"
        params: dict[str, Any] = {"guild": guild_id, "author": author_id}
        return await newest_from_table(self._engine, conditions, params, cursor)

    async def top(
        self,
        guild_id: int,
        period: Period = "all",
        cursor: PageCursor | None = None,
        *,
        zone: ZoneInfo | None = None,
    ) -> SnippetPage:
        """Most-starred first (ties: newest first); "month" counts stars given this month."""
        if period == "month":
            since = month_start(self._clock.now(), zone or ZoneInfo("UTC"))
            return await self._top_since(guild_id, since, cursor)
        params: dict[str, Any] = {"guild": guild_id, "limit": PAGE_SIZE + 1}
        keyset = ""
        if cursor is not None:
            keyset = "AND (s.star_count < :stars OR (s.star_count = :stars AND s.id < :last))"
            params.update(stars=int(cursor[0]), last=cursor[1])
        sql = (
            f"SELECT {SUMMARY_COLUMNS}, s.star_count AS score FROM snippets s "
            f"WHERE s.guild_id = :guild AND s.star_count > 0 {keyset} "
            "ORDER BY s.star_count DESC, s.id DESC LIMIT :limit"
        )
        return await read_page(self._engine, sql, params, order="stars")

    async def _top_since(
        self, guild_id: int, since: datetime, cursor: PageCursor | None
    ) -> SnippetPage:
        async with self._engine.connect() as session:
            # Bound parameters of the aware-UTC type, exactly as the ORM stores them.
            counted = (
                select(SnippetStar.snippet_id, func.count().label("n"))
                .where(SnippetStar.guild_id == guild_id, SnippetStar.created_at >= since)
                .group_by(SnippetStar.snippet_id)
            )
            if cursor is not None:
                counted = counted.having(
                    (func.count() < int(cursor[0]))
                    | ((func.count() == int(cursor[0])) & (SnippetStar.snippet_id < cursor[1]))
                )
            counted = counted.order_by(func.count().desc(), SnippetStar.snippet_id.desc()).limit(
                PAGE_SIZE + 1
            )
            ranked = [(int(snippet_id), int(n)) for snippet_id, n in await session.execute(counted)]
            rows = await summaries_by_id(session, [snippet_id for snippet_id, _ in ranked])
        items = [
            with_score(rows[snippet_id], float(n)) for snippet_id, n in ranked if snippet_id in rows
        ]
        return paged(items, order="stars")
