"""What the snippet search index (Tantivy) holds and what a query becomes there; no database.

One text field, `body`, carries every searchable column, each repeated as many times as its
weight (fts5_query.BM25_WEIGHTS: title 10, description 5, tags 2, code and parts 1). A word's
frequency in `body` is then exactly the weighted frequency FTS5's bm25() sums over the columns,
and one BM25 scorer per word lets Tantivy find the top results with block-max WAND instead of
scoring every match. Copies are separate values of the field, so a phrase never runs from the
end of one copy into the start of the next. The filters (guild, language, tags, author) are
their own untokenised fields, matched with a constant score of 0: they select, never rank.

Words are cut by the index's own analyzer at both ends (query words included), so a query word
is always spelled as the index spells it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Protocol

import tantivy

from cogs.snippets.fts5_query import BM25_WEIGHTS, identifier_parts_text

if TYPE_CHECKING:
    from cogs.snippets.fts5_query import Filters, ParsedQuery, Term

ANALYZER: Final = "nexus_words"
BODY: Final = "body"
# title, description, tags, code, parts: how many copies of each go into `body`.
COPIES: Final = tuple(int(weight) for weight in BM25_WEIGHTS[:5])


def analyzer() -> tantivy.TextAnalyzer:
    """Runs of letters and digits (an underscore separates), lower-cased, accents folded."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # Signed: deleting by a term of an unsigned field does nothing in the Python bindings.
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_integer_field("guild", indexed=True)
    builder.add_integer_field("author", indexed=True)
    builder.add_text_field("language", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("tag", tokenizer_name="raw", index_option="basic")
    builder.add_text_field(BODY, tokenizer_name=ANALYZER, index_option="position")
    return builder.build()


class IndexedSnippet(Protocol):
    """What the index reads of a snippet: an ORM row or a Core row of the snippets table."""

    @property
    def id(self) -> int: ...
    @property
    def guild_id(self) -> int: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def tags(self) -> str: ...
    @property
    def code(self) -> str: ...


def document(row: IndexedSnippet) -> tantivy.Document:
    description = row.description or ""
    tags = row.tags.split() if row.tags else []
    doc = tantivy.Document()
    doc.add_integer("id", row.id)
    doc.add_integer("guild", row.guild_id)
    if row.author_id is not None:
        doc.add_integer("author", row.author_id)
    doc.add_text("language", row.language)
    for tag in tags:
        doc.add_text("tag", tag)
    columns = (
        row.title,
        description,
        " ".join(tags),
        row.code,
        identifier_parts_text(row.title, description, row.code),
    )
    for text, copies in zip(columns, COPIES, strict=True):
        if text:
            for _ in range(copies):
                doc.add_text(BODY, text)
    return doc


class QueryBuilder:
    """Turns a parsed query and its filters into one Tantivy query over an index's schema."""

    def __init__(self, index_schema: tantivy.Schema, words: tantivy.TextAnalyzer) -> None:
        self._schema = index_schema
        self._words = words

    def query(self, guild_id: int, parsed: ParsedQuery, filters: Filters) -> tantivy.Query:
        clauses = [self._filter("guild", guild_id)]
        if filters.language is not None:
            clauses.append(self._filter("language", filters.language))
        if filters.tag is not None:
            clauses.append(self._filter("tag", filters.tag))
        if filters.author_id is not None:
            clauses.append(self._filter("author", filters.author_id))
        clauses.extend((tantivy.Occur.Must, self._term(term)) for term in parsed.terms)
        return tantivy.Query.boolean_query(clauses)

    def _filter(self, field: str, value: int | str) -> tuple[tantivy.Occur, tantivy.Query]:
        match = tantivy.Query.term_query(self._schema, field, value, index_option="basic")
        return tantivy.Occur.Must, tantivy.Query.const_score_query(match, 0.0)

    def _term(self, term: Term) -> tantivy.Query:
        # Each alternative (a word, or a camelCase word's parts as a phrase) scores on its own
        # and a match's score is their sum, as FTS5's bm25 sums its phrases.
        alternatives = [self._phrase(words, term.prefix) for words in term.alternatives]
        if len(alternatives) == 1:
            return alternatives[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])

    def _phrase(self, words: Sequence[str], prefix: bool) -> tantivy.Query:
        analysed: list[str | tuple[int, str]] = [
            token for word in words for token in self._words.analyze(word)
        ]
        if not analysed:
            return tantivy.Query.empty_query()
        if len(analysed) == 1:
            if prefix:
                # Tokens are letters and digits only: nothing in them needs escaping.
                return tantivy.Query.regex_query(self._schema, BODY, f"{analysed[0]!s}.*")
            return tantivy.Query.term_query(self._schema, BODY, analysed[0])
        if prefix:
            return tantivy.Query.phrase_prefix_query(self._schema, BODY, analysed)
        return tantivy.Query.phrase_query(self._schema, BODY, analysed)
