"""Snippets' parts, built on one set of dependencies: the store, the search, the listings, the
autocomplete choices and the member data. Plain ids in, records out.

They are built together because they share the search engine picked for the dialect: the
store and the member data write the index through it, in the snippet's own transaction, and
the search reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cogs.snippets.choices import SnippetChoices
from cogs.snippets.listings import SnippetListings
from cogs.snippets.member_data import SnippetMemberData
from cogs.snippets.rules import IDF_SCAN_BUDGET, RANK_CANDIDATES
from cogs.snippets.search_counts import SearchCounts
from cogs.snippets.search_engine import SearchEngine, SnippetSearch, search_engine_for
from cogs.snippets.search_pruning import ChangeLogPruning
from cogs.snippets.settings import SEARCH_CHANGES_KEPT
from cogs.snippets.store import SnippetStore
from cogs.snippets.tantivy_engine import TantivySearchEngine

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock


@dataclass(frozen=True)
class SnippetParts:
    search_engine: SearchEngine
    store: SnippetStore
    snippet_search: SnippetSearch
    listings: SnippetListings
    choices: SnippetChoices
    member_data: SnippetMemberData
    search_counts: SearchCounts
    change_log: ChangeLogPruning

    def start_search(self) -> None:
        """Open (or build) the search index in the background, ready for the first search."""
        if isinstance(self.search_engine, TantivySearchEngine):
            self.search_engine.index.start()

    async def close_search(self) -> None:
        if isinstance(self.search_engine, TantivySearchEngine):
            await self.search_engine.close()


def build_parts(
    sessions: async_sessionmaker[AsyncSession],
    *,
    dialect: str,
    clock: Clock,
    audit: AuditService | None = None,
    rank_candidates: int | None = RANK_CANDIDATES,
    idf_budget: int | None = IDF_SCAN_BUDGET,
    sqlite_file: Path | None = None,
    ranked_by_tantivy: bool = True,
    search_directory: Path | None = None,
    changes_kept: int = SEARCH_CHANGES_KEPT,
) -> SnippetParts:
    """`search_directory`: where the Tantivy index lives (None: in memory). Without
    `ranked_by_tantivy` the database's own index ranks (a copy's rebuild; the benchmarks).
    `changes_kept`: how many of the newest search changes the log keeps when pruned."""
    engine: AsyncEngine = sessions.kw["bind"]
    # idf_budget None: always exact bm25 (the benchmark's reference).
    search_engine: SearchEngine = search_engine_for(
        dialect, engine, rank_candidates=rank_candidates, idf_budget=idf_budget
    )
    if ranked_by_tantivy:
        search_engine = TantivySearchEngine(engine, search_engine, search_directory)
    return SnippetParts(
        search_engine=search_engine,
        store=SnippetStore(
            sessions, search=search_engine, clock=clock, audit=audit, sqlite_file=sqlite_file
        ),
        snippet_search=SnippetSearch(engine, search_engine),
        listings=SnippetListings(engine, clock=clock),
        choices=SnippetChoices(engine),
        member_data=SnippetMemberData(sessions, search=search_engine),
        search_counts=SearchCounts(sessions, clock, dialect),
        change_log=ChangeLogPruning(engine, clock, changes_kept),
    )
