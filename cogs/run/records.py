"""A stored run as the rest of the feature sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredRun:
    id: int
    guild_id: int
    user_id: int
    language: str
    code: str
    stdin: str
    snippet_id: int | None
    title: str | None
    output_excerpt: str
