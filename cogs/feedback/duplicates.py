"""Likely duplicates at intake: the new item's title and endpoint against a guild's open items.

Scoring: rapidfuzz's `token_set_ratio` on normalised titles (word order and extra words matter
little: "jobs list returns 500" ≈ "500 when listing jobs"), plus a bonus when the endpoint is the
same (same path, more for the same method too). Only items whose score clears a cutoff are
offered, best first. A guild's open items are kept in memory (titles pre-processed once) and
rebuilt after any change, so a check is one rapidfuzz pass over C-level strings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

# Title similarity (0–100) needed on its own, and with the same path.
TITLE_ONLY_CUTOFF = 82.0
SAME_PATH_CUTOFF = 55.0
SAME_PATH_BONUS = 10.0
SAME_METHOD_BONUS = 5.0
MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class OpenItem:
    id: int
    number: int
    method: str
    path: str
    title: str


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    id: int
    number: int
    method: str
    path: str
    title: str
    score: float


@dataclass(slots=True)
class GuildOpenIndex:
    """One guild's open items, ready for matching."""

    items: list[OpenItem]
    loaded_at: float = field(default_factory=time.monotonic)
    processed_titles: list[str] = field(default_factory=list)
    by_path: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.processed_titles = [utils.default_process(item.title) for item in self.items]
        for position, item in enumerate(self.items):
            self.by_path.setdefault(item.path, []).append(position)

    def find(
        self, method: str, path: str, title: str, *, limit: int = MAX_SUGGESTIONS
    ) -> list[DuplicateCandidate]:
        query = utils.default_process(title)
        if not query or not self.items:
            return []
        scores: dict[int, float] = {}
        # Same path: a lower title bar, scored over that (small) slice only.
        same_path = self.by_path.get(path, [])
        if same_path:
            titles = {position: self.processed_titles[position] for position in same_path}
            for _, score, position in process.extract(
                query,
                titles,
                scorer=fuzz.token_set_ratio,
                processor=None,
                score_cutoff=SAME_PATH_CUTOFF,
                limit=None,
            ):
                bonus = SAME_PATH_BONUS
                if self.items[position].method == method:
                    bonus += SAME_METHOD_BONUS
                scores[position] = score + bonus
        # Anywhere in the guild: only titles that are close on their own.
        for _, score, position in process.extract(
            query,
            self.processed_titles,
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=TITLE_ONLY_CUTOFF,
            limit=limit * 4,
        ):
            scores[position] = max(scores.get(position, 0.0), score)
        best = sorted(scores.items(), key=lambda pair: (-pair[1], -self.items[pair[0]].number))
        return [self._candidate(position, score) for position, score in best[:limit]]

    def _candidate(self, position: int, score: float) -> DuplicateCandidate:
        item = self.items[position]
        return DuplicateCandidate(
            item.id, item.number, item.method, item.path, item.title, round(score, 1)
        )
