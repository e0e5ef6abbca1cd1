"""Why a group was matched, in words the group reads in its introduction; why someone was not."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from cogs.pairing.round_model import (
    ALONE,
    LEVELS,
    ODD,
    RECENT,
    TIME_ZONE,
    WORKDAY_HOURS,
    pair_key,
)
from cogs.pairing.weights import Pool


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


def sat_out_reason(pool: Pool, index: int) -> str:
    """The most specific true reason person `index` of `pool` was left out."""
    others = np.array([j for j in range(pool.n) if j != index], dtype=np.int64)
    if others.size == 0:
        return ALONE
    me = np.full(others.size, index, dtype=np.int64)
    if bool(pool.is_recent(me, others).all()):
        return RECENT
    if all(_shared_window(pool, [index, int(j)]) is None for j in others):
        return TIME_ZONE
    return ODD
