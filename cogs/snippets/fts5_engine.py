"""Snippet search on SQLite: an FTS5 table (see fts5_query.py for how text and queries are shaped).

Filters are inside the MATCH; only the newest RANK_CANDIDATES matches are ranked. bm25() is exact
when its up-front counts are small (small guilds, rare words); past a budget, the newest matches
are scored by ranking.py instead, because those counts alone would take tens of ms.
The index is written in the same transaction as the snippet, so it can never drift from the table.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import TextClause, text

from cogs.snippets import fts5_query as fts
from cogs.snippets import ranking
from cogs.snippets.rules import IDF_SCAN_BUDGET, PAGE_SIZE
from cogs.snippets.summaries import (
    SUMMARY_COLUMNS,
    paged,
    summaries_by_id,
    summary_from_row,
    with_score,
)

if TYPE_CHECKING:
    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

    from cogs.snippets.models import Snippet
    from cogs.snippets.records import PageCursor, SnippetPage
    from cogs.snippets.summaries import Reader

# The approximate ranking scores this many of the newest matches (in Python, so fewer).
APPROXIMATE_CANDIDATES: Final = 500
DOC_FREQUENCY_TTL: Final = 300.0

# How a snippet enters the search index (written here once for a share, an edit and a rebuild).
_SQLITE_INDEX_INSERT = text(
    "INSERT INTO snippets_fts(rowid, title, description, tags, code, parts, filters) "
    "VALUES (:id, :title, :description, :tags, :code, :parts, :filters)"
)


class Fts5SearchEngine:
    def __init__(
        self, engine: AsyncEngine, *, rank_candidates: int | None, idf_budget: int | None
    ) -> None:
        self._engine = engine
        self.rank_candidates = rank_candidates
        # None: always exact bm25 (the benchmark's reference).
        self.idf_budget = idf_budget
        # phrase → (when counted, rows counted up to the budget, estimated rows in the index)
        self._doc_frequency: dict[str, tuple[float, int, float]] = {}

    def _read(self) -> AsyncConnection:
        return self._engine.connect()

    async def find(
        self,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> SnippetPage:
        match = fts.match_expression(guild_id, parsed, filters)
        async with self._read() as connection:
            if parsed.empty:
                return await self._fts_newest(connection, match, cursor)
            if self.idf_budget is None or await self._idf_scan_is_cheap(
                connection, fts.phrase_expressions(guild_id, parsed, filters)
            ):
                return await self._fts_ranked(connection, match, cursor)
            return await self._approximately_ranked(connection, guild_id, parsed, filters, cursor)

    async def _idf_scan_is_cheap(self, connection: Reader, phrases: list[str]) -> bool:
        """Whether bm25's up-front count of every phrase's rows stays within the budget."""
        assert self.idf_budget is not None
        rows = 0
        for phrase in phrases:
            rows += (await self._phrase_rows(connection, phrase))[0]
            if rows > self.idf_budget:
                return False
        return True

    async def _phrase_rows(self, connection: Reader, phrase: str) -> tuple[int, float]:
        """(rows counted, capped at the budget; estimated rows in the whole index).

        Counting stops at the budget; past it, the share of the newest ids that match tells
        how common the phrase is. Cached: document frequencies move slowly.
        """
        cap = (self.idf_budget or IDF_SCAN_BUDGET) + 1
        cached = self._doc_frequency.get(phrase)
        now = time.monotonic()
        if cached is not None and now - cached[0] < DOC_FREQUENCY_TTL:
            return cached[1], cached[2]
        counted, oldest = (
            await connection.execute(
                text(
                    "SELECT count(*), min(rowid) FROM (SELECT rowid FROM snippets_fts "
                    "WHERE snippets_fts MATCH :m ORDER BY rowid DESC LIMIT :cap)"
                ),
                {"m": phrase, "cap": cap},
            )
        ).one()
        counted = int(counted)
        estimate = float(counted)
        if counted >= cap:
            newest = int(await connection.scalar(text("SELECT max(id) FROM snippets")) or 0)
            total = await self._total_rows(connection)
            estimate = min(float(total), counted * total / max(1, newest - int(oldest) + 1))
        self._doc_frequency[phrase] = (now, counted, estimate)
        return counted, estimate

    async def _total_rows(self, connection: Reader) -> int:
        cached = self._doc_frequency.get("")
        now = time.monotonic()
        if cached is not None and now - cached[0] < DOC_FREQUENCY_TTL:
            return cached[1]
        total = int(await connection.scalar(text("SELECT count(*) FROM snippets")) or 0)
        self._doc_frequency[""] = (now, total, float(total))
        return total

    async def _approximately_ranked(
        self,
        connection: Reader,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> SnippetPage:
        """The newest matches, scored by ranking.score (see there for why and how)."""
        match = fts.match_expression(guild_id, parsed, filters)
        rows = await connection.execute(
            text(
                "SELECT s.id, s.title, coalesce(s.description, ''), s.tags, s.code FROM ("
                "  SELECT rowid AS id FROM snippets_fts WHERE snippets_fts MATCH :match"
                "  ORDER BY rowid DESC LIMIT :candidates"
                ") AS c JOIN snippets s ON s.id = c.id"
            ),
            {"match": match, "candidates": APPROXIMATE_CANDIDATES},
        )
        candidates = [ranking.Candidate(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
        total = await self._total_rows(connection)
        idfs = []
        for term in parsed.terms:
            frequencies = [
                (await self._phrase_rows(connection, f"{fts.TEXT_COLUMNS} : {phrase}"))[1]
                for phrase in term.phrases()
            ]
            idfs.append(ranking.idf(total, max(frequencies)))
        scores = ranking.score(parsed, idfs, candidates)
        # Lower is better, as with bm25, so the cursor works the same way in both paths.
        ordered = sorted(
            ((-score, snippet_id) for snippet_id, score in scores.items()),
            key=lambda pair: (pair[0], -pair[1]),
        )
        if cursor is not None:
            ordered = [
                (key, snippet_id)
                for key, snippet_id in ordered
                if key > cursor[0] or (key == cursor[0] and snippet_id < cursor[1])
            ]
        page = ordered[: PAGE_SIZE + 1]
        summaries = await summaries_by_id(connection, [snippet_id for _, snippet_id in page])
        items = [with_score(summaries[i], key) for key, i in page if i in summaries]
        return paged(items, order="ranked")

    async def _fts_newest(
        self, session: Reader, match: str, cursor: PageCursor | None
    ) -> SnippetPage:
        params: dict[str, Any] = {"match": match, "limit": PAGE_SIZE + 1}
        keyset = ""
        if cursor is not None:
            keyset = "AND rowid < :last"
            params["last"] = cursor[1]
        sql = (
            f"SELECT {SUMMARY_COLUMNS}, 0.0 AS score FROM ("
            f"  SELECT rowid AS id FROM snippets_fts WHERE snippets_fts MATCH :match {keyset}"
            "   ORDER BY rowid DESC LIMIT :limit"
            ") AS m JOIN snippets s ON s.id = m.id ORDER BY s.id DESC"
        )
        rows = (await session.execute(text(sql), params)).all()
        return paged([summary_from_row(row) for row in rows], order="newest")

    async def _fts_ranked(
        self, session: Reader, match: str, cursor: PageCursor | None
    ) -> SnippetPage:
        weights = ", ".join(str(weight) for weight in fts.BM25_WEIGHTS)
        params: dict[str, Any] = {"match": match, "limit": PAGE_SIZE + 1}
        bound = ""
        if self.rank_candidates is not None:
            # The newest N matches, in index order (cheap), are the only ones scored.
            bound = "ORDER BY rowid DESC LIMIT :candidates"
            params["candidates"] = self.rank_candidates
        keyset = ""
        if cursor is not None:
            keyset = "WHERE c.score > :score OR (c.score = :score AND c.id < :last)"
            params.update(score=cursor[0], last=cursor[1])
        sql = (
            f"SELECT {SUMMARY_COLUMNS}, c.score AS score FROM ("
            f"  SELECT rowid AS id, bm25(snippets_fts, {weights}) AS score FROM snippets_fts"
            f"  WHERE snippets_fts MATCH :match {bound}"
            f") AS c JOIN snippets s ON s.id = c.id {keyset} "
            "ORDER BY c.score, c.id DESC LIMIT :limit"
        )
        rows = (await session.execute(text(sql), params)).all()
        return paged([summary_from_row(row) for row in rows], order="ranked")

    # ---- the index ------------------------------------------------------------------------

    async def index_insert(self, session: AsyncSession, row: Snippet) -> None:
        await session.execute(self.index_statement(), self.index_parameters(row))

    async def insert_in(self, connection: AsyncConnection, row: Snippet | Row[Any]) -> None:
        await connection.execute(self.index_statement(), self.index_parameters(row))

    def committed(self) -> None:
        """Nothing waits for a commit: the database's own index is in the transaction."""

    def index_statement(self) -> TextClause:
        return _SQLITE_INDEX_INSERT

    def index_parameters(self, row: Snippet | Row[Any]) -> dict[str, Any]:
        return {"id": row.id, **_index_params(fts.snippet_index_row(row))}

    async def index_delete(self, session: AsyncSession, row: Snippet) -> None:
        # A contentless FTS5 table forgets a row only when given exactly what was indexed.
        await session.execute(
            text(
                "INSERT INTO snippets_fts(snippets_fts, rowid, title, description, tags, code, "
                "parts, filters) VALUES ('delete', :id, :title, :description, :tags, :code, "
                ":parts, :filters)"
            ),
            {"id": row.id, **_index_params(fts.snippet_index_row(row))},
        )


def _index_params(index: fts.IndexRow) -> dict[str, str]:
    return {
        "title": index.title,
        "description": index.description,
        "tags": index.tags,
        "code": index.code,
        "parts": index.parts,
        "filters": index.filters,
    }
