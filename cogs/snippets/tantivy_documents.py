"""What the snippet search index (Tantivy) holds and what a query becomes there; no database.

One text field, `body`, carries every searchable column, each repeated as many times as its
weight (fts5_query.BM25_WEIGHTS: title 10, description 5, tags 2, code and parts 1). A word's
frequency in `body` is then exactly the weighted frequency FTS5's bm25() sums over the columns.
Copies are separate values of the field, so a phrase never runs from the end of one copy into
the start of the next.

Every word in `body` is spelled with its guild in front (`123:retry`): a search, always within
one guild, asks for that guild's words only, so no guild filter has to be intersected with the
words. A one-word query is then a single term, for which Tantivy finds the top results with
block-max WAND instead of scoring every match (a filter beside it made it score all of them:
3–4 ms for a word in half a big guild's snippets). A word's document frequency is its guild's.
The other filters (language, tags, author) are their own untokenised fields, matched with a
constant score of 0: they select, never rank.

Words are cut by one analyzer at both ends (query words included), so a query word is always
spelled as the index spells it: the documents are cut here, and the field itself only splits
on the spaces put between the guild's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Protocol

import tantivy

from cogs.snippets.fts5_query import BM25_WEIGHTS, identifier_parts_text

if TYPE_CHECKING:
    from cogs.snippets.fts5_query import Filters, ParsedQuery, Term

# The field's own tokenizer: the words are cut (by `analyzer()`) before they reach it.
ANALYZER: Final = "nexus_scoped_words"
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


def field_analyzer() -> tantivy.TextAnalyzer:
    """`body`'s tokenizer: the guild's words arrive cut and spelled, separated by spaces."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def scoped(guild_id: int, words: Sequence[str]) -> list[str]:
    """The guild's spelling of `words` in the index."""
    return [f"{guild_id}:{word}" for word in words]


def document(row: IndexedSnippet, words: tantivy.TextAnalyzer) -> tantivy.Document:
    """The snippet as the index holds it; `words` is an `analyzer()` (one per thread)."""
    description = row.description or ""
    tags = row.tags.split() if row.tags else []
    doc = tantivy.Document()
    doc.add_integer("id", row.id)
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
            spelled = " ".join(scoped(row.guild_id, words.analyze(text)))
            for _ in range(copies):
                doc.add_text(BODY, spelled)
    return doc


class QueryBuilder:
    """Turns a parsed query and its filters into one Tantivy query over an index's schema."""

    def __init__(self, index_schema: tantivy.Schema, words: tantivy.TextAnalyzer) -> None:
        self._schema = index_schema
        self._words = words

    def query(self, guild_id: int, parsed: ParsedQuery, filters: Filters) -> tantivy.Query:
        words = [self._term(guild_id, term) for term in parsed.terms]
        clauses = []
        if filters.language is not None:
            clauses.append(self._filter("language", filters.language))
        if filters.tag is not None:
            clauses.append(self._filter("tag", filters.tag))
        if filters.author_id is not None:
            clauses.append(self._filter("author", filters.author_id))
        if not clauses and len(words) == 1:
            # Alone, not inside a boolean query: only a bare term is found by block-max WAND.
            return words[0]
        clauses.extend((tantivy.Occur.Must, word) for word in words)
        return tantivy.Query.boolean_query(clauses)

    def _filter(self, field: str, value: int | str) -> tuple[tantivy.Occur, tantivy.Query]:
        match = tantivy.Query.term_query(self._schema, field, value, index_option="basic")
        return tantivy.Occur.Must, tantivy.Query.const_score_query(match, 0.0)

    def _term(self, guild_id: int, term: Term) -> tantivy.Query:
        # Each alternative (a word, or a camelCase word's parts as a phrase) scores on its own
        # and a match's score is their sum, as FTS5's bm25 sums its phrases.
        alternatives = [self._phrase(guild_id, words, term.prefix) for words in term.alternatives]
        if len(alternatives) == 1:
            return alternatives[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])

    def _phrase(self, guild_id: int, words: Sequence[str], prefix: bool) -> tantivy.Query:
        tokens = [str(token) for word in words for token in self._words.analyze(word)]
        analysed: list[str | tuple[int, str]] = [*scoped(guild_id, tokens)]
        if not analysed:
            return tantivy.Query.empty_query()
        if len(analysed) == 1:
            if prefix:
                # Tokens are letters and digits after the guild's digits and a colon: nothing
                # in them needs escaping.
                return tantivy.Query.regex_query(self._schema, BODY, f"{analysed[0]}.*")
            return tantivy.Query.term_query(self._schema, BODY, analysed[0])
        if prefix:
            return tantivy.Query.phrase_prefix_query(self._schema, BODY, analysed)
        return tantivy.Query.phrase_query(self._schema, BODY, analysed)
