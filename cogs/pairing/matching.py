"""Who pairs with whom: general maximum-weight matching over a compatibility graph.

Pure functions, no database and no Discord, so a round can run in a worker process
(`bot.run_cpu_bound`), be replayed from its logged seed, and be tested by brute force.

How a round is built (facts behind the choices: ../shared/notes/matching.md):

1. Every pair of people gets an integer weight: a base (being paired beats sitting out), shared
   working hours, level (adjacent levels best), a frontend↔backend complement bonus, shared
   topics, a bonus for people who waited or sat out, a tiny seeded tie-breaker, minus a penalty
   for having met before that decays with age.
2. One odd person out is chosen first: the one with the fewest trios so far. They join a pair
   at the end, making the round's only trio.
3. Everyone else is matched with rustworkx's blossom algorithm (a general matching: a
   bipartite assignment on one pool can pair a person with themselves or break symmetry). At
   scale the graph is sparse: each person's best `top_k` partners by reduced weight (weight
   minus half the partner's best weight, so lists don't all crowd onto the same popular
   people), built with numpy in row blocks, union of both directions; above `region_size`
   people the pool is first split by time zone at its widest gaps.
   Partners from the last `recent_rounds` rounds are left off those lists, so with
   `max_cardinality=True` a repeat-free matching is found whenever the lists allow one.
4. Anyone left unmatched by that (rare) is paired on a complete graph with graded penalties.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import rustworkx as rx

IntArray = npt.NDArray[np.int64]

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
TRACKS: tuple[str, ...] = ("backend", "frontend", "fullstack")

# ---- weights (integers: rustworkx's matching takes int weights only) ------------------------
BASE = 100
TZ_POINTS_PER_HOUR = 10
WORKDAY_START_HOUR = 9.0
WORKDAY_HOURS = 8.0
# Indexed by the level difference: adjacent levels learn most from each other.
LEVEL_POINTS = (30, 40, 0)
TOPIC_POINTS = 20
TOPICS_COUNTED = 3
WAIT_POINTS = 10
WAIT_ROUNDS_COUNTED = 6
JITTER_RANGE = 4
JITTER_MASK = JITTER_RANGE - 1  # a power of two, so a mask replaces a slow modulo
# Track codes: 0 unknown, 1 backend, 2 frontend, 3 fullstack.
TRACK_POINTS = np.array(
    [
        [0, 0, 0, 0],
        [0, 0, 40, 20],
        [0, 40, 0, 20],
        [0, 20, 20, 10],
    ],
    dtype=np.int64,
)
# Penalty by how many rounds ago two people last met (index 0: never). The first four are
# heavier than any edge can gain, so an avoidable recent repeat never pays; then it decays,
# staying large enough that someone new usually beats a slightly better old partner (in the
# benchmark, distinct partners per round attended rose from 0.65 to 1.03 at n = 50).
PENALTY_BY_AGE = np.array([0, 1000, 900, 800, 700, 200, 170, 140, 110], dtype=np.int64)
PENALTY_LONG_AGO = 80
# Keeps every edge of the fallback graph positive (it is used with max_cardinality, so a
# constant shift does not change which matching wins).
FALLBACK_SHIFT = int(PENALTY_BY_AGE.max()) + 1

_EXCLUDED = np.iinfo(np.int64).min // 4
# Up to this many cells (8 bytes each), a region's score matrix is kept between the two passes.
MATRIX_CACHE_CELLS = 8_000_000
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Person:
    """One participant as matching sees them."""

    user_id: int
    level: int  # index into LEVELS
    track: str | None
    # UTC offset at the round's time, in hours (DST already applied by the caller).
    utc_offset_hours: float
    topics: frozenset[str] = frozenset()
    trios: int = 0
    # Rounds sat out or waited for; earns a bonus, capped at WAIT_ROUNDS_COUNTED.
    waiting: int = 0


@dataclass(frozen=True)
class MatchConfig:
    top_k: int = 20
    region_size: int = 2500
    recent_rounds: int = 4
    allow_trio: bool = True
    # Up to this many people, a trio that forces a repeat is searched exhaustively.
    exhaustive_trio_max: int = 16
    trio_attempts: int = 3


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]
    weight: int
    reasons: tuple[str, ...]
    shared_topics: tuple[str, ...]
    # Pairs inside the group that met within the last `recent_rounds` rounds.
    repeats: int


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    sat_out: tuple[int, ...]
    seed: int
    total_weight: int
    repeats: int
    trio_member: int | None = None

    @property
    def pairs(self) -> int:
        return sum(1 for group in self.groups if len(group.members) == 2)

    @property
    def trios(self) -> int:
        return sum(1 for group in self.groups if len(group.members) == 3)


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


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
        self.class_points: IntArray = BASE + tz + level_points + TRACK_POINTS[track[:, None], track]

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

    # ---- weights --------------------------------------------------------------------------

    def shared_topic_counts(self, a: IntArray, b: IntArray) -> IntArray:
        shared = np.bitwise_count(self.topic_bits[a] & self.topic_bits[b])
        counts: IntArray = shared.sum(axis=-1, dtype=np.int64)
        return counts

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

    def candidate_edges(self, members: IntArray) -> tuple[IntArray, IntArray]:
        """Each member's best `top_k` partners among `members` (recent partners left off).

        "Best" is by weight minus the partner's price (see `_prices`). Returns global index
        pairs (a < b), the union of both directions. When top_k covers everyone this is the
        complete graph minus recent partners.
        """
        m = members.size
        k = min(self.config.top_k, m - 1)
        if k <= 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        # Both passes read the same scores: keep them, unless the region is too big for that.
        cached = list(self._score_blocks(members)) if m * m <= MATRIX_CACHE_CELLS else None
        prices = None
        if k < m - 1:
            prices = self._prices(cached or self._score_blocks(members), m)
        sources: list[IntArray] = []
        targets: list[IntArray] = []
        for start, values in cached or self._score_blocks(members):
            if prices is not None:
                ranked = np.where(values > _EXCLUDED, values - prices[None, :], _EXCLUDED)
                top = np.argpartition(-ranked, k - 1, axis=1)[:, :k]
            else:
                top = np.broadcast_to(np.arange(m), values.shape)
            picked = np.take_along_axis(values, top, axis=1)
            keep = picked > _EXCLUDED
            row_local = np.broadcast_to(np.arange(start, start + len(values))[:, None], top.shape)
            sources.append(row_local[keep])
            targets.append(top[keep])
        source = np.concatenate(sources)
        target = np.concatenate(targets)
        low, high = np.minimum(source, target), np.maximum(source, target)
        keys = np.unique(low * m + high)
        return members[keys // m], members[keys % m]

    def _score_blocks(self, members: IntArray) -> Iterator[tuple[int, IntArray]]:
        """Scores of `members` against each other, a block of rows at a time."""
        m = members.size
        local_of = np.full(self.n, -1, dtype=np.int64)
        local_of[members] = np.arange(m)
        block = max(1, 2_000_000 // m)
        for start in range(0, m, block):
            rows = members[start : start + block]
            values = self.scores(rows[:, None], members[None, :])
            self._exclude_recent_and_self(values, rows, local_of, start)
            yield start, values

    @staticmethod
    def _prices(blocks: Iterable[tuple[int, IntArray]], m: int) -> IntArray:
        """Half of each member's best weight: what being chosen by them is worth at most.

        Ranking candidates by w_ij − price_j (a reduced cost, as in the matching LP's dual)
        stops everyone's list from filling up with the same few popular people, who can each
        take only one partner; plain top-k lists lose about 0.25 % of the optimum that way.
        """
        prices = np.zeros(m, dtype=np.int64)
        for start, values in blocks:
            prices[start : start + len(values)] = np.maximum(values.max(axis=1), 0) // 2
        return prices

    def _exclude_recent_and_self(
        self, values: IntArray, rows: IntArray, local_of: IntArray, start: int
    ) -> None:
        local_rows = np.arange(rows.size)
        values[local_rows, start + local_rows] = _EXCLUDED
        if self.hist_rows.size == 0:
            return
        # History entries whose row is one of this block's members.
        row_position = np.full(self.n, -1, dtype=np.int64)
        row_position[rows] = local_rows
        hit_rows = row_position[self.hist_rows]
        hit_cols = local_of[self.hist_cols]
        recent = (self.hist_ages <= self.config.recent_rounds) & (hit_rows >= 0) & (hit_cols >= 0)
        values[hit_rows[recent], hit_cols[recent]] = _EXCLUDED
        older = (self.hist_ages > self.config.recent_rounds) & (hit_rows >= 0) & (hit_cols >= 0)
        a, b = rows[hit_rows[older]], self.hist_cols[older]
        values[hit_rows[older], hit_cols[older]] -= self.penalties(a, b)


# ---- matching -------------------------------------------------------------------------------


def hash_seed(seed: int) -> int:
    return int(_mix64(np.array([seed & _MASK64], dtype=np.uint64))[0])


def _blossom(a: IntArray, b: IntArray, weights: IntArray) -> list[tuple[int, int]]:
    """Maximum-cardinality, maximum-weight matching of the graph given as edges (global ids)."""
    if a.size == 0:
        return []
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    local_a, local_b = inverse[: a.size], inverse[a.size :]
    graph: rx.PyGraph[None, int] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from([None] * nodes.size)
    graph.add_edges_from(zip(local_a.tolist(), local_b.tolist(), weights.tolist(), strict=True))
    matched = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    pairs = [pair_key(int(nodes[u]), int(nodes[v])) for u, v in matched]
    return sorted(pairs)


def _regions(pool: Pool, members: IntArray) -> list[IntArray]:
    """Split a large pool into time-zone neighbourhoods of at most `region_size` people.

    People are laid out on the 24-hour circle by the start of their working day. The circle is
    opened at its widest empty stretch, then each too-large stretch is cut at its widest gap
    among the cuts that leave both sides small enough (else in the middle): cuts then fall
    between regions, where the best partners rarely are.
    """
    size = pool.config.region_size
    if members.size <= size:
        return [members]
    order = members[np.lexsort((pool.ids[members], pool.start[members]))]
    starts = pool.start[order]
    wrap_gaps = np.diff(np.append(starts, starts[0] + 24.0))
    opening = int(np.argmax(wrap_gaps)) + 1
    line = np.roll(order, -opening)
    return _bisect(pool, line, size)


def _bisect(pool: Pool, line: IntArray, size: int) -> list[IntArray]:
    if line.size <= size:
        return [line]
    starts = pool.start[line]
    gaps = (np.diff(starts) % 24.0).astype(np.float64)
    cut_at = np.arange(1, line.size)
    allowed = (cut_at >= line.size - size) & (cut_at <= size) if line.size < 2 * size else None
    if allowed is not None and allowed.any():
        candidates = np.where(allowed, gaps, -1.0)
        cut = int(np.argmax(candidates)) + 1
    else:
        cut = line.size // 2
    return _bisect(pool, line[:cut], size) + _bisect(pool, line[cut:], size)


def _pair_up(pool: Pool, members: IntArray) -> tuple[list[tuple[int, int]], list[int]]:
    """Pair `members` (global indices); returns pairs and who is left (one at most)."""
    pairs: list[tuple[int, int]] = []
    for region in _regions(pool, members):
        a, b = pool.candidate_edges(region)
        pairs += _blossom(a, b, pool.weights(a, b))
    matched = {i for pair in pairs for i in pair}
    leftovers = np.array([i for i in members.tolist() if i not in matched], dtype=np.int64)
    if leftovers.size >= 2:
        # Sparsity or recent partners stranded these few: pair them on a complete graph,
        # where meeting again costs its graded penalty.
        low, high = np.triu_indices(leftovers.size, k=1)
        a, b = leftovers[low], leftovers[high]
        pairs += _blossom(a, b, pool.weights(a, b) + FALLBACK_SHIFT)
        matched = {i for pair in pairs for i in pair}
        leftovers = np.array([i for i in leftovers.tolist() if i not in matched], dtype=np.int64)
    return sorted(pairs), leftovers.tolist()


@dataclass(frozen=True)
class _Draft:
    pairs: tuple[tuple[int, int], ...]
    trio: tuple[int, int, int] | None
    sat_out: tuple[int, ...]
    repeats: int
    weight: int


def _draft(
    pool: Pool,
    pairs: Sequence[tuple[int, int]],
    trio: tuple[int, int, int] | None,
    sat_out: Sequence[int],
) -> _Draft:
    links = list(pairs)
    if trio is not None:
        links += list(itertools.combinations(trio, 2))
    a = np.array([x for x, _ in links], dtype=np.int64)
    b = np.array([y for _, y in links], dtype=np.int64)
    repeats = int(pool.is_recent(a, b).sum()) if links else 0
    weight = int(pool.weights(a, b).sum()) if links else 0
    return _Draft(tuple(pairs), trio, tuple(sat_out), repeats, weight)


def _join_trio(pool: Pool, odd: int, pairs: Sequence[tuple[int, int]]) -> int:
    """Which pair the odd person joins: no recent partner if possible, then the pair whose
    members had the fewest trios (so trios spread), then the best fit."""
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    x = np.full(a.size, odd, dtype=np.int64)
    recent = pool.is_recent(x, a).astype(np.int64) + pool.is_recent(x, b)
    fit = pool.weights(x, a) + pool.weights(x, b)
    had_trios = pool.trios[a] + pool.trios[b]
    # lexsort's last key is the primary one.
    return int(np.lexsort((-fit, had_trios, recent))[0])


def _with_trio(pool: Pool, odd: int, rest: IntArray) -> _Draft:
    pairs, _ = _pair_up(pool, rest)
    if not pairs:
        return _draft(pool, [], None, [odd, *rest.tolist()])
    chosen = _join_trio(pool, odd, pairs)
    a, b = pairs[chosen]
    others = pairs[:chosen] + pairs[chosen + 1 :]
    return _draft(pool, others, (odd, a, b), [])


def _forced_trio(pool: Pool, odd: int, rest: IntArray, baseline: _Draft) -> _Draft | None:
    """Small pools: choose the pair the odd person joins first, then match everyone else.

    Tried when `baseline` (match first, join after) repeats a recent partner or seats people
    who already had more trios than needed. Pairs are tried by the trios their members had,
    then by fit; the first arrangement with no recent repeat wins.
    """
    seated = baseline.trio[1:] if baseline.trio is not None else ()
    baseline_cost = sum(int(pool.trios[i]) for i in seated)
    candidates = []
    for a, b in itertools.combinations(rest.tolist(), 2):
        left = np.array([odd, odd, a], dtype=np.int64)
        right = np.array([a, b, b], dtype=np.int64)
        if pool.is_recent(left, right).any():
            continue
        cost = int(pool.trios[a] + pool.trios[b])
        if baseline.repeats == 0 and cost >= baseline_cost:
            continue
        candidates.append((cost, -int(pool.weights(left, right).sum()), a, b))
    for _, _, a, b in sorted(candidates):
        remaining = rest[(rest != a) & (rest != b)]
        pairs, _ = _pair_up(pool, remaining)
        draft = _draft(pool, pairs, (odd, a, b), [])
        if draft.repeats == 0:
            return draft
    return None


def _trio_order(pool: Pool, members: IntArray) -> list[int]:
    """Who should take the trio: fewest trios so far, ties broken by the seed."""
    return [int(members[i]) for i in np.lexsort((pool.node_hash[members], pool.trios[members]))]


def _solve(pool: Pool) -> _Draft:
    everyone = np.arange(pool.n, dtype=np.int64)
    if pool.n % 2 == 0 or not pool.config.allow_trio or pool.n < 3:
        pairs, left = _pair_up(pool, everyone)
        return _draft(pool, pairs, None, left)
    small = pool.n <= pool.config.exhaustive_trio_max
    order = _trio_order(pool, everyone)
    best: _Draft | None = None
    for odd in order if small else order[: pool.config.trio_attempts]:
        rest = everyone[everyone != odd]
        draft = _with_trio(pool, odd, rest)
        if small:
            draft = _forced_trio(pool, odd, rest, draft) or draft
        if draft.repeats == 0:
            return draft
        if best is None or (draft.repeats, -draft.weight) < (best.repeats, -best.weight):
            best = draft
    assert best is not None
    return best


# ---- explanations -----------------------------------------------------------------------------


def _clock(hours: float) -> str:
    minutes = round((hours % 24.0) * 60)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _shared_window(pool: Pool, members: Sequence[int]) -> tuple[float, float] | None:
    """The UTC hours every member's working day shares, as (start, length)."""
    starts = sorted(float(pool.start[i]) for i in members)
    # Try each member's start as the window start; keep the longest common stretch.
    best: tuple[float, float] | None = None
    for anchor in starts:
        ends = [((anchor - s) % 24.0) for s in starts]
        if max(ends) >= WORKDAY_HOURS:
            continue
        length = WORKDAY_HOURS - max(ends)
        if best is None or length > best[1]:
            best = (anchor, length)
    return best


def explain(pool: Pool, members: Sequence[int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reasons a group was matched, and the topics at least two members share."""
    people = [pool.people[i] for i in members]
    counts: dict[str, int] = {}
    for person in people:
        for topic in person.topics:
            counts[topic] = counts.get(topic, 0) + 1
    shared = tuple(sorted(topic for topic, count in counts.items() if count >= 2))
    reasons: list[str] = []
    if shared:
        reasons.append(f"shared topics: {', '.join(shared[:5])}")
    window = _shared_window(pool, members)
    if window is not None and window[1] >= 0.5:
        start, length = window
        reasons.append(
            f"{length:g} h of overlapping working hours "
            f"({_clock(start)}–{_clock(start + length)} UTC)"
        )
    tracks = {person.track for person in people}
    if {"frontend", "backend"} <= tracks:
        reasons.append("complementary tracks: frontend + backend")
    elif "fullstack" in tracks and len(tracks - {None}) > 1:
        reasons.append(f"complementary tracks: {' + '.join(sorted(t for t in tracks if t))}")
    levels = sorted({person.level for person in people})
    if len(levels) == 1:
        reasons.append(f"same level ({LEVELS[levels[0]]})")
    elif levels[-1] - levels[0] == 1:
        reasons.append(f"adjacent levels ({' + '.join(LEVELS[i] for i in levels)})")
    if any(person.waiting > 0 for person in people):
        reasons.append("priority for someone who waited last time")
    ids = [person.user_id for person in people]
    if not any(pair_key(a, b) in pool.history for a, b in itertools.combinations(ids, 2)):
        reasons.append("you have not been paired before")
    return tuple(reasons), shared


# ---- entry points -----------------------------------------------------------------------------


def match_round(
    people: Iterable[Person],
    history: Mapping[tuple[int, int], int],
    seed: int,
    config: MatchConfig | None = None,
) -> RoundPlan:
    """Match one round. `history` maps pair_key(a, b) to how many rounds ago they last met.

    Deterministic: the same people, history, seed and config give the same plan, whatever the
    order of `people`.
    """
    pool = Pool(tuple(people), history, seed, config or MatchConfig())
    if len({p.user_id for p in pool.people}) != pool.n:
        raise ValueError("a person appears twice")
    if pool.n < 2:
        return RoundPlan((), tuple(p.user_id for p in pool.people), seed, 0, 0)
    draft = _solve(pool)
    groups = [(a, b) for a, b in draft.pairs]
    trio_member: int | None = None
    if draft.trio is not None:
        groups.append(tuple(sorted(draft.trio)))  # type: ignore[arg-type]
        trio_member = pool.people[draft.trio[0]].user_id
    built = tuple(sorted(_groups(pool, groups), key=lambda g: g.members))
    return RoundPlan(
        groups=built,
        sat_out=tuple(pool.people[i].user_id for i in draft.sat_out),
        seed=seed,
        total_weight=sum(group.weight for group in built),
        repeats=sum(group.repeats for group in built),
        trio_member=trio_member,
    )


# What crosses the process boundary: (user_id, level, track, utc offset hours, topics, trios,
# waiting). Plain tuples pickle ~40x faster than dataclasses holding frozensets, and pickling
# runs on the bot's event loop.
PersonRow = tuple[int, int, str | None, float, tuple[str, ...], int, int]


def match_round_rows(
    rows: Sequence[PersonRow],
    history: Mapping[tuple[int, int], int],
    seed: int,
    config: MatchConfig | None = None,
) -> RoundPlan:
    """`match_round` for a worker process: people as plain tuples (see PersonRow)."""
    people = [
        Person(user_id, level, track, offset, frozenset(topics), trios, waiting)
        for user_id, level, track, offset, topics, trios, waiting in rows
    ]
    return match_round(people, history, seed, config)


def _groups(pool: Pool, groups: Sequence[Sequence[int]]) -> list[Group]:
    """Groups with weights and repeats computed in one vectorised pass, then explained."""
    owner: list[int] = []
    a: list[int] = []
    b: list[int] = []
    for index, members in enumerate(groups):
        for x, y in itertools.combinations(members, 2):
            owner.append(index)
            a.append(x)
            b.append(y)
    left, right = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
    weights = np.bincount(owner, weights=pool.weights(left, right), minlength=len(groups))
    repeats = np.bincount(owner, weights=pool.is_recent(left, right), minlength=len(groups))
    built = []
    for index, members in enumerate(groups):
        reasons, shared = explain(pool, members)
        built.append(
            Group(
                members=tuple(sorted(pool.people[i].user_id for i in members)),
                weight=int(weights[index]),
                reasons=reasons,
                shared_topics=shared,
                repeats=int(repeats[index]),
            )
        )
    return built


def best_partner(
    person: Person,
    waiting: Sequence[Person],
    history: Mapping[tuple[int, int], int],
    seed: int,
) -> Person | None:
    """For `/pair now`: the best compatible person among those waiting, or None.

    Compatible means levels at most one apart and not partners in the last round. Among them,
    the highest weight wins; `waiting` is in arrival order, so ties go to the longest wait.
    """
    candidates = [
        other
        for other in waiting
        if other.user_id != person.user_id
        and abs(other.level - person.level) <= 1
        and history.get(pair_key(person.user_id, other.user_id), 0) != 1
    ]
    if not candidates:
        return None
    pool = Pool((person, *candidates), history, seed)
    me = np.full(len(candidates), pool.index[person.user_id], dtype=np.int64)
    them = np.array([pool.index[c.user_id] for c in candidates], dtype=np.int64)
    # No seeded tie-breaker here: among equally good partners the earliest arrival wins.
    weights = pool.weights(me, them) - pool.jitter(me, them)
    best = int(np.argmax(weights))
    return candidates[best]


def explain_pair(
    people: Sequence[Person], history: Mapping[tuple[int, int], int], seed: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reasons and shared topics for an already chosen group (used by `/pair now`)."""
    pool = Pool(tuple(people), history, seed)
    return explain(pool, list(range(pool.n)))
