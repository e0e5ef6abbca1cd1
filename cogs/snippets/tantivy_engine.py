"""Ranked snippet search from a Tantivy index, with the database's own index as the fallback.

Why Tantivy: FTS5 and PostgreSQL score every match of a query before they can return the best
ten, so a common word in a large guild cost hundreds of ms, and the fast path had to rank only
the newest matches (a top 10 that agreed with exact bm25 on 41–79 % of results). Tantivy finds
the exact BM25 top 10 with block-max WAND, skipping what cannot make it, on both backends.

The database keeps its own index (FTS5 or the tsvector) too: it answers while the Tantivy
index is (re)built, and lists a filter-only search newest first, which needs no ranking.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from cogs.snippets.rules import PAGE_SIZE
from cogs.snippets.search_changes import RECORD_CHANGE, record_change
from cogs.snippets.summaries import paged, summaries_in_place, with_score
from cogs.snippets.tantivy_index import SearchIndex

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import tantivy
    from sqlalchemy import Row, TextClause
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
    from sqlalchemy.orm import Session

    from cogs.snippets import fts5_query as fts
    from cogs.snippets.models import Snippet
    from cogs.snippets.records import PageCursor, SnippetPage
    from cogs.snippets.search_engine import SearchEngine

# The first fetch for a first page: the page, one more to know there is more, and a few beyond
# it, so that equal scores at the page's end (common among short snippets) rarely need a
# second search to be sure no tie was cut off.
FIRST_FETCH = PAGE_SIZE + 6
# The first fetch for a later page: enough for page 5 of 10 at once.
FIRST_FETCH_AFTER_CURSOR = 64


class TantivySearchEngine:
    def __init__(self, engine: AsyncEngine, database: SearchEngine, directory: Path | None) -> None:
        self._engine = engine
        self._database = database
        self.rank_candidates = database.rank_candidates
        self.index = SearchIndex(engine, directory)

    async def find(
        self,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> SnippetPage:
        page = None if parsed.empty else await self._current_page(guild_id, parsed, filters, cursor)
        if page is None:
            return await self._database.find(guild_id, parsed, filters, cursor)
        summaries = await summaries_in_place(self._engine, [snippet_id for _, snippet_id in page])
        # The key is bm25's sign (lower is better), so cursors read the same on every engine.
        items = [with_score(summaries[i], key) for key, i in page if i in summaries]
        return paged(items, order="ranked")

    async def _current_page(
        self,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> list[tuple[float, int]] | None:
        """The page from an index holding what the table holds; None while it cannot answer.

        The index's check of the change log (a read of the database) runs beside the search
        instead of before it: when the check applied changes, the search runs again on what
        they made; otherwise nothing was written since, and the page stands.
        """
        index = self.index
        searcher = index.searcher
        if searcher is None:  # not open yet: the check opens it (or starts a build)
            if not await index.current():
                return None
            return await self._page(index.queries.query(guild_id, parsed, filters), cursor)
        query = index.queries.query(guild_id, parsed, filters)
        current, page = await asyncio.gather(index.current(), self._page(query, cursor, searcher))
        if not current:
            return None
        if index.searcher is not searcher:
            return await self._page(query, cursor)
        return page

    async def _page(
        self, query: Any, cursor: PageCursor | None, searcher: tantivy.Searcher | None = None
    ) -> list[tuple[float, int]]:
        """(key, id) of the page after `cursor` and one more, ordered by key then newest.

        Tantivy has no "search after", so later pages fetch the best N and skip to the cursor,
        N growing until the page is whole and no tie at its end can have been cut off.
        """
        limit = FIRST_FETCH if cursor is None else FIRST_FETCH_AFTER_CURSOR
        searcher = searcher or self.index.searcher
        while True:
            hits = await top(searcher, query, limit)
            keyed = [(-score, snippet_id) for score, snippet_id in hits]
            after = [hit for hit in keyed if cursor is None or _after(hit, cursor)]
            exhausted = len(hits) < limit
            if exhausted or (len(after) > PAGE_SIZE and keyed[-1][0] > after[PAGE_SIZE - 1][0]):
                return after[: PAGE_SIZE + 1]
            limit *= 4

    # ---- the index ------------------------------------------------------------------------

    async def index_insert(self, session: AsyncSession, row: Snippet) -> None:
        await self._database.index_insert(session, row)
        await self._changed(session, row.id)

    async def index_delete(self, session: AsyncSession, row: Snippet) -> None:
        await self._database.index_delete(session, row)
        await self._changed(session, row.id)

    async def _changed(self, session: AsyncSession, snippet_id: int) -> None:
        await record_change(session, snippet_id)
        flagged = session.info.setdefault("search_changed", [])
        if not flagged:
            # Apply it once the transaction commits, so the next search need not wait.
            flagged.append(True)
            _after_commit(session.sync_session, self.index.changed)

    async def insert_in(self, connection: AsyncConnection, row: Snippet | Row[Any]) -> None:
        await self._database.insert_in(connection, row)
        await connection.execute(RECORD_CHANGE, {"id": row.id})

    def committed(self) -> None:
        self.index.changed()

    def index_statement(self) -> TextClause:
        return self._database.index_statement()

    def index_parameters(self, row: Snippet | Row[Any]) -> dict[str, Any]:
        return self._database.index_parameters(row)

    async def close(self) -> None:
        await self.index.close()


async def top(
    searcher: tantivy.Searcher | None, query: tantivy.Query, limit: int
) -> list[tuple[float, int]]:
    """The best `limit` matches as (score, snippet id), best first, ties by newest."""
    assert searcher is not None
    return await asyncio.to_thread(_top, searcher, query, limit)


def _top(searcher: tantivy.Searcher, query: tantivy.Query, limit: int) -> list[tuple[float, int]]:
    hits = searcher.search(query, limit, count=False).hits
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    scored = [
        (float(score), int(snippet_id or 0))
        for (score, _), snippet_id in zip(hits, ids, strict=True)
    ]
    scored.sort(key=lambda hit: (-hit[0], -hit[1]))
    return scored


def _after(hit: tuple[float, int], cursor: PageCursor) -> bool:
    key, snippet_id = hit
    return key > cursor[0] or (key == cursor[0] and snippet_id < cursor[1])


def _after_commit(session: Session, then: Callable[[], object]) -> None:
    from sqlalchemy import event

    def committed(_: Session) -> None:
        session.info.pop("search_changed", None)
        then()

    def rolled_back(_: Session) -> None:
        session.info.pop("search_changed", None)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_soft_rollback", rolled_back, once=True)
