"""The round's one trio: who takes it and which pair they join, then everyone else is paired.

One odd person out is chosen first: the one with the fewest trios so far (ties broken by the
seed). They join a pair at the end; in small pools the pair they join is chosen first when that
avoids a recent repeat or spreads trios better.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cogs.pairing.solver import pair_up
from cogs.pairing.weights import IntArray, Pool


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
    pairs, _ = pair_up(pool, rest)
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
        pairs, _ = pair_up(pool, remaining)
        draft = _draft(pool, pairs, (odd, a, b), [])
        if draft.repeats == 0:
            return draft
    return None


def _trio_order(pool: Pool, members: IntArray) -> list[int]:
    """Who should take the trio: fewest trios so far, ties broken by the seed."""
    return [int(members[i]) for i in np.lexsort((pool.node_hash[members], pool.trios[members]))]


def solve(pool: Pool) -> _Draft:
    everyone = np.arange(pool.n, dtype=np.int64)
    if pool.n % 2 == 0 or not pool.config.allow_trio or pool.n < 3:
        pairs, left = pair_up(pool, everyone)
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
