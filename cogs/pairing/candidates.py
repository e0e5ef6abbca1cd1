"""Who may be paired with whom: each person's short list of best partners, region by region.

At scale the compatibility graph is sparse: each person's best `top_k` partners by reduced weight
(weight minus half the partner's best weight, so lists don't all crowd onto the same popular
people), built with numpy in row blocks, union of both directions; above `region_size` people
the pool is first split by time zone at its widest gaps. Partners from the last `recent_rounds`
rounds are left off those lists, so a maximum-cardinality matching over them is repeat-free
whenever the lists allow one. In a track mode (`pairing.mode`) lists are ranked with half
the track bonus (`_damp_track_bonus`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from cogs.pairing.weights import IntArray, Pool

_EXCLUDED = np.iinfo(np.int64).min // 4
# Up to this many cells (8 bytes each), a region's score matrix is kept between the two passes.
MATRIX_CACHE_CELLS = 8_000_000


def candidate_edges(pool: Pool, members: IntArray) -> tuple[IntArray, IntArray]:
    """Each member's best `top_k` partners among `members` (recent partners left off).

    "Best" is by weight minus the partner's price (see `_prices`). Returns global index
    pairs (a < b), the union of both directions. When top_k covers everyone this is the
    complete graph minus recent partners.
    """
    m = members.size
    k = min(pool.config.top_k, m - 1)
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    # Both passes read the same scores: keep them, unless the region is too big for that.
    cached = list(_score_blocks(pool, members)) if m * m <= MATRIX_CACHE_CELLS else None
    prices = None
    if k < m - 1:
        prices = _prices(cached or _score_blocks(pool, members), m)
    sources: list[IntArray] = []
    targets: list[IntArray] = []
    for start, values in cached or _score_blocks(pool, members):
        if prices is not None:
            ranked = np.where(values > _EXCLUDED, values - prices[None, :], _EXCLUDED)
            if pool.config.mode != "mixed":
                rows = members[start : start + len(values)]
                ranked = _damp_track_bonus(pool, ranked, rows, members)
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


def _damp_track_bonus(pool: Pool, ranked: IntArray, rows: IntArray, members: IntArray) -> IntArray:
    """`ranked` with half the track bonus taken off again, for choosing candidates only.

    With a track mode's full bonus in the ranking, every list holds only the preferred side,
    and whoever that side runs short of (or who has no track) is left with poor partners. In
    the matching LP the scarce side's dual price rises by about half the bonus, which
    `_prices` (half of a best weight) does not see; ranking with half the bonus gives the lists
    that share back, at no cost in edges (docs/facts/pairing-matching.md has the figures). The
    matching itself still uses the full weights.
    """
    bonus = pool.track_bonus(rows[:, None], members[None, :]) // 2
    damped: IntArray = np.where(ranked > _EXCLUDED, ranked - bonus, _EXCLUDED)
    return damped


def _score_blocks(pool: Pool, members: IntArray) -> Iterator[tuple[int, IntArray]]:
    """Scores of `members` against each other, a block of rows at a time."""
    m = members.size
    local_of = np.full(pool.n, -1, dtype=np.int64)
    local_of[members] = np.arange(m)
    block = max(1, 2_000_000 // m)
    for start in range(0, m, block):
        rows = members[start : start + block]
        values = pool.scores(rows[:, None], members[None, :])
        _exclude_recent_and_self(pool, values, rows, local_of, start)
        yield start, values


def _prices(blocks: Iterable[tuple[int, IntArray]], m: int) -> IntArray:
    """Half of each member's best weight: what being chosen by them is worth at most.

    Ranking candidates by w_ij − price_j (a reduced cost, as in the matching LP's dual)
    stops everyone's list from filling up with the same few popular people, who can each
    take only one partner; plain top-k lists lose part of the optimum that way.
    """
    prices = np.zeros(m, dtype=np.int64)
    for start, values in blocks:
        prices[start : start + len(values)] = np.maximum(values.max(axis=1), 0) // 2
    return prices


def _exclude_recent_and_self(
    pool: Pool, values: IntArray, rows: IntArray, local_of: IntArray, start: int
) -> None:
    local_rows = np.arange(rows.size)
    values[local_rows, start + local_rows] = _EXCLUDED
    if pool.hist_rows.size == 0:
        return
    # History entries whose row is one of this block's members.
    row_position = np.full(pool.n, -1, dtype=np.int64)
    row_position[rows] = local_rows
    hit_rows = row_position[pool.hist_rows]
    hit_cols = local_of[pool.hist_cols]
    recent = (pool.hist_ages <= pool.config.recent_rounds) & (hit_rows >= 0) & (hit_cols >= 0)
    values[hit_rows[recent], hit_cols[recent]] = _EXCLUDED
    older = (pool.hist_ages > pool.config.recent_rounds) & (hit_rows >= 0) & (hit_cols >= 0)
    a, b = rows[hit_rows[older]], pool.hist_cols[older]
    values[hit_rows[older], hit_cols[older]] -= pool.penalties(a, b)


def time_zone_regions(pool: Pool, members: IntArray) -> list[IntArray]:
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
