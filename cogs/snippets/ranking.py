"""Approximate bm25 for searches whose exact bm25 would be slow (no database, no Discord).

FTS5's bm25() first counts, over the whole index, the rows of every phrase in the MATCH —
filter tokens included (a guild's token is in every one of its snippets). For a big guild or a
common word that count is most of the query time, and nothing can interrupt it. When the
counts would be large, the service instead takes the newest matching snippets (cheap, in index
order) and scores them here with FTS5's own bm25 formula and column weights: term counts from
the title, description and tags (tokenised as the index does) and from the code (counted as
substrings, the cheap approximation), document frequencies from small, cached, capped counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cogs.snippets.fts5_query import ParsedQuery, Term, tokens

K1: Final = 1.2
B: Final = 0.75
# Code is not tokenised here; its length in tokens is estimated from its characters.
CHARACTERS_PER_CODE_TOKEN: Final = 5.0
# Weights as in fts5_query.BM25_WEIGHTS: title, description, tags; code and parts weigh 1.
FIELD_WEIGHTS: Final = (10.0, 5.0, 2.0)
CODE_WEIGHT: Final = 1.0


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    description: str
    tags: str
    code: str


def idf(total_rows: int, rows_with_term: float) -> float:
    """FTS5's bm25 idf, floored the same way."""
    value = math.log((total_rows - rows_with_term + 0.5) / (rows_with_term + 0.5))
    return max(value, 1e-6)


def _occurrences(term: Term, field_tokens: Sequence[str]) -> int:
    best = 0
    for phrase in term.alternatives:
        if len(phrase) == 1 and not term.prefix:
            hits = field_tokens.count(phrase[0])  # the common case, counted in C
        else:
            hits = sum(
                _matches_at(phrase, term.prefix, field_tokens, start)
                for start in range(len(field_tokens) - len(phrase) + 1)
            )
        best = max(best, hits)
    return best


def _matches_at(phrase: tuple[str, ...], prefix: bool, field: Sequence[str], start: int) -> bool:
    last = len(phrase) - 1
    for offset, token in enumerate(phrase):
        candidate = field[start + offset]
        if offset == last and prefix:
            if not candidate.startswith(token):
                return False
        elif candidate != token:
            return False
    return True


def score(
    query: ParsedQuery, idfs: Sequence[float], candidates: Sequence[Candidate]
) -> dict[int, float]:
    """bm25 scores (higher is better) for candidates that all match every term.

    As in FTS5: per term, the column-weighted count of its occurrences, saturated against the
    row's length (all columns) relative to the average row.
    """
    fields = [[tokens(c.title), tokens(c.description), c.tags.split()] for c in candidates]
    lowered = [c.code.lower() for c in candidates]
    lengths = [
        sum(len(field) for field in row) + len(code) / CHARACTERS_PER_CODE_TOKEN
        for row, code in zip(fields, lowered, strict=True)
    ]
    average = max(1.0, sum(lengths) / max(1, len(lengths)))
    # A one-word term (the usual case) is counted with list.count and str.count, in C.
    simple = [
        term.alternatives[0][0] if len(term.alternatives) == 1 and len(term.alternatives[0]) == 1
        and not term.prefix else None
        for term in query.terms
    ]  # fmt: skip
    scores: dict[int, float] = {}
    for candidate, row, code, length in zip(candidates, fields, lowered, lengths, strict=True):
        norm = K1 * (1 - B + B * length / average)
        title, description, tags = row
        total = 0.0
        for term, word, term_idf in zip(query.terms, simple, idfs, strict=True):
            if word is not None:
                weighted = (
                    FIELD_WEIGHTS[0] * title.count(word)
                    + FIELD_WEIGHTS[1] * description.count(word)
                    + FIELD_WEIGHTS[2] * tags.count(word)
                    + CODE_WEIGHT * code.count(word)
                )
            else:
                weighted = sum(
                    FIELD_WEIGHTS[index] * _occurrences(term, field)
                    for index, field in enumerate(row)
                ) + CODE_WEIGHT * _code_occurrences(term, code)
            # Every candidate matched the term somewhere (perhaps only in identifier parts).
            weighted = max(weighted, CODE_WEIGHT)
            total += term_idf * weighted * (K1 + 1) / (weighted + norm)
        scores[candidate.id] = total
    return scores


def _code_occurrences(term: Term, code: str) -> int:
    best = 0
    for phrase in term.alternatives:
        if len(phrase) == 1:
            best = max(best, code.count(phrase[0]))
    return best
