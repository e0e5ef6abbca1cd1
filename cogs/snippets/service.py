"""Snippets' service for the cog: one object that builds the parts and answers the cog's calls.

Each call is answered by the module whose job it is: the store (share, edit, delete, get,
stars), the listings (mine, top), the search (one API, an engine picked for the dialect), the
choices (autocomplete) and the member data (forget, stats). Plain ids in, records out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.snippets.choices import SnippetChoices
from cogs.snippets.listings import SnippetListings
from cogs.snippets.member_data import SnippetMemberData
from cogs.snippets.rules import IDF_SCAN_BUDGET, RANK_CANDIDATES
from cogs.snippets.search_engine import SnippetSearch, search_engine_for
from cogs.snippets.store import SnippetStore

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock


class SnippetService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        dialect: str,
        clock: Clock,
        audit: AuditService | None = None,
        rank_candidates: int | None = RANK_CANDIDATES,
        idf_budget: int | None = IDF_SCAN_BUDGET,
        sqlite_file: Path | None = None,
    ) -> None:
        engine: AsyncEngine = sessions.kw["bind"]
        # idf_budget None: always exact bm25 (the benchmark's reference).
        self.search_engine = search_engine_for(
            dialect, engine, rank_candidates=rank_candidates, idf_budget=idf_budget
        )
        self.store = SnippetStore(
            sessions, search=self.search_engine, clock=clock, audit=audit, sqlite_file=sqlite_file
        )
        self.snippet_search = SnippetSearch(engine, self.search_engine)
        self.listings = SnippetListings(engine, clock=clock)
        self.choices = SnippetChoices(engine)
        self.member_data = SnippetMemberData(sessions, search=self.search_engine)

        self.close = self.store.close
        self.share = self.store.share
        self.check_rate = self.store.check_rate
        self.record_post = self.store.record_post
        self.edit = self.store.edit
        self.delete = self.store.delete
        self.toggle_star = self.store.toggle_star
        self.get = self.store.get
        self.has_starred = self.store.has_starred
        self.mine = self.listings.mine
        self.top = self.listings.top
        self.search = self.snippet_search.search
        self.rebuild_index = self.snippet_search.rebuild_index
        self.autocomplete = self.choices.autocomplete
        self.tags_in_use = self.choices.tags_in_use
        self.forget = self.member_data.forget
        self.stats = self.member_data.stats
