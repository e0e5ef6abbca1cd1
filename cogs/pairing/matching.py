"""Who pairs with whom: general maximum-weight matching over a compatibility graph.

Pure functions, no database and no Discord, so a round can run in a worker process
(`bot.run_cpu_bound`), be replayed from its logged seed, and be tested by brute force.

How a round is built:

1. Every pair of people gets an integer weight (`weights.py`).
2. One odd person out is chosen first: the one with the fewest trios so far. They join a pair
   at the end, making the round's only trio (`trios.py`).
3. Everyone else is matched with rustworkx's blossom algorithm (`solver.py`) over each person's
   short list of best partners (`candidates.py`), recent partners left off.
4. Anyone left unmatched by that (rare) is paired on a complete graph with graded penalties.
5. Each group is explained in words, and anyone left out is given the reason (`explanations.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from cogs.pairing.explanations import explain, sat_out_reason
from cogs.pairing.round_model import (
    ALONE,
    Group,
    MatchConfig,
    Person,
    PersonRow,
    RoundPlan,
    pair_key,
)
from cogs.pairing.trios import solve
from cogs.pairing.weights import Pool


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
        alone = tuple(p.user_id for p in pool.people)
        return RoundPlan((), alone, seed, 0, 0, sat_out_reasons=(ALONE,) * len(alone))
    draft = solve(pool)
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
        sat_out_reasons=tuple(sat_out_reason(pool, i) for i in draft.sat_out),
    )


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
                cross_track=pool.cross_track(members),
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
