"""Every command beside the floor: read and write commands at the feature benchmarks' sizes.

    .venv/bin/python -m bench.commands              # 1,000,000 snippets, 100,000 feedback items,
                                                    # 10,000 announcements, 2 × 200,000 audit
                                                    # rows, 5,000 pairing profiles × 20 rounds
    .venv/bin/python -m bench.commands --quick      # 20,000 / 5,000 / 1,000 / 2 × 5,000 / 200
    .venv/bin/python -m bench.commands --snippets 200000 --n 300
    .venv/bin/python -m bench.commands --only "/pair status,/admin stats"
    .venv/bin/python -m bench.commands --database-url postgresql+asyncpg://…
    .venv/bin/python -m bench.commands --database-url postgresql+asyncpg://… --reuse

One database holds every feature's data, seeded by the feature benchmarks' own code (snippets
by `bench.snippets.build`, feedback by `bench.feedback.build`, audit rows and pending forgets by
`bench.admin.seed`, announcements by `bench.announcements.announcement_rows`, pairing profiles by
`bench.pairing.make_people`, plus 20 rounds of past pairs) in the guild the sandbox then serves.
On SQLite the seeded file is cached under /tmp keyed by the sizes (the snippets alone under the
path `bench.snippets` uses), and each run works on a copy of it; on PostgreSQL a fresh database
is seeded at every run, unless `--reuse` names the last run's (whose writes it then keeps).

On SQLite, timing starts once the bot has built its snippet search index from the copied
database (the index beside it, `nexus.db.search`): its build reads every snippet and would
otherwise share the bot's CPU with the first commands timed. At a million snippets that build
takes minutes on two cores, so the index the bot built is kept beside the seed (before any
command changed a snippet) and later runs on that seed start with it. `--no-search-index` times
the commands without it (a file where its directory would go: the bot cannot open an index
there and search answers from the database's own, as when the index is unusable), for the
figures of every other command.

The do-nothing bot (`bench.donothing`, one `/ping`) runs before and after Nexus against the same
kind of sandbox in the same run; the floor is the mean of its two p50s. Each bot runs in its own
process (`bench.harness.stage`).

Latency = INTERACTION_CREATE sent → the reply visible: the callback for a command answered at
once (as `bench.latency` measures), the first followup for one that defers. `/announce cancel`
asks for confirmation: its row is the click on "Cancel announcement" → "is cancelled".
Goals (issue 13): read commands p50 ≤ 2 × the floor's, write commands ≤ 4 ×.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench import admin as admin_bench
from bench import announcements as announcements_bench
from bench import feedback as feedback_bench
from bench import pairing as pairing_bench
from bench import snippets as snippets_bench
from bench.backends import add_database_url, fresh_postgres, is_postgres, with_database
from bench.harness import Stage, stage, summarise
from bench.index_ready import bot_index_directory, search_index_built
from bot.config import DatabaseSettings
from bot.db import Database

GUILD = snippets_bench.GUILDS[0]  # a tenth of the snippets; every other feature's data too
OTHER_GUILD = snippets_bench.GUILDS[1]
PAIRER = 10_000  # the first person bench.pairing makes
CACHE = Path(tempfile.gettempdir()) / "nexus-bench-commands"
POSTGRES_NAME = "nexus_bench_commands"
WARMUP = 10
FLOOR_RUNS = 1000
BOT_ENV = {"NEXUS_SNIPPETS__SHARES_PER_MINUTE": "100000"}  # N shares from one member
READ_GOAL, WRITE_GOAL = 2.0, 4.0


@dataclass(frozen=True)
class Sizes:
    snippets: int
    feedback: int
    announcements: int
    audit: int  # rows per guild, in two guilds
    people: int
    rounds: int

    @property
    def key(self) -> str:
        return (
            f"s{self.snippets}-f{self.feedback}-a{self.announcements}-u{self.audit}"
            f"-p{self.people}x{self.rounds}"
        )


FULL = Sizes(1_000_000, 100_000, 10_000, 200_000, 5_000, 20)
QUICK = Sizes(20_000, 5_000, 1_000, 5_000, 200, 20)


# ---- seeding ---------------------------------------------------------------------------------


async def seed_pairing(database: Database, people: int, rounds: int) -> None:
    """Profiles, and `rounds` weekly rounds of random pairs among 70 % of them (the history
    `/pair history` and the fairness counters read)."""
    from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairRound

    rng = random.Random(11)
    everyone = pairing_bench.make_people(people, rng)
    ids = [p.user_id for p in everyone]
    start = datetime(2026, 6, 1, tzinfo=UTC)
    round_rows, group_rows, member_rows = [], [], []
    group_id = 0
    for number in range(1, rounds + 1):
        when = start + timedelta(weeks=number)
        present = rng.sample(ids, int(len(ids) * pairing_bench.ATTENDANCE) // 2 * 2)
        for a, b in zip(present[::2], present[1::2], strict=True):
            group_id += 1
            group_rows.append({"id": group_id, "guild_id": GUILD, "round_id": number,
                               "created_at": when, "weight": 10, "reasons": ["topic"],
                               "delivery": "thread", "thread_id": None})  # fmt: skip
            member_rows += [
                {"group_id": group_id, "user_id": a, "guild_id": GUILD},
                {"group_id": group_id, "user_id": b, "guild_id": GUILD},
            ]
        round_rows.append({"id": number, "guild_id": GUILD, "number": number,
                           "scheduled_for": when, "ran_at": when, "trigger": "schedule",
                           "seed": number, "participants": len(present),
                           "pairs": len(present) // 2, "trios": 0, "repeats": 0, "sat_out": 0,
                           "total_weight": 10 * len(present), "distinct_partners_mean": 1.0,
                           "distinct_partners_min": 1})  # fmt: skip
    async with database.sessions.begin() as session:
        await session.execute(insert(PairProfile), pairing_bench.profile_rows(everyone, GUILD))
        await session.execute(insert(PairRound), round_rows)
        for chunk in range(0, len(group_rows), 10_000):
            await session.execute(insert(PairGroup), group_rows[chunk : chunk + 10_000])
        for chunk in range(0, len(member_rows), 10_000):
            await session.execute(insert(PairMember), member_rows[chunk : chunk + 10_000])


async def seed_features(url: str, sizes: Sizes) -> None:
    """Everything but the snippets, into the database at `url` (already holding them)."""
    database = Database(DatabaseSettings(url=url))
    await database.upgrade()
    started = time.perf_counter()
    await feedback_bench.build(database, sizes.feedback, random.Random(7), guild=GUILD)
    await admin_bench.seed(database, sizes.audit, sizes.audit // 20, guilds=(GUILD, OTHER_GUILD))
    # Due in a year: nothing posts while the commands are timed, however old the cache.
    t0 = (datetime.now(UTC) + timedelta(days=365)).replace(second=0, microsecond=0)
    channels = [3_000_000 + n for n in range(announcements_bench.CHANNELS)]
    rows = announcements_bench.announcement_rows(
        sizes.announcements, 0, (0, 60.0), t0, channels, GUILD
    )
    await announcements_bench.fill(database, rows)
    await seed_pairing(database, sizes.people, sizes.rounds)
    await database.close()
    print(f"  the other features' data in {time.perf_counter() - started:.0f} s", flush=True)


def seeded_sqlite(sizes: Sizes) -> Path:
    """The cached SQLite file for `sizes`, built when missing."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{sizes.key}.db"
    if path.exists():
        print(f"reusing {path}", flush=True)
        return path
    base = Path(f"/tmp/nexus-bench-snippets-{sizes.snippets}.db")  # bench.snippets' own cache
    if not base.exists():
        print(f"generating {sizes.snippets:,} snippets into {base} …", flush=True)
        snippets_bench.build(base, sizes.snippets)
    building = path.with_suffix(".building")
    shutil.copyfile(base, building)
    asyncio.run(seed_features(f"sqlite+aiosqlite:///{building}", sizes))
    building.rename(path)
    return path


async def seeded_postgres(server_url: str, sizes: Sizes) -> str:
    url = await fresh_postgres(server_url, POSTGRES_NAME)
    print(f"generating {sizes.snippets:,} snippets into PostgreSQL …", flush=True)
    await snippets_bench.build_postgres(url, sizes.snippets)
    await seed_features(url, sizes)
    # Statistics, as autovacuum would have gathered them on a server that has run a while: a
    # freshly loaded table has none, and the first minutes' plans would be timed instead.
    import asyncpg  # type: ignore[import-untyped]

    from bench.backends import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return url


# ---- what each command is given ---------------------------------------------------------------


@dataclass
class World:
    """Who acts and which rows exist, as the seeding left them."""

    stage: Stage
    author: Any  # has snippets in the guild
    pairer: Any  # has a pairing profile and history
    member: Any
    owner: Any  # the guild's owner: a moderator and triager
    sizes: Sizes
    rng: random.Random
    logged: list[int]  # feedback numbers /feedback log made in this run
    announced: list[int]  # announcements /announce create made in this run

    def actor(self, role: str) -> Any:
        roles = {"author": self.author, "pairer": self.pairer, "member": self.member}
        return roles.get(role, self.owner)


@dataclass(frozen=True)
class Timing:
    ack: float  # sent → the first callback
    reply: float  # sent → the reply visible


async def invoke(world: World, path: str, user: Any, **options: Any) -> tuple[Timing, Any]:
    server = world.stage.server
    result = await server.invoke(
        path, user=user, guild=world.stage.guild, channel=world.stage.channel, quiet=0,
        options=options,
    )  # fmt: skip
    done = time.perf_counter()
    if result.latency is None:
        raise RuntimeError(f"{path} got no callback")
    return Timing(result.latency, done - result.pending.sent_at), result


def snippet_id(world: World) -> int:
    """A snippet of the guild (bench.snippets puts id n in guild n % 10)."""
    return world.rng.randrange(1, world.sizes.snippets // 10) * 10


def feedback_id(world: World) -> str:
    return f"FB-{world.rng.randrange(1, world.sizes.feedback + 1)}"


def announcement_id(world: World) -> int:
    return world.rng.randrange(1, world.sizes.announcements + 1)


SEARCHES: list[dict[str, str]] = [
    {"query": "config"}, {"query": "client parse"}, {"query": "token", "language": "python"},
    {"query": "cache"}, {"query": "server error"}, {"query": "result", "tag": "api"},
    {"query": "query"}, {"query": "json path"}, {"query": "file", "language": "go"},
]  # fmt: skip


def word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))


async def share(world: World, n: int) -> Timing:
    code = f"def bench_{n}(value):\n    return value * {n}\n"
    timing, _ = await invoke(
        world, "/snippet share", world.author, title=f"Bench {word(world.rng)}", code=code,
        language="python",
    )  # fmt: skip
    return timing


async def log_feedback(world: World, n: int) -> Timing:
    # Titles unlike each other and the seeded ones: no duplicate prompt, a new item each time.
    title = " ".join(word(world.rng) for _ in range(4))
    timing, result = await invoke(
        world, "/feedback log", world.member, endpoint="GET /api/jobs", severity="bug",
        title=title, details="Steps: call it with the usual headers.",
    )  # fmt: skip
    found = re.search(r"FB-(\d+)", result.text)
    if found is None:
        raise RuntimeError(f"/feedback log made no item: {result.text[:200]!r}")
    world.logged.append(int(found.group(1)))
    return timing


async def feedback_status(world: World, n: int) -> Timing:
    number = world.logged[n % len(world.logged)]
    status = "acknowledged" if n < len(world.logged) else "in_progress"
    timing, _ = await invoke(
        world, "/feedback status", world.owner, id=f"FB-{number}", status=status
    )
    return timing


async def announce_create(world: World, n: int) -> Timing:
    timing, result = await invoke(
        world, "/announce create", world.owner, channel=world.stage.channel,
        when="in 30 days", message=f"Bench announcement {n}", repeat="weekly",
    )  # fmt: skip
    found = re.search(r"#(\d+)", result.text)
    if found is None:
        raise RuntimeError(f"/announce create scheduled nothing: {result.text[:200]!r}")
    world.announced.append(int(found.group(1)))
    return timing


async def announce_cancel(world: World, n: int) -> Timing:
    ident = world.announced[n % len(world.announced)] if n < len(world.announced) else None
    ident = ident or announcement_id(world)
    _, prompt = await invoke(world, "/announce cancel", world.owner, id=ident)
    message, button = prompt.find_button("Cancel announcement")
    started = time.perf_counter()
    # As `click`, without its quiet period (50 ms of waiting for more that would be timed too).
    clicked = await world.stage.server.send_component(
        message, {"custom_id": button["custom_id"], "component_type": 2}, user=world.owner,
        quiet=0,
    )  # fmt: skip
    await prompt.followups(1)
    return Timing(clicked.latency or float("nan"), time.perf_counter() - started)


def simple(path: str, who: str, **fixed: Any) -> Callable[[World, int], Awaitable[Timing]]:
    async def run(world: World, n: int) -> Timing:
        timing, _ = await invoke(world, path, world.actor(who), **fixed)
        return timing

    return run


def varied(
    path: str, who: str, options: Callable[[World, int], dict[str, Any]]
) -> Callable[[World, int], Awaitable[Timing]]:
    async def run(world: World, n: int) -> Timing:
        timing, _ = await invoke(world, path, world.actor(who), **options(world, n))
        return timing

    return run


READS: list[tuple[str, Callable[[World, int], Awaitable[Timing]]]] = [
    ("/snippet search", varied("/snippet search", "member", lambda w, n: SEARCHES[n % 9])),
    ("/snippet get", varied("/snippet get", "member", lambda w, n: {"id": snippet_id(w)})),
    ("/snippet top", simple("/snippet top", "member")),
    ("/snippet mine", simple("/snippet mine", "author")),
    ("/feedback list", simple("/feedback list", "member")),
    ("/feedback show", varied("/feedback show", "member", lambda w, n: {"id": feedback_id(w)})),
    ("/pair status", simple("/pair status", "pairer")),
    ("/pair history", simple("/pair history", "pairer")),
    ("/announce list", simple("/announce list", "owner")),
    ("/announce show", varied("/announce show", "owner", lambda w, n: {"id": announcement_id(w)})),
    ("/admin stats", simple("/admin stats", "owner")),
    ("/admin audit", simple("/admin audit", "owner")),
]
WRITES: list[tuple[str, Callable[[World, int], Awaitable[Timing]]]] = [
    ("/snippet share", share),
    ("/snippet star", varied("/snippet star", "member", lambda w, n: {"id": 10 * (n // 2 + 1)})),
    ("/feedback log", log_feedback),
    ("/feedback status", feedback_status),
    ("/pair join", varied("/pair join", "pairer", lambda w, n: {
        "level": "intermediate", "timezone": "Europe/Berlin", "topics": "python, sql"})),
    ("/pair leave", simple("/pair leave", "pairer")),
    ("/announce create", announce_create),
    ("/announce cancel", announce_cancel),
    ("/admin config set", varied("/admin config set", "owner", lambda w, n: {
        "key": "snippets.on_forget", "value": ("delete", "anonymise")[n % 2]})),
]  # fmt: skip


# ---- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    command: str
    kind: str
    ack_p50: float
    p50: float
    p99: float


async def floor(n: int) -> float:
    """The do-nothing bot's p50 (seconds), sent → callback of `/ping`."""
    async with stage("donothing") as running:
        latencies = []
        for index in range(WARMUP * 5 + n):
            timing, _ = await invoke_floor(running, index)
            if index >= WARMUP * 5:
                latencies.append(timing)
    return statistics.median(latencies)


async def invoke_floor(running: Stage, index: int) -> tuple[float, Any]:
    result = await running.server.invoke(
        "/ping", user=running.users[index % len(running.users)], guild=running.guild,
        channel=running.channel, quiet=0,
    )  # fmt: skip
    return time.perf_counter() - result.pending.sent_at, result


def keep_built_index(url: str, keep: Path) -> None:
    """Copy the index the bot just built beside the seed, before any command changed a snippet
    (the channels set so far are settings): the next run on this seed starts with it."""
    built = bot_index_directory(url)
    if built is None:
        return
    partial = keep.with_name(keep.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        shutil.copytree(built, partial)
    except OSError as error:  # a segment merged away while copying: the next run builds again
        print(f"could not keep the built search index: {error}")
        shutil.rmtree(partial, ignore_errors=True)
        return
    partial.rename(keep)
    print(f"kept the built search index as {keep}")


def built_search_index(cached: Path, sizes: Sizes) -> Path | None:
    """A finished search index of the same snippets, beside the seed or beside bench.snippets'
    file the seed was made from (bench.search builds it there), so no run waits for a build."""
    from cogs.snippets.tantivy_index import STATE_FILE

    for candidate in (
        cached.with_name(cached.name + ".search"),
        Path(f"/tmp/nexus-bench-snippets-{sizes.snippets}.db.search"),
    ):
        state = candidate / STATE_FILE
        if state.is_file() and json.loads(state.read_text()).get("complete"):
            return candidate
    return None


# The features that post in a channel of their own (the setting `channels.<feature>`).
POSTING_FEATURES = ("snippets", "feedback", "pairing", "announcements")


def check_channel_set(feature: str, answer: str) -> None:
    """A refused key would leave the feature without its channel, and the bench timing a
    command that posts nothing: stop instead."""
    if f"`channels.{feature}` is now" not in answer:
        raise RuntimeError(f"channels.{feature} was not set: {answer[:200]!r}")


async def configure(world: World) -> None:
    """The channels the features post in: the one the commands are typed in."""
    for feature in POSTING_FEATURES:
        _, result = await invoke(
            world, "/admin config set", world.owner, key=f"channels.{feature}",
            value=str(world.stage.channel.id),
        )  # fmt: skip
        check_channel_set(feature, result.text)


# A write that needs another's rows: with --only, the other runs (and is timed) first.
NEEDS = {"/feedback status": "/feedback log", "/announce cancel": "/announce create"}


def chosen(only: set[str] | None) -> set[str] | None:
    return None if only is None else only | {NEEDS[c] for c in only if c in NEEDS}


async def measure_nexus(
    url: str,
    sizes: Sizes,
    n: int,
    author: int,
    only: set[str] | None,
    with_index: bool,
    keep_index: Path | None = None,
) -> list[Row]:
    async with stage(
        "nexus", database_url=url, guild_id=GUILD, member_ids=(author, PAIRER), env=BOT_ENV
    ) as running:
        members = running.users
        world = World(
            running, members[-2], members[-1], members[0], running.server.state.owner, sizes,
            random.Random(5), [], [],
        )  # fmt: skip
        await configure(world)
        if with_index:
            await search_index_built(url)
            if keep_index is not None:
                keep_built_index(url, keep_index)
        rows = []
        for kind, cases in (("read", READS), ("write", WRITES)):
            for command, case in cases:
                if only is not None and command not in only:
                    continue
                timings = []
                for index in range(WARMUP + n):
                    timing = await case(world, index)
                    if index >= WARMUP:
                        timings.append(timing)
                replies = summarise([t.reply for t in timings], 1.0)
                ack = statistics.median(t.ack for t in timings) * 1000
                rows.append(Row(command, kind, ack, replies.p50_ms, replies.p99_ms))
                print(f"  {command:<20} p50 {replies.p50_ms:7.2f} ms", flush=True)
        return rows


def some_author(path: Path | None) -> int:
    """An author with snippets in the guild (the first snippet's)."""
    if path is None:
        return 1_000_000  # bench.snippets' authors are 1,000,000 + n; most have some everywhere
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT author_id FROM snippets WHERE guild_id = ? ORDER BY id LIMIT 1", (GUILD,)
        ).fetchone()
    return int(row[0])


def table(rows: list[Row], floors: tuple[float, float]) -> str:
    base = statistics.fmean(floors) * 1000
    lines = [
        f"floor: do-nothing /ping p50 {floors[0] * 1000:.2f} ms before, "
        f"{floors[1] * 1000:.2f} ms after Nexus; mean {base:.2f} ms",
        "",
        "| command | kind | ack p50 ms | p50 ms | p99 ms | floor p50 ms | ratio | goal | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        goal = READ_GOAL if row.kind == "read" else WRITE_GOAL
        ratio = row.p50 / base
        lines.append(
            f"| `{row.command}` | {row.kind} | {row.ack_p50:.2f} | {row.p50:.2f} | {row.p99:.2f} "
            f"| {base:.2f} | {ratio:.2f}× | ≤ {goal:.0f}× | {'pass' if ratio <= goal else 'FAIL'} |"
        )
    return "\n".join(lines)


async def run(measuring: Coroutine[Any, Any, list[Row]]) -> str:
    """The table of `measuring` (Nexus's commands), between two runs of the floor."""
    before = await floor(FLOOR_RUNS)
    rows = await measuring
    after = await floor(FLOOR_RUNS)
    return table(rows, (before, after))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small sizes, 100 calls each")
    parser.add_argument("--n", type=int, default=None, help="timed calls per command (300)")
    for name in ("snippets", "feedback", "announcements", "audit", "people"):
        parser.add_argument(f"--{name}", type=int, default=None)
    parser.add_argument(
        "--only", default=None, help='some commands, comma-separated: "/pair status,/admin stats"'
    )
    parser.add_argument(
        "--no-search-index",
        action="store_true",
        help="SQLite: leave the bot without its search index (not built, search from the database)",
    )
    add_database_url(parser)
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: time the last run's database again"
    )
    args = parser.parse_args()
    only = {c.strip() for c in args.only.split(",")} if args.only else None
    sizes = QUICK if args.quick else FULL
    sizes = Sizes(
        args.snippets or sizes.snippets, args.feedback or sizes.feedback,
        args.announcements or sizes.announcements, args.audit or sizes.audit,
        args.people or sizes.people, sizes.rounds,
    )  # fmt: skip
    n = args.n or (100 if args.quick else 300)
    started = time.perf_counter()
    keep_index = None
    if is_postgres(args.database_url):
        url = (
            with_database(args.database_url, POSTGRES_NAME)
            if args.reuse
            else asyncio.run(seeded_postgres(args.database_url, sizes))
        )
        backend, author = "PostgreSQL", some_author(None)
        work = None
    else:
        cached = seeded_sqlite(sizes)
        work = Path(tempfile.mkdtemp(prefix="nexus-bench-commands-"))
        shutil.copyfile(cached, work / "nexus.db")
        if args.no_search_index:
            (work / "nexus.db.search").write_text("")  # not a directory: the index cannot open
        elif (built := built_search_index(cached, sizes)) is not None:
            shutil.copytree(built, work / "nexus.db.search")  # the bot finds it current
        else:
            keep_index = cached.with_name(cached.name + ".search")
        url = f"sqlite+aiosqlite:///{work / 'nexus.db'}"
        backend, author = f"SQLite {sqlite3.sqlite_version}", some_author(work / "nexus.db")
    print(f"seeded in {time.perf_counter() - started:.0f} s; timing {n} calls per command …")
    try:
        index = not args.no_search_index
        measuring = measure_nexus(url, sizes, n, author, chosen(only), index, keep_index)
        result = asyncio.run(run(measuring))
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nbench.commands — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{platform.machine()}, {backend}; {sizes.snippets:,} snippets, {sizes.feedback:,} "
        f"feedback items, {sizes.announcements:,} announcements, 2 × {sizes.audit:,} audit rows, "
        f"{sizes.people:,} pairing profiles × {sizes.rounds} rounds; {n} calls per command "
        f"after {WARMUP} warm-up"
    )
    print(result)


if __name__ == "__main__":
    main()
