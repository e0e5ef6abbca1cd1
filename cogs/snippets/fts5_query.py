"""Search text handling, with no database in sight: what goes into the index, and what a user's
query becomes.

The rules:
- User text is always words. It is cut into tokens here and each one is handed to FTS5 as a
  double-quoted string, so operators (`OR`, `NEAR`, `-`, `:`, `^`, brackets, stray quotes) are
  just words and a query can never be an FTS syntax error. The only syntax a user gets is
  `"a phrase"` and a trailing `*` for a prefix of at least 3 characters.
- Filters (guild, language, tags, author) are tokens in their own indexed column with bm25 weight
  0, so they sit inside the MATCH and FTS5 never scores rows the filters would drop.
- unicode61 splits snake_case but not camelCase, so the parts of camelCase identifiers are
  indexed as extra text (`getUserById` → `get user by id`), and a camelCase query word also
  looks for its parts as a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from sqlalchemy import Row

    from cogs.snippets.models import Snippet

MIN_PREFIX_LENGTH: Final = 3
MAX_QUERY_WORDS: Final = 12
# PostgreSQL indexes no word over 2,047 bytes (and refuses one in a tsquery); the same bound on
# SQLite keeps both backends' answers alike.
MAX_WORD_BYTES: Final = 2047
# bm25 weights of the FTS index's columns, in order: title, description, tags, code, parts
# (camelCase pieces) and filters (guild, language and tag tokens, weight 0: they only filter).
BM25_WEIGHTS: Final = (10.0, 5.0, 2.0, 1.0, 1.0, 0.0)
TEXT_COLUMNS: Final = "{title description tags code parts}"

# A token as unicode61 sees it: a run of letters and digits (underscore separates).
_TOKEN: Final = re.compile(r"[^\W_]+")
_IDENTIFIER: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Parts of a camelCase or PascalCase identifier: "HTTPServerError2" → HTTP, Server, Error, 2.
_CAMEL_PART: Final = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_PHRASE: Final = re.compile(r'"([^"]*)"')


class SearchQueryError(UserFacingError):
    """The query asked for something search refuses (a too-short prefix)."""


# --- what the index holds ----------------------------------------------------------------------
def camel_parts(identifier: str) -> list[str]:
    """The lower-cased parts of a camelCase identifier; one part (or none) means not camelCase."""
    return [part.lower() for part in _CAMEL_PART.findall(identifier)]


def identifier_parts_text(*texts: str) -> str:
    """Each distinct camelCase identifier of ``texts`` spelled out as words, one per line.

    Only identifiers unicode61 would keep whole while they hold several words are listed; the
    rest are already searchable by their parts.
    """
    seen: set[str] = set()
    lines: list[str] = []
    for text in texts:
        for identifier in _IDENTIFIER.findall(text):
            if identifier in seen:
                continue
            seen.add(identifier)
            parts = camel_parts(identifier)
            if len(parts) > 1:
                lines.append(" ".join(parts))
    return "\n".join(lines)


def _hex(text: str) -> str:
    return text.encode().hex()


def guild_token(guild_id: int) -> str:
    return f"xg{guild_id}"


def language_token(language: str) -> str:
    return f"xl{language}"


def tag_token(tag: str) -> str:
    # Tags may hold "-", "." or "#", which unicode61 would split; hex keeps each tag one token.
    return f"xt{_hex(tag)}"


def author_token(author_id: int) -> str:
    return f"xa{author_id}"


def filter_tokens(guild_id: int, language: str, tags: Sequence[str], author_id: int | None) -> str:
    tokens = [guild_token(guild_id), language_token(language)]
    tokens.extend(tag_token(tag) for tag in tags)
    if author_id is not None:
        tokens.append(author_token(author_id))
    return " ".join(tokens)


@dataclass(frozen=True)
class IndexRow:
    """The values of one snippet's row in the full-text index, in the index's column order."""

    title: str
    description: str
    tags: str
    code: str
    parts: str
    filters: str

    def values(self) -> tuple[str, str, str, str, str, str]:
        return (self.title, self.description, self.tags, self.code, self.parts, self.filters)


def index_row(
    *,
    guild_id: int,
    title: str,
    description: str | None,
    tags: Sequence[str],
    code: str,
    language: str,
    author_id: int | None,
) -> IndexRow:
    """What to index for a snippet. Deterministic: deleting from a contentless index needs the
    exact values that were inserted, and they are rebuilt from the stored snippet."""
    return IndexRow(
        title=title,
        description=description or "",
        tags=" ".join(tags),
        code=code,
        parts=identifier_parts_text(title, description or "", code),
        filters=filter_tokens(guild_id, language, tags, author_id),
    )


def snippet_index_row(row: Snippet | Row[Any]) -> IndexRow:
    return index_row(
        guild_id=row.guild_id,
        title=row.title,
        description=row.description,
        tags=row.tags.split() if row.tags else (),
        code=row.code,
        language=row.language,
        author_id=row.author_id,
    )


# --- what a query becomes ----------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    """The tokens FTS5 (unicode61, remove_diacritics 2) makes of ``text``, approximately."""
    if not text.isascii():
        folded = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in folded if not unicodedata.combining(char))
    return _TOKEN.findall(text.lower())


def _quote(words: Iterable[str]) -> str:
    # Tokens hold only letters and digits, so no quote can appear inside; doubling is cheap
    # insurance that a string stays a string whatever the tokenizer does.
    return '"' + " ".join(words).replace('"', '""') + '"'


@dataclass(frozen=True)
class Term:
    """One thing a match must contain: alternatives, each a phrase of tokens."""

    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool = False

    def expression(self) -> str:
        rendered = self.phrases()
        return rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")"

    def phrases(self) -> list[str]:
        """Each alternative as an FTS5 phrase (what bm25 counts, one by one, over the index)."""
        star = " *" if self.prefix else ""
        return [_quote(tokens_) + star for tokens_ in self.alternatives]


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)
    # A word longer than any index keeps: nothing can match the query.
    unmatchable: bool = False

    @property
    def empty(self) -> bool:
        return not self.terms

    def expression(self) -> str:
        return " AND ".join(term.expression() for term in self.terms)


def _word_term(word: str) -> Term | None:
    prefix = word.endswith("*")
    word_tokens = tokens(word)
    if not word_tokens:
        return None
    if prefix and len(word_tokens[-1]) < MIN_PREFIX_LENGTH:
        raise SearchQueryError(
            f"A prefix search needs at least {MIN_PREFIX_LENGTH} characters before the `*` "
            "(shorter ones would match almost everything)."
        )
    alternatives: list[tuple[str, ...]] = [tuple(word_tokens)]
    if len(word_tokens) == 1:
        # A camelCase word is stored whole in the code and by its parts in the parts column.
        raw = _TOKEN.findall(word)
        parts = tuple(camel_parts(raw[0])) if raw else ()
        if len(parts) > 1 and (not prefix or len(parts[-1]) >= MIN_PREFIX_LENGTH):
            alternatives.append(parts)
    return Term(tuple(alternatives), prefix=prefix)


def parse_query(text: str) -> ParsedQuery:
    """Turn what a user typed into terms; raises SearchQueryError for a too-short prefix."""
    terms: list[Term] = []
    remainder = text
    for phrase in _PHRASE.findall(text):
        phrase_tokens = tokens(phrase)
        if phrase_tokens:
            terms.append(Term((tuple(phrase_tokens),)))
    remainder = _PHRASE.sub(" ", text).replace('"', " ")
    for word in remainder.split():
        term = _word_term(word)
        if term is not None and term not in terms:
            terms.append(term)
    kept = tuple(terms[:MAX_QUERY_WORDS])
    longest = max(
        (len(token.encode()) for term in kept for phrase in term.alternatives for token in phrase),
        default=0,
    )
    return ParsedQuery(kept, unmatchable=longest > MAX_WORD_BYTES)


@dataclass(frozen=True)
class Filters:
    language: str | None = None
    tag: str | None = None
    author_id: int | None = None

    @property
    def any(self) -> bool:
        return self.language is not None or self.tag is not None or self.author_id is not None


def filter_phrases(guild_id: int, filters: Filters) -> list[str]:
    parts = [f"filters : {guild_token(guild_id)}"]
    if filters.language is not None:
        parts.append(f"filters : {language_token(filters.language)}")
    if filters.tag is not None:
        parts.append(f"filters : {tag_token(filters.tag)}")
    if filters.author_id is not None:
        parts.append(f"filters : {author_token(filters.author_id)}")
    return parts


def phrase_expressions(guild_id: int, query: ParsedQuery, filters: Filters) -> list[str]:
    """Every phrase of the MATCH on its own: bm25 counts the rows of each before scoring."""
    phrases = filter_phrases(guild_id, filters)
    for term in query.terms:
        phrases.extend(f"{TEXT_COLUMNS} : {phrase}" for phrase in term.phrases())
    return phrases


def match_expression(guild_id: int, query: ParsedQuery, filters: Filters) -> str:
    """The whole MATCH string: filter tokens, then the user's terms limited to text columns."""
    parts = filter_phrases(guild_id, filters)
    if not query.empty:
        parts.append(f"{TEXT_COLUMNS} : ({query.expression()})")
    return " AND ".join(parts)
