"""Snippet search behind one API, with an engine per database: FTS5 on SQLite, tsvector + GIN on
PostgreSQL (fts5_engine.py, postgres_engine.py). The engine is picked once, for the dialect;
the store writes the index through the same engine, in the snippet's own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

from cogs.snippets import fts5_query as fts
from cogs.snippets.drafts import TAG_LENGTH_MAX
from cogs.snippets.fts5_engine import Fts5SearchEngine
from cogs.snippets.models import Snippet
from cogs.snippets.postgres_engine import PostgresSearchEngine
from cogs.snippets.records import SnippetPage
from cogs.snippets.rules import REBUILD_BATCH
from cogs.snippets.summaries import newest_from_table

if TYPE_CHECKING:
    from sqlalchemy import Row, TextClause
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

    from cogs.snippets.records import PageCursor


class SearchEngine(Protocol):
    """Ranked matches and the index that finds them, for one database dialect."""

    # The newest this many matches are ranked; None ranks every match (exact, for reference).
    rank_candidates: int | None

    async def find(
        self,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> SnippetPage:
        """A page of matches: ranked when there are terms, else newest first."""
        ...

    async def index_insert(self, session: AsyncSession, row: Snippet) -> None: ...

    async def index_delete(self, session: AsyncSession, row: Snippet) -> None: ...

    def index_statement(self) -> TextClause: ...

    def index_parameters(self, row: Snippet | Row[Any]) -> dict[str, Any]: ...

    async def insert_in(self, connection: AsyncConnection, row: Snippet | Row[Any]) -> None:
        """`index_insert` on a connection's transaction (Core, bot/in_place_writes.py); the
        caller calls `committed` once it has committed."""
        ...

    def committed(self) -> None:
        """A transaction that wrote the index through `insert_in` committed."""
        ...


def search_engine_for(
    dialect: str, engine: AsyncEngine, *, rank_candidates: int | None, idf_budget: int | None
) -> SearchEngine:
    if dialect == "postgresql":
        return PostgresSearchEngine(engine, rank_candidates=rank_candidates)
    return Fts5SearchEngine(engine, rank_candidates=rank_candidates, idf_budget=idf_budget)


class SnippetSearch:
    """What a user's query and filters find, whichever engine ranks them."""

    def __init__(self, engine: AsyncEngine, search_engine: SearchEngine) -> None:
        self._engine = engine
        self.engine = search_engine

    async def search(
        self,
        guild_id: int,
        query: str | None = None,
        *,
        language: str | None = None,
        tag: str | None = None,
        author_id: int | None = None,
        cursor: PageCursor | None = None,
    ) -> SnippetPage:
        """Ranked full-text search with combinable filters, PAGE_SIZE results a page.

        Raises SearchQueryError for a prefix shorter than 3 characters; any other text is
        searched as words.
        """
        parsed = fts.parse_query(query or "")
        wanted_tag = tag.strip().lstrip("#").lower() if tag else None
        if parsed.unmatchable or (wanted_tag is not None and len(wanted_tag) > TAG_LENGTH_MAX):
            # No stored word or tag is that long (PostgreSQL refuses such a lexeme outright).
            return SnippetPage((), None)
        filters = fts.Filters(language=language, tag=wanted_tag, author_id=author_id)
        if parsed.empty and not filters.any:
            return await newest_from_table(
                self._engine, "s.guild_id = :guild", {"guild": guild_id}, cursor
            )
        return await self.engine.find(guild_id, parsed, filters, cursor)

    async def rebuild_index(self, session: AsyncSession) -> int:
        """Index every stored snippet again (after `python -m bot db copy`); returns how many.

        The search index is derived data outside the ORM tables, so a copy moves the rows and
        leaves the index to be rebuilt from them here, REBUILD_BATCH rows per statement:
        a round trip per row would be most of the rebuild's time on a large index.
        """
        indexed = 0
        batch: list[dict[str, Any]] = []
        result = await session.stream_scalars(select(Snippet).order_by(Snippet.id))
        async for row in result:
            batch.append(self.engine.index_parameters(row))
            if len(batch) == REBUILD_BATCH:
                await session.execute(self.engine.index_statement(), batch)
                indexed += len(batch)
                batch = []
        if batch:
            await session.execute(self.engine.index_statement(), batch)
            indexed += len(batch)
        return indexed
