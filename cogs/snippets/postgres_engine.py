"""Snippet search on PostgreSQL: a tsvector column with a GIN index, ts_rank over the newest
RANK_CANDIDATES matches.

The vector also holds guild, language, tag and author lexemes (unranked), and the query ANDs
them, so the GIN lookup alone narrows to the guild and filters. The vector is written in the same
transaction as the snippet, so it can never drift from the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause, text

from bot.sql import contains_pattern
from cogs.snippets import fts5_query as fts
from cogs.snippets.rules import PAGE_SIZE
from cogs.snippets.summaries import SUMMARY_COLUMNS, newest_from_table, read_page

if TYPE_CHECKING:
    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

    from cogs.snippets.models import Snippet
    from cogs.snippets.records import PageCursor, SnippetPage


class PostgresSearchEngine:
    def __init__(self, engine: AsyncEngine, *, rank_candidates: int | None) -> None:
        self._engine = engine
        self.rank_candidates = rank_candidates

    async def find(
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
            # Padded with spaces: the tag must match a whole word of the space-separated list.
            params["tag_pattern"] = contains_pattern(f" {filters.tag} ")
        if filters.author_id is not None:
            conditions.append("s.author_id = :author")
            params["author"] = filters.author_id
        where = " AND ".join(conditions)
        if parsed.empty:
            return await newest_from_table(self._engine, where, params, cursor)
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
            f"SELECT {SUMMARY_COLUMNS}, c.score AS score FROM ("
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
        return await read_page(self._engine, sql, params, order="ranked")

    # ---- the index ------------------------------------------------------------------------

    async def index_insert(self, session: AsyncSession, row: Snippet) -> None:
        await session.execute(self.index_statement(), self.index_parameters(row))

    async def insert_in(self, connection: AsyncConnection, row: Snippet | Row[Any]) -> None:
        await connection.execute(self.index_statement(), self.index_parameters(row))

    def committed(self) -> None:
        """Nothing waits for a commit: the database's own index is in the transaction."""

    def index_statement(self) -> TextClause:
        return _POSTGRESQL_INDEX_UPDATE

    def index_parameters(self, row: Snippet | Row[Any]) -> dict[str, Any]:
        index = fts.snippet_index_row(row)
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

    async def index_delete(self, session: AsyncSession, row: Snippet) -> None:
        return  # the vector lives on the row itself


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


# How a snippet enters the search index (written here once for a share, an edit and a rebuild).
_POSTGRESQL_INDEX_UPDATE = text(
    "UPDATE snippets SET search_vector = "
    + postgresql_text_vector(":title", ":description", ":tags", ":code || ' ' || :parts")
    + " || "
    + postgresql_filter_vector(
        "CAST(:guild_id AS bigint)", ":language", ":tag_list", "CAST(:author_id AS bigint)"
    )
    + " WHERE id = :id"
)
