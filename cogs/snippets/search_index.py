"""Rebuilding the snippet search index from the stored snippets.

The index (SQLite's FTS5 table, PostgreSQL's search vectors) lives outside the ORM tables, so
`python -m bot db copy` and a restore move the rows without it; the feature contract's
`rebuild_derived` calls this afterwards. Runs without a bot: only the connection is at hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import SystemClock
from cogs.snippets.parts import build_parts
from cogs.snippets.search_changes import new_generation

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


async def rebuild_search_index(connection: AsyncConnection) -> None:
    sessions = async_sessionmaker(bind=connection, expire_on_commit=False)
    clock = SystemClock()
    parts = build_parts(
        sessions, dialect=connection.dialect.name, clock=clock, ranked_by_tantivy=False
    )
    async with AsyncSession(bind=connection) as session:
        await parts.snippet_search.rebuild_index(session)
        # Every process's Tantivy index is built again from the rows now in the table.
        await new_generation(session, clock.now())
        await session.flush()
