"""Snippets: the rules and the queries, with no Discord in sight.

Plain ids and strings in, frozen dataclasses out. Search goes through one API with two engines,
chosen by the database dialect:
- SQLite: FTS5 (see search.py and ../shared/notes/fts5.md for why it is shaped this way).
  Filters are inside the MATCH; only the newest 2,000 matches are ranked. bm25() is exact when
  its up-front counts are small (small guilds, rare words); past a budget, the newest matches
  are scored by ranking.py instead, because those counts alone would take tens of ms.
- PostgreSQL: a tsvector column with a GIN index, ts_rank over the newest 2,000 matches.
  The vector also holds guild, language, tag and author lexemes (unranked), and the query
  ANDs them, so the GIN lookup alone narrows to the guild and filters.
The index is written by this service in the same transaction as the snippet, so it can never
drift from the table.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db import id_from_text
from bot.errors import NotFoundError, UserFacingError
from cogs.snippets import ranking
from cogs.snippets import search as fts
from cogs.snippets.drafts import TAG_LENGTH_MAX, SnippetDraft
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.point_reads import PointReader

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy.ext.asyncio import (
        AsyncConnection,
        AsyncEngine,
        AsyncSession,
        async_sessionmaker,
    )

    # Reads go through a bare connection: an ORM session costs about as much again as a
    # primary-key query; writes use sessions.
    Reader: TypeAlias = AsyncSession | AsyncConnection

    from bot.audit import AuditService
    from bot.clock import Clock

log = logging.getLogger(__name__)

PAGE_SIZE: Final = 10
# Rank only the newest matches by bm25: bounds the cost of very common words (fts5.md, rule 3).
RANK_CANDIDATES: Final = 2000
# bm25() first counts the rows of every phrase in the MATCH, over the whole index; past this
# many rows (about 6 ms at 1M snippets) the approximate ranking is used instead.
IDF_SCAN_BUDGET: Final = 20_000
# The approximate ranking scores this many of the newest matches (in Python, so fewer).
APPROXIMATE_CANDIDATES: Final = 500
DOC_FREQUENCY_TTL: Final = 300.0
RATE_WINDOW: Final = timedelta(minutes=1)
PREVIEW_CHARS: Final = 400
AUTOCOMPLETE_MAX: Final = 25
AUTOCOMPLETE_SCAN: Final = 2000

# A page position: (score, id) of the last row shown. Score is bm25 (lower is better), a star
# count, or 0 for newest-first listings.
PageCursor = tuple[float, int]
Period = Literal["all", "month"]


class SnippetPermissionError(UserFacingError):
    """Someone tried to change a snippet that isn't theirs."""


class RateLimitedError(UserFacingError):
    def __init__(self, limit: int, wait_seconds: int) -> None:
        super().__init__(
            f"You can share {limit} snippet{'s' if limit != 1 else ''} a minute. "
            f"Try again in {wait_seconds} s."
        )
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class SnippetRecord:
    id: int
    guild_id: int
    author_id: int | None
    title: str
    description: str | None
    language: str
    tags: tuple[str, ...]
    code: str
    star_count: int
    channel_id: int | None
    message_id: int | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class SnippetSummary:
    id: int
    title: str
    language: str
    author_id: int | None
    star_count: int
    preview: str  # the start of the code (first ~400 characters)
    created_at: datetime
    score: float = 0.0


@dataclass(frozen=True)
class SnippetPage:
    items: tuple[SnippetSummary, ...]
    next_cursor: PageCursor | None
    # "ranked" (bm25), "newest" (filters only, or a phrase too common to rank), "stars".
    order: str = "newest"


@dataclass(frozen=True)
class StarResult:
    starred: bool
    star_count: int


@dataclass(frozen=True)
class DeletedSnippet:
    id: int
    title: str
    author_id: int | None
    channel_id: int | None
    message_id: int | None
    by_moderator: bool


@dataclass(frozen=True)
class IdChoice:
    id: int
    title: str


def _record(row: Any) -> SnippetRecord:
    """From an ORM Snippet or a Core row of the snippets table (same attribute names)."""
    return SnippetRecord(
        id=row.id,
        guild_id=row.guild_id,
        author_id=row.author_id,
        title=row.title,
        description=row.description,
        language=row.language,
        tags=tuple(row.tags.split()) if row.tags else (),
        code=row.code,
        star_count=row.star_count,
        channel_id=row.channel_id,
        message_id=row.message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _index_row(row: Snippet) -> fts.IndexRow:
    return fts.index_row(
        guild_id=row.guild_id,
        title=row.title,
        description=row.description,
        tags=row.tags.split() if row.tags else (),
        code=row.code,
        language=row.language,
        author_id=row.author_id,
    )


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of ``now``'s month in ``zone``, in UTC."""
    local = now.astimezone(zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(UTC)


_SUMMARY_COLUMNS: Final = (
    "s.id, s.title, s.language, s.author_id, s.star_count, "
    f"substr(s.code, 1, {PREVIEW_CHARS}) AS preview, s.created_at"
)


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
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        # SQLite only: `get` reads in place instead of through aiosqlite's thread.
        self._point_reader = PointReader(sqlite_file) if sqlite_file is not None else None
        self._dialect = dialect
        self._clock = clock
        self._audit = audit
        self.rank_candidates = rank_candidates
        # None: always exact bm25 (the benchmark's reference).
        self.idf_budget = idf_budget
        # phrase → (when counted, rows counted up to the budget, estimated rows in the index)
        self._doc_frequency: dict[str, tuple[float, int, float]] = {}

    def close(self) -> None:
        if self._point_reader is not None:
            self._point_reader.close()

    def _read(self) -> AsyncConnection:
        return self._engine.connect()

    # ---- writing ------------------------------------------------------------------------

    async def share(
        self, guild_id: int, author_id: int, draft: SnippetDraft, *, shares_per_minute: int
    ) -> SnippetRecord:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await self._check_rate(session, guild_id, author_id, shares_per_minute, now)
            row = Snippet(
                guild_id=guild_id,
                author_id=author_id,
                title=draft.title,
                description=draft.description,
                language=draft.language,
                tags=" ".join(draft.tags),
                code=draft.code,
                star_count=0,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            await self._index_insert(session, row)
            return _record(row)

    async def check_rate(self, guild_id: int, author_id: int, shares_per_minute: int) -> None:
        """Refuse early (before a modal opens) when a share would be over the limit."""
        async with self._read() as session:
            await self._check_rate(
                session, guild_id, author_id, shares_per_minute, self._clock.now()
            )

    async def _check_rate(
        self, session: Reader, guild_id: int, author_id: int, limit: int, now: datetime
    ) -> None:
        window_start = now - RATE_WINDOW
        recent = (
            await session.scalars(
                select(Snippet.created_at)
                .where(
                    Snippet.guild_id == guild_id,
                    Snippet.author_id == author_id,
                    Snippet.created_at > window_start,
                )
                .order_by(Snippet.created_at.desc())
                .limit(limit)
            )
        ).all()
        if len(recent) >= limit:
            # The oldest share inside the window frees a slot when it leaves the window.
            frees_at = recent[-1] + RATE_WINDOW
            wait = max(1, math.ceil((frees_at - now).total_seconds()))
            raise RateLimitedError(limit, wait)

    async def record_post(
        self, guild_id: int, snippet_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where a share was posted, so deleting the snippet can remove the post."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Snippet)
                .where(Snippet.guild_id == guild_id, Snippet.id == snippet_id)
                .values(channel_id=channel_id, message_id=message_id)
            )

    async def edit(
        self,
        guild_id: int,
        snippet_id: int,
        editor_id: int,
        draft: SnippetDraft,
        *,
        is_moderator: bool,
    ) -> SnippetRecord:
        async with self._sessions.begin() as session:
            row = await self._load(session, guild_id, snippet_id)
            self._check_can_change(row, editor_id, is_moderator, "edit")
            await self._index_delete(session, row)
            row.title = draft.title
            row.code = draft.code
            row.language = draft.language
            row.tags = " ".join(draft.tags)
            row.description = draft.description
            row.updated_at = self._clock.now()
            await session.flush()
            await self._index_insert(session, row)
            if row.author_id != editor_id and self._audit is not None:
                await self._audit.record(
                    guild_id,
                    editor_id,
                    "snippet.edit",
                    f"snippet #{row.id}",
                    {"title": row.title, "author_id": row.author_id},
                    session=session,
                )
            return _record(row)

    async def delete(
        self, guild_id: int, snippet_id: int, actor_id: int, *, is_moderator: bool
    ) -> DeletedSnippet:
        async with self._sessions.begin() as session:
            row = await self._load(session, guild_id, snippet_id)
            self._check_can_change(row, actor_id, is_moderator, "delete")
            by_moderator = row.author_id != actor_id
            result = DeletedSnippet(
                id=row.id,
                title=row.title,
                author_id=row.author_id,
                channel_id=row.channel_id,
                message_id=row.message_id,
                by_moderator=by_moderator,
            )
            await self._remove(session, row)
            if by_moderator and self._audit is not None:
                await self._audit.record(
                    guild_id,
                    actor_id,
                    "snippet.delete",
                    f"snippet #{row.id}",
                    {"title": row.title, "author_id": row.author_id},
                    session=session,
                )
            return result

    async def _remove(self, session: AsyncSession, row: Snippet) -> None:
        await self._index_delete(session, row)
        await session.execute(delete(SnippetStar).where(SnippetStar.snippet_id == row.id))
        await session.delete(row)
        await session.flush()

    @staticmethod
    def _check_can_change(row: Snippet, user_id: int, is_moderator: bool, verb: str) -> None:
        if row.author_id != user_id and not is_moderator:
            raise SnippetPermissionError(
                f"Only the author or a moderator can {verb} snippet #{row.id}."
            )

    async def toggle_star(self, guild_id: int, snippet_id: int, user_id: int) -> StarResult:
        async with self._sessions.begin() as session:
            row = await self._load(session, guild_id, snippet_id)
            if row.author_id == user_id:
                raise UserFacingError("You can't star your own snippet.")
            removed = await session.execute(
                delete(SnippetStar).where(
                    SnippetStar.snippet_id == snippet_id, SnippetStar.user_id == user_id
                )
            )
            starred = getattr(removed, "rowcount", 0) == 0
            if starred:
                session.add(
                    SnippetStar(
                        snippet_id=snippet_id,
                        user_id=user_id,
                        guild_id=guild_id,
                        created_at=self._clock.now(),
                    )
                )
                try:
                    await session.flush()
                except IntegrityError:
                    # The same member's other click starred it a moment ago.
                    raise UserFacingError("That click crossed another one; try again.") from None
            # Counted in SQL under the row's write lock: a count read before it and written back
            # from Python lost every star but one when six members starred at the same moment.
            count = await session.scalar(
                update(Snippet)
                .where(Snippet.id == snippet_id)
                .values(star_count=Snippet.star_count + (1 if starred else -1))
                .returning(Snippet.star_count)
            )
            return StarResult(starred, int(count or 0))

    # ---- reading ------------------------------------------------------------------------

    async def get(self, guild_id: int, snippet_id: int) -> SnippetRecord:
        if self._point_reader is not None:
            try:
                found = self._point_reader.snippet(guild_id, snippet_id)
            except sqlite3.Error:
                log.warning("point read of snippet %s failed; using the pool", snippet_id)
            else:
                if found is None:
                    raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
                return _record(SimpleNamespace(**found))
        table = Snippet.__table__
        async with self._read() as connection:
            row = (
                await connection.execute(
                    select(table).where(table.c.guild_id == guild_id, table.c.id == snippet_id)
                )
            ).first()
        if row is None:
            raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
        return _record(row)

    async def has_starred(self, snippet_id: int, user_id: int) -> bool:
        async with self._read() as session:
            found = await session.scalar(
                select(SnippetStar.user_id).where(
                    SnippetStar.snippet_id == snippet_id, SnippetStar.user_id == user_id
                )
            )
        return found is not None

    @staticmethod
    async def _load(session: AsyncSession, guild_id: int, snippet_id: int) -> Snippet:
        row = await session.scalar(
            select(Snippet).where(Snippet.guild_id == guild_id, Snippet.id == snippet_id)
        )
        if row is None:
            raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
        return row

    async def mine(
        self, guild_id: int, author_id: int, cursor: PageCursor | None = None
    ) -> SnippetPage:
        conditions = "s.guild_id = :guild AND s.author_id = :author"
        params: dict[str, Any] = {"guild": guild_id, "author": author_id}
        return await self._newest_from_table(conditions, params, cursor)

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
            f"SELECT {_SUMMARY_COLUMNS}, s.star_count AS score FROM snippets s "
            f"WHERE s.guild_id = :guild AND s.star_count > 0 {keyset} "
            "ORDER BY s.star_count DESC, s.id DESC LIMIT :limit"
        )
        return await self._page(sql, params, order="stars")

    async def _top_since(
        self, guild_id: int, since: datetime, cursor: PageCursor | None
    ) -> SnippetPage:
        async with self._read() as session:
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
            rows = await self._summaries(session, [snippet_id for snippet_id, _ in ranked])
        items = [
            _with_score(rows[snippet_id], float(n))
            for snippet_id, n in ranked
            if snippet_id in rows
        ]
        return _paged(items, order="stars")

    async def _summaries(self, session: Reader, ids: Sequence[int]) -> dict[int, SnippetSummary]:
        if not ids:
            return {}
        result = await session.execute(
            select(
                Snippet.id,
                Snippet.title,
                Snippet.language,
                Snippet.author_id,
                Snippet.star_count,
                func.substr(Snippet.code, 1, PREVIEW_CHARS),
                Snippet.created_at,
            ).where(Snippet.id.in_(list(ids)))
        )
        return {
            int(r[0]): SnippetSummary(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5] or "", r[6])
            for r in result
        }

    async def _newest_from_table(
        self, conditions: str, params: dict[str, Any], cursor: PageCursor | None
    ) -> SnippetPage:
        params = {**params, "limit": PAGE_SIZE + 1}
        if cursor is not None:
            conditions += " AND s.id < :last"
            params["last"] = cursor[1]
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, 0.0 AS score FROM snippets s WHERE {conditions} "
            "ORDER BY s.id DESC LIMIT :limit"
        )
        return await self._page(sql, params, order="newest")

    async def _page(self, sql: str, params: dict[str, Any], *, order: str) -> SnippetPage:
        async with self._read() as session:
            result = await session.execute(text(sql), params)
            rows = result.all()
        items = [_summary_from_row(row) for row in rows]
        return _paged(items, order=order)

    # ---- search -------------------------------------------------------------------------

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
            return await self._newest_from_table("s.guild_id = :guild", {"guild": guild_id}, cursor)
        if self._dialect == "postgresql":
            return await self._search_postgresql(guild_id, parsed, filters, cursor)
        return await self._search_sqlite(guild_id, parsed, filters, cursor)

    # --- SQLite (FTS5) branch ---------------------------------------------------------------

    async def _search_sqlite(
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
        summaries = await self._summaries(connection, [snippet_id for _, snippet_id in page])
        items = [_with_score(summaries[i], key) for key, i in page if i in summaries]
        return _paged(items, order="ranked")

    async def _fts_newest(
        self, session: Reader, match: str, cursor: PageCursor | None
    ) -> SnippetPage:
        params: dict[str, Any] = {"match": match, "limit": PAGE_SIZE + 1}
        keyset = ""
        if cursor is not None:
            keyset = "AND rowid < :last"
            params["last"] = cursor[1]
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, 0.0 AS score FROM ("
            f"  SELECT rowid AS id FROM snippets_fts WHERE snippets_fts MATCH :match {keyset}"
            "   ORDER BY rowid DESC LIMIT :limit"
            ") AS m JOIN snippets s ON s.id = m.id ORDER BY s.id DESC"
        )
        rows = (await session.execute(text(sql), params)).all()
        return _paged([_summary_from_row(row) for row in rows], order="newest")

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
            f"SELECT {_SUMMARY_COLUMNS}, c.score AS score FROM ("
            f"  SELECT rowid AS id, bm25(snippets_fts, {weights}) AS score FROM snippets_fts"
            f"  WHERE snippets_fts MATCH :match {bound}"
            f") AS c JOIN snippets s ON s.id = c.id {keyset} "
            "ORDER BY c.score, c.id DESC LIMIT :limit"
        )
        rows = (await session.execute(text(sql), params)).all()
        return _paged([_summary_from_row(row) for row in rows], order="ranked")

    async def rebuild_index(self, session: AsyncSession) -> int:
        """Index every stored snippet again (after `python -m bot db copy`); returns how many.

        The search index is derived data outside the ORM tables, so a copy moves the rows and
        leaves the index to be rebuilt from them here, REBUILD_BATCH rows per statement (one
        statement a row made a restore of 100,000 snippets take minutes).
        """
        indexed = 0
        batch: list[dict[str, Any]] = []
        result = await session.stream_scalars(select(Snippet).order_by(Snippet.id))
        async for row in result:
            batch.append(self._index_parameters(row))
            if len(batch) == REBUILD_BATCH:
                await session.execute(self._index_statement(), batch)
                indexed += len(batch)
                batch = []
        if batch:
            await session.execute(self._index_statement(), batch)
            indexed += len(batch)
        return indexed

    async def _index_insert(self, session: AsyncSession, row: Snippet) -> None:
        await session.execute(self._index_statement(), self._index_parameters(row))

    def _index_statement(self) -> TextClause:
        if self._dialect == "postgresql":
            return _POSTGRESQL_INDEX_UPDATE
        return _SQLITE_INDEX_INSERT

    def _index_parameters(self, row: Snippet) -> dict[str, Any]:
        index = _index_row(row)
        if self._dialect == "postgresql":
            return {
                "id": row.id,
                "title": index.title,
                "description": index.description,
                "tags": index.tags,
                "code": index.code,
                "parts": index.parts,
                "guild_id": row.guild_id,
                "language": row.language,
                "tag_list": row.tags or "",
                "author_id": row.author_id,
            }
        return {"id": row.id, **_index_params(index)}

    async def _index_delete(self, session: AsyncSession, row: Snippet) -> None:
        if self._dialect == "postgresql":
            return  # the vector lives on the row itself
        # A contentless FTS5 table forgets a row only when given exactly what was indexed.
        await session.execute(
            text(
                "INSERT INTO snippets_fts(snippets_fts, rowid, title, description, tags, code, "
                "parts, filters) VALUES ('delete', :id, :title, :description, :tags, :code, "
                ":parts, :filters)"
            ),
            {"id": row.id, **_index_params(_index_row(row))},
        )

    # --- PostgreSQL (tsvector + GIN) branch -------------------------------------------------

    async def _search_postgresql(
        self,
        guild_id: int,
        parsed: fts.ParsedQuery,
        filters: fts.Filters,
        cursor: PageCursor | None,
    ) -> SnippetPage:
        conditions = ["s.guild_id = :guild"]
        params: dict[str, Any] = {"guild": guild_id, "limit": PAGE_SIZE + 1}
        if filters.language is not None:
            conditions.append("s.language = :language")
            params["language"] = filters.language
        if filters.tag is not None:
            conditions.append("(' ' || s.tags || ' ') LIKE :tag_pattern")
            params["tag_pattern"] = "% " + _escape_like(filters.tag) + " %"
        if filters.author_id is not None:
            conditions.append("s.author_id = :author")
            params["author"] = filters.author_id
        where = " AND ".join(conditions)
        if parsed.empty:
            return await self._newest_from_table(where, params, cursor)
        params["tsquery"] = postgresql_tsquery(parsed)
        # The filters are lexemes of the vector too (as FTS5's `filters` column), so the GIN
        # lookup alone narrows to the guild and filters; the column tests above serve only the
        # query-less listing.
        params["filter_query"] = postgresql_filter_tsquery(guild_id, filters)
        params["candidates"] = self.rank_candidates or 1_000_000_000
        keyset = ""
        if cursor is not None:
            keyset = "WHERE c.score > :score OR (c.score = :score AND c.id < :last)"
            params.update(score=cursor[0], last=cursor[1])
        # Negated so that, as with bm25, a lower score is a better match.
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, c.score AS score FROM ("
            "  SELECT s.id, -ts_rank('{0.1, 0.2, 0.5, 1.0}', s.search_vector,"
            "         to_tsquery('simple', :tsquery)) AS score"
            "  FROM snippets s"
            "  WHERE s.search_vector @@ (to_tsquery('simple', :tsquery)"
            "                            && CAST(:filter_query AS tsquery))"
            # `+ 0` keeps the planner off walking the primary key backwards testing each row:
            # the GIN lookup (guild and filters included) is the narrow path, then a top-N sort.
            "  ORDER BY s.id + 0 DESC LIMIT :candidates"
            f") AS c JOIN snippets s ON s.id = c.id {keyset} "
            "ORDER BY c.score, c.id DESC LIMIT :limit"
        )
        return await self._page(sql, params, order="ranked")

    # ---- autocomplete -------------------------------------------------------------------

    async def autocomplete(
        self, guild_id: int, typed: str, *, author_id: int | None = None
    ) -> list[IdChoice]:
        """Up to 25 snippets for an id option: by id when digits are typed, else by title."""
        typed = typed.strip().lstrip("#")
        conditions = "guild_id = :guild"
        params: dict[str, Any] = {"guild": guild_id, "scan": AUTOCOMPLETE_SCAN}
        if author_id is not None:
            conditions += " AND author_id = :author"
            params["author"] = author_id
        choices: list[IdChoice] = []
        async with self._read() as session:
            typed_id = id_from_text(typed)
            if typed_id is not None:
                params["id"] = typed_id
                exact = await session.execute(
                    text(f"SELECT id, title FROM snippets WHERE {conditions} AND id = :id"),
                    params,
                )
                choices.extend(IdChoice(int(r[0]), r[1]) for r in exact)
            # The newest few thousand titles are scanned: autocomplete wants recent things and
            # must answer within Discord's 3 s whatever the size of the guild.
            params["like"] = "%" + _escape_like(typed.lower()) + "%"
            rows = await session.execute(
                text(
                    f"SELECT id, title FROM (SELECT id, title FROM snippets WHERE {conditions} "
                    "ORDER BY id DESC LIMIT :scan) AS recent "
                    "WHERE lower(title) LIKE :like ESCAPE '\\' "
                    "ORDER BY id DESC LIMIT 25"
                ),
                params,
            )
            seen = {choice.id for choice in choices}
            choices.extend(IdChoice(int(r[0]), r[1]) for r in rows if int(r[0]) not in seen)
        return choices[:AUTOCOMPLETE_MAX]

    async def tags_in_use(self, guild_id: int, typed: str, limit: int = 25) -> list[str]:
        """Tags of recent snippets that contain what was typed (for the tag filter)."""
        typed = typed.strip().lstrip("#").lower()
        async with self._read() as session:
            rows = await session.scalars(
                select(Snippet.tags)
                .where(Snippet.guild_id == guild_id, Snippet.tags != "")
                .order_by(Snippet.id.desc())
                .limit(AUTOCOMPLETE_SCAN)
            )
            found: dict[str, int] = {}
            for tags in rows:
                for tag in tags.split():
                    if typed in tag:
                        found[tag] = found.get(tag, 0) + 1
        return [tag for tag, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]

    # ---- hooks: forget and stats --------------------------------------------------------

    async def forget(self, guild_id: int, user_id: int, mode: str) -> dict[str, int]:
        """Anonymise (keep, author removed) or delete a member's snippets; remove their stars."""
        report: dict[str, int] = {}
        async with self._sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(Snippet).where(
                        Snippet.guild_id == guild_id, Snippet.author_id == user_id
                    )
                )
            ).all()
            for row in rows:
                if mode == "delete":
                    await self._remove(session, row)
                else:
                    await self._index_delete(session, row)
                    row.author_id = None
                    await session.flush()
                    await self._index_insert(session, row)
            if rows:
                key = "snippets deleted" if mode == "delete" else "snippets anonymised"
                report[key] = len(rows)
            starred = (
                await session.scalars(
                    select(SnippetStar.snippet_id).where(
                        SnippetStar.guild_id == guild_id, SnippetStar.user_id == user_id
                    )
                )
            ).all()
            if starred:
                await session.execute(
                    update(Snippet)
                    .where(Snippet.id.in_(list(starred)), Snippet.star_count > 0)
                    .values(star_count=Snippet.star_count - 1)
                )
                await session.execute(
                    delete(SnippetStar).where(
                        SnippetStar.guild_id == guild_id, SnippetStar.user_id == user_id
                    )
                )
                report["snippet stars removed"] = len(starred)
        return report

    async def stats(self, guild_id: int) -> dict[str, int]:
        async with self._read() as session:
            snippets = await session.scalar(
                select(func.count()).select_from(Snippet).where(Snippet.guild_id == guild_id)
            )
            stars = await session.scalar(
                select(func.count())
                .select_from(SnippetStar)
                .where(SnippetStar.guild_id == guild_id)
            )
        return {"snippets": int(snippets or 0), "stars": int(stars or 0)}


def _index_params(index: fts.IndexRow) -> dict[str, str]:
    return {
        "title": index.title,
        "description": index.description,
        "tags": index.tags,
        "code": index.code,
        "parts": index.parts,
        "filters": index.filters,
    }


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def postgresql_text_vector(title: str, description: str, tags: str, code: str) -> str:
    """The ranked part of `search_vector`: the four text weights ts_rank scores (SQL of the
    given SQL expressions; bench/snippets.py builds the same over its staging table)."""
    return (
        f"setweight(to_tsvector('simple', {title}), 'A') || "
        f"setweight(to_tsvector('simple', {description}), 'B') || "
        f"setweight(to_tsvector('simple', {tags}), 'C') || "
        f"setweight(to_tsvector('simple', {code}), 'D')"
    )


def postgresql_filter_vector(guild_id: str, language: str, tags: str, author_id: str) -> str:
    """The filter lexemes of `search_vector` (SQL of the given SQL expressions).

    Each holds a space, which the text parser never leaves inside a lexeme, so no word a user
    writes can equal one (a snippet saying "g 42" indexes "g" and "42"). They have no positions
    and the ranking query never names them, so ts_rank (normalisation 0) scores rows exactly as
    without them. Tags are hex, as on SQLite, so any character in a tag is safe in a tsquery.
    The migration snippets_0002 computes the same for rows that existed before it.
    """
    return (
        "array_to_tsvector(ARRAY['g ' || CAST(" + guild_id + " AS text), 'l ' || " + language + "]"
        " || ARRAY(SELECT 't ' || encode(convert_to(tag, 'UTF8'), 'hex')"
        "          FROM regexp_split_to_table(" + tags + ", '\\s+') AS tag WHERE tag <> '')"
        " || ARRAY(SELECT 'a ' || CAST(author AS text) FROM (SELECT " + author_id + " AS author)"
        "          AS a WHERE author IS NOT NULL))"
    )


def _tsquery_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def postgresql_filter_tsquery(guild_id: int, filters: fts.Filters) -> str:
    """The tsquery (for a plain ::tsquery cast, no parser) every result's filter lexemes match."""
    lexemes = [f"g {guild_id}"]
    if filters.language is not None:
        lexemes.append(f"l {filters.language}")
    if filters.tag is not None:
        lexemes.append("t " + filters.tag.encode().hex())
    if filters.author_id is not None:
        lexemes.append(f"a {filters.author_id}")
    return " & ".join(_tsquery_lexeme(lexeme) for lexeme in lexemes)


def postgresql_tsquery(parsed: fts.ParsedQuery) -> str:
    """A to_tsquery string from parsed terms. Tokens hold only letters and digits, so quoting
    each as a lexeme cannot inject tsquery syntax."""

    def phrase(tokens: Sequence[str], prefix: bool) -> str:
        lexemes = [f"'{token}'" for token in tokens]
        if prefix:
            lexemes[-1] += ":*"
        return " <-> ".join(lexemes)

    terms = []
    for term in parsed.terms:
        alternatives = [phrase(tokens, term.prefix) for tokens in term.alternatives]
        terms.append("(" + " | ".join(f"({alt})" for alt in alternatives) + ")")
    return " & ".join(terms)


def _summary_from_row(row: Any) -> SnippetSummary:
    created = row.created_at
    if isinstance(created, str):
        # Raw SQL on SQLite returns the stored text; the ORM type would have parsed it.
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return SnippetSummary(
        id=int(row.id),
        title=row.title,
        language=row.language,
        author_id=int(row.author_id) if row.author_id is not None else None,
        star_count=int(row.star_count),
        preview=row.preview or "",
        created_at=created,
        score=float(row.score),
    )


def _with_score(summary: SnippetSummary, score: float) -> SnippetSummary:
    return SnippetSummary(
        summary.id,
        summary.title,
        summary.language,
        summary.author_id,
        summary.star_count,
        summary.preview,
        summary.created_at,
        score,
    )


def _paged(items: list[SnippetSummary], *, order: str) -> SnippetPage:
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    cursor = (items[-1].score, items[-1].id) if more and items else None
    return SnippetPage(tuple(items), cursor, order)


# How a snippet enters the search index (written here once for a share, an edit and a rebuild).
_SQLITE_INDEX_INSERT = text(
    "INSERT INTO snippets_fts(rowid, title, description, tags, code, parts, filters) "
    "VALUES (:id, :title, :description, :tags, :code, :parts, :filters)"
)
_POSTGRESQL_INDEX_UPDATE = text(
    "UPDATE snippets SET search_vector = "
    + postgresql_text_vector(":title", ":description", ":tags", ":code || ' ' || :parts")
    + " || "
    + postgresql_filter_vector(
        "CAST(:guild_id AS bigint)", ":language", ":tag_list", "CAST(:author_id AS bigint)"
    )
    + " WHERE id = :id"
)
REBUILD_BATCH = 1000
