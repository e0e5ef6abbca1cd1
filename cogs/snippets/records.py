"""Snippets' frozen result types: what the store, the listings and the search engines return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# A page position: (score, id) of the last row shown. Score is bm25 (lower is better), a star
# count, or 0 for newest-first listings.
PageCursor = tuple[float, int]
Period = Literal["all", "month"]


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
    tags: tuple[str, ...] = ()


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
