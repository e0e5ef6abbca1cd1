"""Likely duplicates at intake: the new item's title and endpoint against a guild's open items.

Two passes, both in rapidfuzz's C code:
- the same endpoint (same path shape: `/jobs/42` and `/jobs/{id}` count as one), usually a few
  dozen items: `token_set_ratio` with a low bar, plus a bonus, since the same endpoint already
  makes a duplicate likely ("jobs list returns 500" ≈ "500 when listing jobs");
- the whole guild, titles alone, with a high bar: `ratio` on titles whose words were sorted once
  when the index was built (that is `token_sort_ratio`, without re-tokenising 10,000 titles per
  check), over only the titles whose character counts let them reach the bar
  (title_bounds.py); the few that pass are re-scored with `token_set_ratio` too.
A guild's open items are kept in memory and updated in place as this process changes them;
`open_index.py` reloads them every few minutes to pick up other processes' changes.
"""

from __future__ import annotations

import re
import time
from dataclasses import InitVar, dataclass, field

from cogs.feedback.title_bounds import TitleBounds

# Title similarity (0–100) needed anywhere in the guild, and with the same endpoint.
TITLE_ONLY_CUTOFF = 80.0
SAME_PATH_CUTOFF = 62.0
SAME_PATH_BONUS = 10.0
SAME_METHOD_BONUS = 5.0
MAX_SUGGESTIONS = 3
# Path segments that are values, not names: numbers, UUIDs, hex ids and {templates}.
_VALUE_SEGMENT = re.compile(r"^(\{[^/]*\}|\d+|[0-9a-fA-F-]{16,})$")


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


def path_shape(path: str) -> str:
    """`/api/jobs/42` and `/api/jobs/{jobId}` → `/api/jobs/{}`: one endpoint, two spellings."""
    return "/".join("{}" if _VALUE_SEGMENT.match(s) else s.lower() for s in path.split("/"))


def _sorted_words(processed: str) -> str:
    return " ".join(sorted(processed.split()))


@dataclass(slots=True)
class GuildOpenIndex:
    """One guild's open items, pre-processed for matching, updated in place as items change.

    Closing an item leaves a tombstone (its position is skipped) instead of shifting the lists;
    the service rebuilds the index from the database once tombstones pile up, and every few
    minutes. A rebuild given the `previous` index keeps its items and processed titles where
    an item is unchanged: a guild's thousands of open items are then not made again each time,
    beside the old ones (a step in the process's memory every few minutes, in bench.soak).
    """

    items: list[OpenItem]
    previous: InitVar[GuildOpenIndex | None] = None
    loaded_at: float = field(default_factory=time.monotonic)
    processed: list[str] = field(default_factory=list)
    sorted_titles: list[str] = field(default_factory=list)
    # Per endpoint shape, its open items' processed titles by position (closed ones leave).
    by_shape: dict[str, dict[int, str]] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)  # item id → position
    closed: set[int] = field(default_factory=set)  # positions of items no longer open
    # The sorted titles' character counts, made once the items are in (then kept in step).
    bounds: TitleBounds | None = field(default=None, init=False)

    def __post_init__(self, previous: GuildOpenIndex | None) -> None:
        # rapidfuzz is imported by the first index (a guild's first report), not at start.
        from rapidfuzz.utils import default_process

        items, self.items = self.items, []
        for item in items:
            if item.id in self.positions:
                continue
            position = previous.position_of(item) if previous is not None else None
            if previous is None or position is None:
                self._append(item, default_process(item.title))
            else:
                self._append(
                    previous.items[position],
                    previous.processed[position],
                    previous.sorted_titles[position],
                )
        self.bounds = TitleBounds(self.sorted_titles)

    def add(self, item: OpenItem) -> None:
        from rapidfuzz.utils import default_process

        if item.id not in self.positions:
            self._append(item, default_process(item.title))

    def _append(self, item: OpenItem, processed: str, sorted_title: str | None = None) -> None:
        position = len(self.items)
        self.items.append(item)
        self.processed.append(processed)
        if sorted_title is None:
            sorted_title = _sorted_words(processed)
        self.sorted_titles.append(sorted_title)
        if self.bounds is not None:
            self.bounds.append(sorted_title)
        self.by_shape.setdefault(path_shape(item.path), {})[position] = processed
        self.positions[item.id] = position

    def position_of(self, item: OpenItem) -> int | None:
        """Where this index holds `item` as it is (same id, title and endpoint), if open."""
        position = self.positions.get(item.id)
        return position if position is not None and self.items[position] == item else None

    def remove(self, item_id: int) -> None:
        position = self.positions.pop(item_id, None)
        if position is not None:
            self.closed.add(position)
            self.by_shape[path_shape(self.items[position].path)].pop(position, None)
            # An empty title never matches anything, so the C passes skip it cheaply.
            self.processed[position] = ""
            self.sorted_titles[position] = ""
            if self.bounds is not None:
                self.bounds.clear(position)

    @property
    def needs_rebuild(self) -> bool:
        return len(self.closed) > 1000 and len(self.closed) * 4 > len(self.items)

    @property
    def open_count(self) -> int:
        return len(self.positions)

    def find(
        self, method: str, path: str, title: str, *, limit: int = MAX_SUGGESTIONS
    ) -> list[DuplicateCandidate]:
        from rapidfuzz import fuzz, process, utils

        query = utils.default_process(title)
        if not query or not self.positions:
            return []
        scores: dict[int, float] = {}
        same_path = self.by_shape.get(path_shape(path))
        if same_path:
            for _, score, position in process.extract(
                query,
                same_path,
                scorer=fuzz.token_set_ratio,
                processor=None,
                score_cutoff=SAME_PATH_CUTOFF,
                limit=None,
            ):
                bonus = SAME_PATH_BONUS
                if self.items[position].method == method:
                    bonus += SAME_METHOD_BONUS
                scores[position] = score + bonus
        sorted_query = _sorted_words(query)
        bounds = self.bounds
        reachable = [] if bounds is None else bounds.reaching(sorted_query, TITLE_ONLY_CUTOFF)
        for _, score, position in process.extract(
            sorted_query,
            {position: self.sorted_titles[position] for position in reachable},
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=TITLE_ONLY_CUTOFF,
            limit=limit * 4,
        ):
            if position in self.closed:
                continue
            best = max(score, fuzz.token_set_ratio(query, self.processed[position]))
            scores[position] = max(scores.get(position, 0.0), best)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], -self.items[pair[0]].number))
        return [self._candidate(position, score) for position, score in ranked[:limit]]

    def _candidate(self, position: int, score: float) -> DuplicateCandidate:
        item = self.items[position]
        return DuplicateCandidate(
            item.id, item.number, item.method, item.path, item.title, round(score, 1)
        )
