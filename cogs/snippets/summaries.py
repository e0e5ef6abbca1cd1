"""Pages of snippet summaries read with SQL: the columns, one row, keyset pages, newest first.

Shared by every read path that lists snippets (the search engines, a member's own, the most
starred), so a page looks and pages the same whichever path made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import bindparam, func, select, text

from bot.in_place_reads import in_place_reads
from bot.sql import as_utc
from cogs.snippets.models import Snippet
from cogs.snippets.records import PageCursor, SnippetPage, SnippetSummary
from cogs.snippets.rules import PAGE_SIZE, PREVIEW_CHARS

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

    # Reads go through a bare connection: an ORM session costs about as much again as a
    # primary-key query; writes use sessions.
    Reader: TypeAlias = AsyncSession | AsyncConnection

SUMMARY_COLUMNS: Final = (
    "s.id, s.title, s.language, s.author_id, s.star_count, "
    f"substr(s.code, 1, {PREVIEW_CHARS}) AS preview, s.created_at, s.tags"
)


def summary_from_row(row: Any) -> SnippetSummary:
    created = row.created_at
    if isinstance(created, str):
        # Raw SQL on SQLite returns the stored text; the ORM type would have parsed it.
        created = datetime.fromisoformat(created)
    return SnippetSummary(
        id=int(row.id),
        title=row.title,
        language=row.language,
        author_id=int(row.author_id) if row.author_id is not None else None,
        star_count=int(row.star_count),
        preview=row.preview or "",
        created_at=as_utc(created),
        score=float(row.score),
        tags=tags_of(row.tags),
    )


def tags_of(stored: str | None) -> tuple[str, ...]:
    """The tags as the table keeps them: space-separated."""
    return tuple(stored.split()) if stored else ()


def with_score(summary: SnippetSummary, score: float) -> SnippetSummary:
    return SnippetSummary(
        summary.id,
        summary.title,
        summary.language,
        summary.author_id,
        summary.star_count,
        summary.preview,
        summary.created_at,
        score,
        summary.tags,
    )


def paged(items: list[SnippetSummary], *, order: str) -> SnippetPage:
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    cursor = (items[-1].score, items[-1].id) if more and items else None
    return SnippetPage(tuple(items), cursor, order)


# Built once: a statement object caches its own cache key, so each read skips building the
# select and keying it (half of a page's read on SQLite, measured); the ids bind as a list.
SUMMARIES_BY_ID: Final = select(
    Snippet.id,
    Snippet.title,
    Snippet.language,
    Snippet.author_id,
    Snippet.star_count,
    func.substr(Snippet.code, 1, PREVIEW_CHARS),
    Snippet.created_at,
    Snippet.tags,
).where(Snippet.id.in_(bindparam("ids", expanding=True)))


async def summaries_by_id(session: Reader, ids: Sequence[int]) -> dict[int, SnippetSummary]:
    if not ids:
        return {}
    return summaries_of(await session.execute(SUMMARIES_BY_ID, {"ids": list(ids)}))


async def summaries_in_place(engine: AsyncEngine, ids: Sequence[int]) -> dict[int, SnippetSummary]:
    """`summaries_by_id`, read in place on SQLite (bot/in_place_reads.py): ten rows by key."""
    if not ids:
        return {}
    return summaries_of(await in_place_reads(engine).rows(SUMMARIES_BY_ID, {"ids": list(ids)}))


def summaries_of(rows: Iterable[Any]) -> dict[int, SnippetSummary]:
    """Rows of SUMMARIES_BY_ID by snippet id."""
    return {
        int(r[0]): SnippetSummary(
            int(r[0]), r[1], r[2], r[3], int(r[4]), r[5] or "", r[6], tags=tags_of(r[7])
        )
        for r in rows
    }


async def newest_from_table(
    engine: AsyncEngine, conditions: str, params: dict[str, Any], cursor: PageCursor | None
) -> SnippetPage:
    params = {**params, "limit": PAGE_SIZE + 1}
    if cursor is not None:
        conditions += " AND s.id < :last"
        params["last"] = cursor[1]
    sql = (
        f"SELECT {SUMMARY_COLUMNS}, 0.0 AS score FROM snippets s WHERE {conditions} "
        "ORDER BY s.id DESC LIMIT :limit"
    )
    return await read_page(engine, sql, params, order="newest")


async def read_page(
    engine: AsyncEngine, sql: str, params: dict[str, Any], *, order: str
) -> SnippetPage:
    # A page an index bounds: read in place on SQLite.
    rows = await in_place_reads(engine).rows(text(sql), params)
    items = [summary_from_row(row) for row in rows]
    return paged(items, order=order)
