"""Pairing benchmark: 20 rounds for n = 50 … 5,000 learners, Nexus against two baselines.

    .venv/bin/python -m bench.pairing            # the full run (several minutes on 2 cores)
    .venv/bin/python -m bench.pairing --quick    # a small smoke run
    .venv/bin/python -m bench.pairing --per-round
    .venv/bin/python -m bench.pairing --mode cross-track --sizes 1000 5000   # a guild's mode

Methods, on the same people, attendance and weights:
- nexus:   cogs.pairing.matching.match_round (sparse top-k lists, rustworkx blossom, time-zone
           split above 2,500, recent partners left off the lists, one trio for the fewest-trios).
- shuffle: the Recurse Center bot's daily random shuffle (odd one out joins the last pair).
- greedy:  people in random order take the first never-met free partner from their top-20 list;
           whoever finds none sits out.

Per round: time, repeats within 4 rounds, trios and sit-outs; the pair weight against the
optimum: exact (complete graph, rustworkx) for n ≤ 1,000, above that a guaranteed upper bound
(a feasible dual of the matching LP: y_i + y_j ≥ w_ij for every pair, so Σ y bounds every perfect
matching). At the end: distinct partners per person and how trios and sit-outs spread.
Finally (full run): how fast the real bot answers /nexus ping while a 5,000-person round is
computed, with matching in a worker process and, for contrast, inline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import rustworkx as rx

from cogs.pairing.matching import match_round
from cogs.pairing.round_model import MODES, MatchConfig, Person, pair_key
from cogs.pairing.solver import FALLBACK_SHIFT
from cogs.pairing.weights import Pool

ROUNDS = 20
ATTENDANCE = 0.7
RECENT = 4
TOPICS = [
    "python", "sql", "react", "go", "rust", "docker", "css", "testing", "typescript", "django",
    "fastapi", "postgres", "redis", "kubernetes", "graphql", "vue", "node", "java", "spring",
    "aws", "linux", "git", "algorithms", "system design", "security", "auth", "caching",
    "websockets", "accessibility", "performance",
]  # fmt: skip
# Time-zone regions (UTC offsets) and their weights: learners cluster by region.
REGIONS = [
    ([-8.0, -7.0, -6.0, -5.0, -4.0, -3.0], 0.35),
    ([0.0, 1.0, 2.0, 3.0], 0.4),
    ([5.5, 7.0, 8.0, 9.0, 10.0], 0.25),
]


def make_people(n: int, rng: random.Random) -> list[Person]:
    people = []
    weights = [w for _, w in REGIONS]
    for i in range(n):
        offsets, _ = rng.choices(REGIONS, weights)[0]
        topic_weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
        chosen = {t for t in rng.choices(TOPICS, topic_weights, k=rng.randrange(0, 5))}
        people.append(
            Person(
                user_id=10_000 + i,
                level=rng.choices([0, 1, 2], [0.45, 0.4, 0.15])[0],
                track=rng.choices(["backend", "frontend", "fullstack", None], [4, 4, 2, 1])[0],
                utc_offset_hours=rng.choice(offsets),
                topics=frozenset(chosen),
            )
        )
    return people


@dataclass
class MethodState:
    name: str
    # The guild's `pairing.mode`: every method and the optimum see the same weights.
    mode: str = "mixed"
    last_met: dict[tuple[int, int], int] = field(default_factory=dict)
    trios: Counter[int] = field(default_factory=Counter)
    sat_out: Counter[int] = field(default_factory=Counter)
    waiting: Counter[int] = field(default_factory=Counter)
    partners: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    attended: Counter[int] = field(default_factory=Counter)
    rows: list[RoundRow] = field(default_factory=list)

    def ages(self, round_number: int, ids: set[int]) -> dict[tuple[int, int], int]:
        return {
            key: round_number - last
            for key, last in self.last_met.items()
            if key[0] in ids and key[1] in ids
        }


@dataclass(frozen=True)
class RoundRow:
    round_number: int
    attendees: int
    seconds: float
    cpu_seconds: float
    repeats: int
    trios: int
    sat_out: int
    weight: int
    reference: int
    exact: bool
    cross_track: int = 0
    groups: int = 0

    @property
    def ratio(self) -> float:
        return self.weight / self.reference if self.reference else 1.0


Groups = list[tuple[int, ...]]
Solver = Callable[[list[Person], dict[tuple[int, int], int], int, MethodState], Groups]


def solve_nexus(
    people: list[Person], ages: dict[tuple[int, int], int], seed: int, state: MethodState
) -> Groups:
    plan = match_round(people, ages, seed, MatchConfig(mode=state.mode))
    groups: Groups = []
    for group in plan.groups:
        # A trio is listed as its pair, then the person who joined it.
        odd = plan.trio_member
        rest = tuple(m for m in group.members if m != odd)
        groups.append(
            (*rest, odd) if len(group.members) == 3 and odd is not None else group.members
        )
    return groups + [(p,) for p in plan.sat_out]


def solve_shuffle(
    people: list[Person], _: dict[tuple[int, int], int], seed: int, __: MethodState
) -> Groups:
    ids = [p.user_id for p in people]
    random.Random(seed).shuffle(ids)
    groups: Groups = [tuple(ids[i : i + 2]) for i in range(0, len(ids) - 1, 2)]
    if len(ids) % 2 and groups:
        groups[-1] = (*groups[-1], ids[-1])
    return groups


def solve_greedy(
    people: list[Person], ages: dict[tuple[int, int], int], seed: int, state: MethodState
) -> Groups:
    pool = Pool(tuple(people), ages, seed, MatchConfig(top_k=20, mode=state.mode))
    n = pool.n
    order = list(range(n))
    random.Random(seed).shuffle(order)
    # Each person's top-20 list by weight (the same numpy candidate lists Nexus builds).
    everyone = np.arange(n, dtype=np.int64)
    lists: dict[int, list[int]] = defaultdict(list)
    block = max(1, 2_000_000 // max(n, 1))
    k = min(20, n - 1)
    for start in range(0, n, block):
        rows = everyone[start : start + block]
        values = pool.weights(rows[:, None], everyone[None, :])
        values[np.arange(rows.size), rows] = np.iinfo(np.int64).min
        top = np.argsort(-values, axis=1, kind="stable")[:, :k]
        for offset, row in enumerate(rows.tolist()):
            lists[row] = top[offset].tolist()
    ids = pool.ids
    free = set(range(n))
    groups: Groups = []
    for person in order:
        if person not in free:
            continue
        for other in lists[person]:
            if other in free and other != person:
                key = pair_key(int(ids[person]), int(ids[other]))
                if key not in state.last_met:
                    free -= {person, other}
                    groups.append((int(ids[person]), int(ids[other])))
                    break
    groups += [(int(ids[i]),) for i in sorted(free)]
    return groups


SOLVERS: dict[str, Solver] = {
    "nexus": solve_nexus,
    "shuffle": solve_shuffle,
    "greedy": solve_greedy,
}


def pair_weight(pool: Pool, groups: Groups) -> int:
    """Weight of the pairs; a trio counts as its pair (the third, odd person is extra)."""
    total = 0
    for group in groups:
        if len(group) < 2:
            continue
        a = np.array([pool.index[group[0]]], dtype=np.int64)
        b = np.array([pool.index[group[1]]], dtype=np.int64)
        total += int(pool.weights(a, b).sum())
    return total


def exact_optimum(pool: Pool) -> int:
    """Maximum-weight perfect matching on the complete graph (what Nexus approximates)."""
    low, high = np.triu_indices(pool.n, k=1)
    weights = pool.weights(low, high) + FALLBACK_SHIFT
    graph: rx.PyGraph[None, int] = rx.PyGraph()
    graph.add_nodes_from([None] * pool.n)
    graph.add_edges_from(zip(low.tolist(), high.tolist(), weights.tolist(), strict=True))
    matched = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    a = np.array([u for u, _ in matched], dtype=np.int64)
    b = np.array([v for _, v in matched], dtype=np.int64)
    return int(pool.weights(a, b).sum())


def dual_upper_bound(pool: Pool, iterations: int = 300) -> int:
    """A guaranteed upper bound on every perfect matching's weight (the LP's Lagrangian dual).

    For any vector y, L(y) = Σ y_i + Σ_{i<j} max(0, w_ij − y_i − y_j) bounds the matching LP
    (0 ≤ x_ij ≤ 1, every degree 1), hence every matching. y is tuned by Adam on a smoothed L
    (softplus, annealed temperature); the bound reported is the exact L at the best y seen, so
    the optimiser's quality changes only how tight the bound is, never whether it holds.
    """
    n = pool.n
    everyone = np.arange(n, dtype=np.int64)
    w = pool.weights(everyone[:, None], everyone[None, :]).astype(np.float32)
    np.fill_diagonal(w, -1e9)

    def bound(y: np.ndarray) -> float:
        slack = w - y[:, None] - y[None, :]
        np.maximum(slack, 0, out=slack)
        return float(y.astype(np.float64).sum() + slack.sum(dtype=np.float64) / 2)

    y = w.max(axis=1) / 2
    best = bound(y)
    first, second = np.zeros(n, np.float32), np.zeros(n, np.float32)
    for step in range(1, iterations + 1):
        temperature = max(0.3, 3.0 * 0.99**step)
        slack = (w - y[:, None] - y[None, :]) / temperature
        np.clip(slack, -50, 50, out=slack)
        gradient = 1 - (1 / (1 + np.exp(-slack))).sum(axis=1)
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient * gradient
        y = y - 0.5 * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
        if step % 25 == 0 or step == iterations:
            best = min(best, bound(y))
    # float32 rounding could shave a fraction off; a ceiling plus one keeps the bound safe.
    return math.ceil(best) + 1


def simulate(
    n: int, rounds: int, seed: int, exact_max: int, per_round: bool, mode: str = "mixed"
) -> dict[str, MethodState]:
    rng = random.Random(seed)
    people = make_people(n, rng)
    states = {name: MethodState(name, mode) for name in SOLVERS}
    config = MatchConfig(mode=mode)
    for number in range(1, rounds + 1):
        attending = [p for p in people if rng.random() < ATTENDANCE]
        ids = {p.user_id for p in attending}
        round_seed = rng.randrange(2**31)
        reference: int | None = None
        exact = len(attending) <= exact_max
        for name, solver in SOLVERS.items():
            state = states[name]
            ages = state.ages(number, ids)
            now = [
                Person(p.user_id, p.level, p.track, p.utc_offset_hours, p.topics,
                       state.trios[p.user_id], state.waiting[p.user_id])
                for p in attending
            ]  # fmt: skip
            started, cpu_started = time.perf_counter(), time.process_time()
            groups = solver(now, ages, round_seed, state)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
            pool = Pool(tuple(now), ages, round_seed, config)
            if reference is None:
                # One reference per round, on nexus's weights (the same function for all).
                even = (
                    pool if pool.n % 2 == 0 else _without_odd(now, ages, round_seed, groups, config)
                )
                reference = exact_optimum(even) if exact else dual_upper_bound(even)
            repeats = sum(
                1
                for group in groups
                for a, b in itertools.combinations(group, 2)
                if 1 <= ages.get(pair_key(a, b), 0) <= RECENT
            )
            state.rows.append(
                RoundRow(
                    number, len(attending), seconds, cpu_seconds, repeats,
                    sum(len(g) == 3 for g in groups), sum(len(g) == 1 for g in groups),
                    pair_weight(pool, groups), reference, exact,
                    sum(pool.cross_track([pool.index[m] for m in g]) for g in groups if len(g) > 1),
                    sum(1 for g in groups if len(g) > 1),
                )
            )  # fmt: skip
            _record(state, groups, number)
        if per_round:
            line = " | ".join(
                f"{name} {s.rows[-1].seconds * 1000:7.1f} ms "
                f"(cpu {s.rows[-1].cpu_seconds * 1000:7.1f}) rep {s.rows[-1].repeats:3d} "
                f"{s.rows[-1].ratio:7.3%}"
                for name, s in states.items()
            )
            print(f"  n={n:5d} round {number:2d} ({len(attending)} present): {line}")
    return states


def _without_odd(
    people: list[Person],
    ages: dict[tuple[int, int], int],
    seed: int,
    nexus_groups: Groups,
    config: MatchConfig,
) -> Pool:
    # The optimum for an odd count is taken without Nexus's trio member (the odd person out).
    trio = next((g for g in nexus_groups if len(g) == 3), None)
    odd = trio[-1] if trio else people[-1].user_id
    return Pool(tuple(p for p in people if p.user_id != odd), ages, seed, config)


def _record(state: MethodState, groups: Groups, number: int) -> None:
    for group in groups:
        for member in group:
            state.attended[member] += 1
        if len(group) == 1:
            state.sat_out[group[0]] += 1
            state.waiting[group[0]] += 1
            continue
        for member in group:
            state.waiting[member] = 0
            state.partners[member].update(m for m in group if m != member)
            if len(group) == 3:
                state.trios[member] += 1
        for a, b in itertools.combinations(group, 2):
            state.last_met[pair_key(a, b)] = number


def summarise(n: int, states: dict[str, MethodState]) -> list[str]:
    lines = []
    for name, state in states.items():
        rows = state.rows
        pairs_total = sum(r.attendees // 2 for r in rows)
        repeats = sum(r.repeats for r in rows)
        ratios = [r.ratio for r in rows]
        distinct = [
            len(state.partners[u]) / state.attended[u] for u in state.attended if state.attended[u]
        ]
        sat_out_people = [c for c in state.sat_out.values() if c]
        kind = "exact" if rows[0].exact else "bound"
        lines.append(
            f"| {n:>5} | {name:<7} | {statistics.mean(r.seconds for r in rows) * 1000:8.1f} | "
            f"{max(r.seconds for r in rows) * 1000:8.1f} | "
            f"{max(r.cpu_seconds for r in rows) * 1000:8.1f} | "
            f"{repeats:5d} ({repeats / max(pairs_total, 1):6.2%}) | "
            f"{min(ratios):8.3%} | {statistics.mean(ratios):8.3%} ({kind}) | "
            f"{statistics.mean(distinct):5.3f} | {sum(r.trios for r in rows):3d} / "
            f"{max(state.trios.values(), default=0)} | "
            f"{sum(r.sat_out for r in rows):4d} / {max(sat_out_people, default=0)} | "
            f"{sum(r.cross_track for r in rows) / max(sum(r.groups for r in rows), 1):6.1%} |"
        )
    return lines


HEADER = [
    "| n | method | mean ms | max ms | max CPU ms | repeats ≤4 rounds | min % of opt | "
    "mean % of opt | "
    "distinct partners / rounds attended | trios total / max per person | "
    "sit-outs total / max per person | cross-track groups |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
]


# ---- responsiveness: the real bot while a round is computed -------------------------------------


async def responsiveness(n: int, process_pool: bool) -> tuple[list[float], float, float]:
    """Latencies of /nexus ping answered while `/pair round preview`'s matching runs."""
    import tempfile
    from pathlib import Path

    from sqlalchemy import insert

    from bot.app import create_bot
    from bot.config import load_settings
    from bot.sandbox import SandboxServer
    from cogs.pairing.models import PairProfile

    sandbox = SandboxServer()
    await sandbox.start()
    guild = sandbox.create_guild("bench")
    channel = guild.create_channel("general")
    user = sandbox.create_user("pinger")
    guild.add_member(user)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None,
            database={"url": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"},
            web={"enabled": False},
            discord={
                "api_url": sandbox.api_url,
                "gateway_url": sandbox.gateway_url,
                "guild_ready_timeout": 0.05,
            },
            pairing={"use_process_pool": process_pool},
        )
        bot = create_bot(settings)
        task = asyncio.create_task(bot.start(sandbox.bot_token))
        try:
            await sandbox.wait_until_ready(timeout=15)
            await bot.wait_until_ready()
            rng = random.Random(3)
            people = make_people(n, rng)
            async with bot.db.sessions.begin() as session:
                await session.execute(insert(PairProfile), profile_rows(people, guild.id))
            cog = bot.get_cog("PairingCog")
            assert cog is not None
            service = cog.service  # type: ignore[attr-defined]

            async def everyone(_: int) -> bool:
                return True

            # Warm the worker process (its first start costs an import of numpy and rustworkx).
            if process_pool:
                await bot.run_cpu_bound(math.sqrt, 4.0)
            for _ in range(3):
                await sandbox.invoke("/nexus ping", user=user, guild=guild, channel=channel)
            started = time.perf_counter()
            round_task = asyncio.create_task(service.rounds.preview_round(guild.id, everyone))
            stalls: list[float] = []

            async def tick() -> None:
                # The sandbox shares this event loop: a frozen loop delays the pings' sending
                # too, so the longest gap between 5 ms ticks is the honest measure of a freeze.
                while not round_task.done():
                    before = time.perf_counter()
                    await asyncio.sleep(0.005)
                    stalls.append(time.perf_counter() - before - 0.005)

            ticker = asyncio.create_task(tick())
            latencies: list[float] = []
            while not round_task.done():
                before = time.perf_counter()
                await sandbox.invoke(
                    "/nexus ping", user=user, guild=guild, channel=channel, quiet=0
                )
                latencies.append(time.perf_counter() - before)
                await asyncio.sleep(0.02)
            await round_task
            await ticker
            return latencies, time.perf_counter() - started, max(stalls, default=0.0)
        finally:
            await bot.close()
            task.cancel()
            await sandbox.close()


def full_attendance_timing(
    n: int, repeats: int = 3, mode: str = "mixed"
) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of a round where all n people attend, history of 4 earlier rounds."""
    rng = random.Random(n)
    people = make_people(n, rng)
    config = MatchConfig(mode=mode)
    history: dict[tuple[int, int], int] = {}
    for _ in range(4):
        plan = match_round(people, history, rng.randrange(2**31), config)
        history = {key: value + 1 for key, value in history.items()}
        for group in plan.groups:
            for a, b in itertools.combinations(group.members, 2):
                history[pair_key(a, b)] = 1
    timings = []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        match_round(people, history, rng.randrange(2**31), config)
        timings.append((time.perf_counter() - started, time.process_time() - cpu_started))
    return timings


def profile_rows(people: list[Person], guild_id: int) -> list[dict[str, object]]:
    """The `pair_profiles` rows of `people`, active, in `guild_id`."""
    return [
        {
            "guild_id": guild_id, "user_id": p.user_id,
            "level": ["beginner", "intermediate", "advanced"][p.level],
            "timezone": _zone_near(p.utc_offset_hours),
            "track": p.track, "topics": sorted(p.topics), "active": True,
            "trios": 0, "waiting": 0,
        }
        for p in people
    ]  # fmt: skip


def _zone_near(offset: float) -> str:
    if offset < -1:
        return "America/Chicago"
    return "Europe/Berlin" if offset < 4 else "Asia/Tokyo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--per-round", action="store_true", help="print every round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--mode", choices=MODES, default="mixed", help="the guild's pairing.mode")
    parser.add_argument("--sizes", type=int, nargs="+", help="only these n")
    parser.add_argument("--no-responsiveness", action="store_true", help="skip the bot part")
    args = parser.parse_args()
    sizes = args.sizes or ([50, 200] if args.quick else [50, 200, 1000, 5000])
    rounds = 5 if args.quick else ROUNDS
    table = list(HEADER)
    for n in sizes:
        started = time.perf_counter()
        states = simulate(
            n, rounds, args.seed + n, exact_max=1000, per_round=args.per_round, mode=args.mode
        )
        table += summarise(n, states)
        print(
            f"n={n}: simulated {rounds} rounds in {time.perf_counter() - started:.1f} s", flush=True
        )
    print(
        f"\n{rounds} rounds, {ATTENDANCE:.0%} attendance, mode {args.mode}; "
        "% of opt = pair weight / optimum"
    )
    print("\n".join(table))
    if args.quick:
        return
    for wall, cpu in full_attendance_timing(5000, mode=args.mode):
        print(f"  all 5,000 present (4 rounds of history): {wall:.2f} s wall, {cpu:.2f} s CPU")
    if args.sizes:
        return
    for people in (700, 1000):
        check = Pool(tuple(make_people(people, random.Random(people))), {}, 1)
        exact, upper = exact_optimum(check), dual_upper_bound(check)
        print(f"  upper bound vs exact optimum at {people} people: {upper / exact - 1:+.4%}")
    if args.no_responsiveness:
        return
    print("\nResponsiveness: /nexus ping round trips while a 5,000-person round is computed")
    for process_pool in (True, False):
        latencies, seconds, stall = asyncio.run(responsiveness(5000, process_pool))
        where = "worker process" if process_pool else "inline (no process pool)"
        ordered = sorted(latencies)
        p50 = ordered[len(ordered) // 2] * 1000
        worst = ordered[-1] * 1000
        print(
            f"  {where:<25} round {seconds:.2f} s · {len(latencies)} pings · p50 {p50:.1f} ms · "
            f"max {worst:.1f} ms · longest event-loop freeze {stall * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
