"""How good a pair is: one round's people as numpy arrays, and the weight of any pair of them.

Pure, no database and no Discord. Weights are integers because rustworkx's matching takes int
weights only: a base (being paired beats sitting out), shared working hours, level (adjacent
levels best), a track bonus that follows the guild's `pairing.mode`, shared topics, a bonus for
people who waited or sat out, a tiny seeded tie-breaker, minus a penalty for having met before
that decays with age.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cogs.pairing.round_model import (
    TRACKS,
    WORKDAY_HOURS,
    WORKDAY_START_HOUR,
    MatchConfig,
    Person,
)

IntArray = npt.NDArray[np.int64]


# ---- pair weights -------------------------------------------------------------------------------
BASE = 100
TZ_POINTS_PER_HOUR = 10
# Indexed by the level difference: adjacent levels learn most from each other.
LEVEL_POINTS = (30, 40, 0)
TOPIC_POINTS = 20
TOPICS_COUNTED = 3
WAIT_POINTS = 10
WAIT_ROUNDS_COUNTED = 6
JITTER_RANGE = 4
JITTER_MASK = JITTER_RANGE - 1  # a power of two, so a mask replaces a slow modulo
# Track codes: 0 unknown, 1 backend, 2 frontend, 3 fullstack. Points per pair of tracks, by the
# guild's `pairing.mode`. "mixed" is a mild frontend↔backend complement bonus. "cross-track"
# and "same-track" are strong preferences, not filters: their bonus (100) outweighs shared
# topics (60 at most) plus the best level fit (40), so a compatible cross (or same) track pair
# wins over a better-matched other one, yet people still pair across (or within) tracks when
# no such partner is free. Fullstack counts as half of either side.
TRACK_POINTS_BY_MODE: dict[str, IntArray] = {
    "mixed": np.array(
        [[0, 0, 0, 0], [0, 0, 40, 20], [0, 40, 0, 20], [0, 20, 20, 10]], dtype=np.int64
    ),
    "cross-track": np.array(
        [[0, 0, 0, 0], [0, 0, 100, 50], [0, 100, 0, 50], [0, 50, 50, 10]], dtype=np.int64
    ),
    "same-track": np.array(
        [[0, 0, 0, 0], [0, 100, 0, 50], [0, 0, 100, 50], [0, 50, 50, 100]], dtype=np.int64
    ),
}
# Penalty by how many rounds ago two people last met (index 0: never). The first four are
# heavier than any edge can gain, so an avoidable recent repeat never pays; then it decays,
# staying large enough that someone new usually beats a slightly better old partner
# (bench/pairing.py reports distinct partners per round attended).
PENALTY_BY_AGE = np.array([0, 1000, 900, 800, 700, 200, 170, 140, 110], dtype=np.int64)
PENALTY_LONG_AGO = 80
_MASK64 = (1 << 64) - 1


def _mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: a fast, well-spread, reproducible hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = values ^ (values >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        mixed: npt.NDArray[np.uint64] = x ^ (x >> np.uint64(31))
        return mixed


def _track_code(track: str | None) -> int:
    return TRACKS.index(track) + 1 if track in TRACKS else 0


def hash_seed(seed: int) -> int:
    return int(_mix64(np.array([seed & _MASK64], dtype=np.uint64))[0])


@dataclass
class Pool:
    """The people of one round as numpy arrays, indexed 0..n-1 in user-id order."""

    people: tuple[Person, ...]
    history: Mapping[tuple[int, int], int]
    seed: int
    config: MatchConfig = field(default_factory=MatchConfig)

    def __post_init__(self) -> None:
        self.people = tuple(sorted(self.people, key=lambda p: p.user_id))
        people = self.people
        self.n = len(people)
        self.ids = np.array([p.user_id for p in people], dtype=np.uint64)
        self.index = {p.user_id: i for i, p in enumerate(people)}
        self.level = np.array([p.level for p in people], dtype=np.int64)
        self.track = np.array([_track_code(p.track) for p in people], dtype=np.int64)
        self.start = np.array(
            [(WORKDAY_START_HOUR - p.utc_offset_hours) % 24.0 for p in people], dtype=np.float64
        )
        self.wait = np.array(
            [WAIT_POINTS * min(max(p.waiting, 0), WAIT_ROUNDS_COUNTED) for p in people],
            dtype=np.int64,
        )
        self.trios = np.array([p.trios for p in people], dtype=np.int64)
        self._build_class_table()
        self.node_hash = _mix64(self.ids ^ np.uint64(hash_seed(self.seed)))
        self.node_noise = (self.node_hash >> np.uint64(40)).astype(np.int64)
        self.vocabulary = sorted({topic for p in people for topic in p.topics})
        words = max(1, math.ceil(len(self.vocabulary) / 64))
        topic_index = {topic: i for i, topic in enumerate(self.vocabulary)}
        bits = np.zeros((self.n, words), dtype=np.uint64)
        for row, person in enumerate(people):
            for topic in person.topics:
                position = topic_index[topic]
                bits[row, position // 64] |= np.uint64(1 << (position % 64))
        self.topic_bits = bits
        self._load_history()

    def _build_class_table(self) -> None:
        """Time zone, level and track points per pair of profile classes, computed once.

        People sharing a working-day start (to the quarter hour), a level and a track form one
        class; a lookup in this small table replaces per-pair arithmetic on the hot path.
        """
        quarter = np.round(self.start * 4).astype(np.int64) % 96
        keys = quarter * 12 + self.level * 4 + self.track
        classes, self.profile_class = np.unique(keys, return_inverse=True)
        start = (classes // 12) / 4.0
        level = (classes // 4) % 3
        track = classes % 4
        gap = np.abs(start[:, None] - start[None, :])
        gap = np.minimum(gap, 24.0 - gap)
        overlap = np.clip(WORKDAY_HOURS - gap, 0.0, None)
        tz = np.floor(overlap * TZ_POINTS_PER_HOUR + 1e-9).astype(np.int64)
        level_points = np.asarray(LEVEL_POINTS, dtype=np.int64)[
            np.abs(level[:, None] - level[None, :])
        ]
        self.track_points = TRACK_POINTS_BY_MODE[self.config.mode]
        self.class_points: IntArray = (
            BASE + tz + level_points + self.track_points[track[:, None], track]
        )

    def _load_history(self) -> None:
        rows: list[int] = []
        cols: list[int] = []
        ages: list[int] = []
        for (a, b), age in self.history.items():
            i, j = self.index.get(a), self.index.get(b)
            if i is None or j is None or i == j or age < 1:
                continue
            rows += [i, j]
            cols += [j, i]
            ages += [age, age]
        keys = np.array(rows, dtype=np.int64) * self.n + np.array(cols, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.hist_keys = keys[order]
        self.hist_rows = np.array(rows, dtype=np.int64)[order]
        self.hist_cols = np.array(cols, dtype=np.int64)[order]
        self.hist_ages = np.array(ages, dtype=np.int64)[order]

    def shared_topic_counts(self, a: IntArray, b: IntArray) -> IntArray:
        shared = np.bitwise_count(self.topic_bits[a] & self.topic_bits[b])
        counts: IntArray = shared.sum(axis=-1, dtype=np.int64)
        return counts

    def track_bonus(self, a: IntArray, b: IntArray) -> IntArray:
        """The track points in the weight of a with b (a and b broadcast)."""
        bonus: IntArray = self.track_points[self.track[a], self.track[b]]
        return bonus

    def cross_track(self, members: Sequence[int]) -> bool:
        """Whether a group spans two tracks (backend, frontend, fullstack; unknown not counted)."""
        return len({int(self.track[i]) for i in members} - {0}) > 1

    def jitter(self, a: IntArray, b: IntArray) -> IntArray:
        """A per-pair tie-breaker from the seed, symmetric in a and b (0 … JITTER_RANGE-1)."""
        mixed: IntArray = (self.node_noise[a] ^ self.node_noise[b]) & JITTER_MASK
        return mixed

    def scores(self, a: IntArray, b: IntArray) -> IntArray:
        """Weight before any penalty for meeting again; a and b broadcast.

        Index arrays are not broadcast up front: a (rows, 1) by (1, n) call gathers per-person
        values on the small arrays and lets the arithmetic broadcast, which is much cheaper.
        """
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        total = self.class_points[self.profile_class[a], self.profile_class[b]]
        if self.vocabulary:
            shared = self.shared_topic_counts(a, b)
            total = total + np.minimum(shared, TOPICS_COUNTED) * TOPIC_POINTS
        result: IntArray = total + self.wait[a] + self.wait[b] + self.jitter(a, b)
        return result

    def ages(self, a: IntArray, b: IntArray) -> IntArray:
        """Rounds since a and b last met (0: never)."""
        keys = np.asarray(a, dtype=np.int64) * self.n + np.asarray(b, dtype=np.int64)
        if self.hist_keys.size == 0:
            return np.zeros_like(keys)
        position = np.searchsorted(self.hist_keys, keys)
        position = np.minimum(position, self.hist_keys.size - 1)
        found = self.hist_keys[position] == keys
        return np.where(found, self.hist_ages[position], 0)

    def penalties(self, a: IntArray, b: IntArray) -> IntArray:
        ages = self.ages(a, b)
        table = np.where(
            ages < PENALTY_BY_AGE.size,
            PENALTY_BY_AGE[np.minimum(ages, PENALTY_BY_AGE.size - 1)],
            PENALTY_LONG_AGO,
        )
        return table.astype(np.int64)

    def weights(self, a: IntArray, b: IntArray) -> IntArray:
        """The full weight of pairing a with b, penalty for meeting again included."""
        return self.scores(a, b) - self.penalties(a, b)

    def is_recent(self, a: IntArray, b: IntArray) -> npt.NDArray[np.bool_]:
        ages = self.ages(a, b)
        return (ages >= 1) & (ages <= self.config.recent_rounds)

    # ---- candidate graph ------------------------------------------------------------------
