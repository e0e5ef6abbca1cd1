"""Announcements benchmark: rebuild time, memory, and lateness with 10,000 active announcements.

    .venv/bin/python -m bench.announcements            # 10,000 announcements (about 2 minutes)
    .venv/bin/python -m bench.announcements --quick    # 1,000, a short smoke run
    .venv/bin/python -m bench.announcements --database-url postgresql+asyncpg://…
                                                       # the same on PostgreSQL

The sandbox (a local Discord) runs in a child process, so the bot's event loop and the
server's do not share a CPU core or the GIL; the real NexusBot runs here, on a SQLite file
(or, with `--database-url`, on a fresh database `nexus_bench_announcements` created on that
PostgreSQL server), with the real clock. The database is filled directly with active announcements:

* a burst: `--burst` of them due in the same second (many guilds announcing at 09:00 sharp);
* a spread: `--spread` of them due over one minute;
* the rest due tomorrow or later (they must not post).

Measured:
* rebuild: the dispatcher's start-up load of every stored next run (and its memory);
* RSS: the bot process's resident memory with everything loaded;
* lateness = the sandbox's receive time − the scheduled time, p50/p99/max, per scenario, and
  two bot-side marks: "claimed" (the batch is claimed in the database and ready to post: the
  dispatcher's own delay) and "handed over" (the request goes to discord.py's HTTP client,
  after the dispatcher's limit of 64 posts in flight, so it also waits on the server);
* bot CPU per post during the burst;
* drops and duplicates: every due announcement must arrive exactly once, the others never.

The sandbox does not rate-limit here (Discord's ~50 requests/s would pace 1,000 posts over
20 s whatever the bot does). It is a single Python process that also sends every message back
over the gateway, so with 1,000 posts at once its own throughput shows in "received".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.backends import add_database_url, fresh_postgres, is_postgres, postgres_version

CHILD_FLAG = "--sandbox-child"
REBUILD_FLAG = "--rebuild-child"
RATE_FLAG = "--rate-limit"
CHANNELS = 50


# ---- the sandbox, in its own process ---------------------------------------------------------


async def run_sandbox_child() -> None:
    from bot.sandbox import SandboxServer

    server = SandboxServer()
    await server.start()
    if RATE_FLAG in sys.argv:
        server.rate_limit_per_second = float(sys.argv[sys.argv.index(RATE_FLAG) + 1])
    guild = server.create_guild("Bench guild")
    channels = [guild.create_channel(f"news-{n}") for n in range(CHANNELS)]
    print(
        json.dumps(
            {
                "api_url": server.api_url,
                "gateway_url": server.gateway_url,
                "token": server.bot_token,
                "guild_id": guild.id,
                "channel_ids": [c.id for c in channels],
            }
        ),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    bot_id = server.state.bot_user.id
    received = [
        {
            # Titled announcements are embeds: their body is the description.
            "content": m.content or "".join(e.get("description", "") for e in m.embeds),
            "received_at": m.received_at,
            "channel_id": m.channel.id,
        }
        for channel in channels
        for m in channel.messages
        if m.author.id == bot_id
    ]
    await loop.run_in_executor(None, Path(line.strip()).write_text, json.dumps(received))
    await server.close()


# ---- filling the database --------------------------------------------------------------------


SPREAD_OFFSET = 10  # seconds after the burst: its posts are done by then


def announcement_rows(
    count: int,
    burst: int,
    spread: tuple[int, float],
    t0: datetime,
    channel_ids: list[int],
    guild_id: int,
) -> list[dict[str, Any]]:
    """`burst` due at t0 (a whole minute), `spread` over `window` s from t0 + 10 s, the rest
    tomorrow."""
    spread, window = spread
    rows: list[dict[str, Any]] = []
    for n in range(count):
        if n < burst:
            due = t0
        elif n < burst + spread:
            offset = SPREAD_OFFSET + (n - burst) * window / spread
            due = (t0 + timedelta(seconds=offset)).replace(microsecond=0)
        else:
            due = t0 + timedelta(days=1, seconds=n)
        cron = n % 2 == 1 and n < burst  # half of the burst is cron, the rest daily
        rows.append(
            {
                "guild_id": guild_id,
                "channel_id": channel_ids[n % len(channel_ids)],
                "title": None if n % 3 else f"Bench {n}",
                "body": f"bench #{n + 1}",
                "repeat": "cron" if cron else "daily",
                "cron": f"{due.minute} {due.hour} * * *" if cron else None,
                "timezone": "UTC",
                "anchor_local": due.strftime("%Y-%m-%dT%H:%M:%S"),
                "ping_role_id": None,
                "missed": "post_late",
                "status": "active",
                "next_run_at": due,
                "created_by": None,
                "created_at": t0,
                "updated_at": t0,
                "run_count": 0,
            }
        )
    return rows


async def fill(database: Any, rows: list[dict[str, Any]]) -> None:
    from cogs.announcements.models import Announcement

    async with database.sessions.begin() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Announcement), rows[start : start + 2000])


# ---- measuring ------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_id(content: str) -> int:
    return int(content.rsplit("#", 1)[1].split(maxsplit=1)[0])


def summary(values: list[float]) -> str:
    if not values:
        return "no posts"
    return (
        f"p50 {percentile(values, 50):.3f} s · p99 {percentile(values, 99):.3f} s · "
        f"max {max(values):.3f} s"
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure_rebuild(database: Any, repeats: int = 3) -> tuple[float, float]:
    """Seconds and MB (Python allocations) for the dispatcher's start-up rebuild."""
    from bot.audit import AuditService
    from bot.clock import SystemClock
    from cogs.announcements.dispatcher import Dispatcher
    from cogs.announcements.records import PostResult

    async def never(_: Any) -> PostResult:
        raise AssertionError("the rebuild benchmark posts nothing")

    async def quiet(_: int, __: str) -> None:
        return None

    times: list[float] = []
    peak = 0.0
    for _ in range(repeats):
        dispatcher = Dispatcher(
            database.sessions,
            AuditService(database.sessions),
            SystemClock(),
            never,
            quiet,
            grace=timedelta(hours=6),
            dialect=database.dialect,
        )
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        await dispatcher.rebuild()
        times.append(time.perf_counter() - started)
        peak = max(peak, tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    return min(times), peak


async def run(args: argparse.Namespace) -> int:
    from bot.app import create_bot
    from bot.config import load_settings
    from bot.db import Database

    child = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
        [sys.executable, "-m", "bench.announcements", CHILD_FLAG]
        + ([RATE_FLAG, str(args.rate_limit)] if args.rate_limit else []),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    world = json.loads(child.stdout.readline())
    workdir = Path(tempfile.mkdtemp(prefix="nexus-bench-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    backend = f"SQLite {sqlite3.sqlite_version}"
    if is_postgres(args.database_url):
        url = await fresh_postgres(args.database_url, "nexus_bench_announcements")
        backend = f"PostgreSQL {await postgres_version(url)}"
    settings = load_settings(
        None,
        database={"url": url},
        web={"enabled": False},
        discord={
            "api_url": world["api_url"],
            "gateway_url": world["gateway_url"],
            "guild_ready_timeout": 0.05,
        },
        pairing={"use_process_pool": False},
        announcements={"file": str(workdir / "none.yaml")},
    )
    database = Database(settings.database)
    await database.upgrade()
    now = datetime.now(UTC)
    # The burst falls on a whole minute (so cron "M H * * *" matches it), at least `lead` s away.
    t0 = (now + timedelta(seconds=args.lead + 59)).replace(second=0, microsecond=0)
    rows = announcement_rows(
        args.count,
        args.burst,
        (args.spread, args.window),
        t0,
        world["channel_ids"],
        world["guild_id"],
    )
    await fill(database, rows)
    rebuild_seconds, rebuild_mb = await measure_rebuild(database)
    await database.close()
    lean = await asyncio.to_thread(lean_rebuild, settings.database.url)

    bot = create_bot(settings)
    handed: dict[int, float] = {}
    runner = asyncio.create_task(bot.start(world["token"]))
    await asyncio.wait_for(bot.wait_until_ready(), 30)
    cog: Any = bot.get_cog("AnnouncementsCog")
    await asyncio.wait_for(cog.ready.wait(), 30)
    original_post = cog.dispatcher._poster

    cpu_marks: list[tuple[float, float]] = []

    async def timed_post(delivery: Any) -> Any:
        handed[delivery.announcement_id] = time.time()
        cpu_marks.append((time.time(), time.process_time()))
        return await original_post(delivery)

    claimed: dict[int, float] = {}
    original_deliver = cog.dispatcher.deliver

    async def timed_deliver(deliveries: list[Any], now: datetime) -> Any:
        moment = time.time()
        for delivery in deliveries:
            claimed[delivery.announcement_id] = moment
        return await original_deliver(deliveries, now)

    # The bench's probes: when a batch is claimed (ready to post) and when each post is handed
    # to discord.py (after the dispatcher's limit of concurrent posts).
    cog.dispatcher._poster = timed_post
    cog.dispatcher.deliver = timed_deliver
    gc.collect()
    rss_loaded = rss_mb()
    scheduled = len(cog.dispatcher)
    due_total = args.burst + args.spread
    end = t0 + timedelta(seconds=SPREAD_OFFSET + args.window + 2)
    print(f"bot ready; {scheduled} scheduled; burst at {t0:%H:%M:%S} UTC, waiting…", flush=True)
    await asyncio.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()))
    for _ in range(240):  # stragglers (a rate limit paces posts), for at most 2 minutes more
        if len(handed) >= due_total:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)
    rss_after = rss_mb()
    await bot.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(runner, 10)

    dump = workdir / "received.json"
    child.stdin.write(f"{dump}\n")
    child.stdin.flush()
    child.wait(30)
    received = json.loads(dump.read_text())

    due_at = {n + 1: row["next_run_at"].timestamp() for n, row in enumerate(rows)}
    counts = Counter(bench_id(m["content"]) for m in received if "bench #" in m["content"])
    burst_ids = set(range(1, args.burst + 1))
    spread_ids = set(range(args.burst + 1, due_total + 1))
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    drops = len((burst_ids | spread_ids) - set(counts))
    stray = len(set(counts) - burst_ids - spread_ids)
    arrival: dict[int, float] = {}
    for message in received:
        if "bench #" in message["content"]:
            arrival.setdefault(bench_id(message["content"]), message["received_at"])

    def lateness(ids: set[int], moments: dict[int, float]) -> list[float]:
        return [moments[i] - due_at[i] for i in ids if i in moments]

    table = [
        ("announcements active", f"{args.count:,}", ""),
        ("rebuild at start", f"{rebuild_seconds:.3f} s", "goal ≤ 1 s"),
        ("rebuild in a fresh process", f"{lean['seconds']:.3f} s", "goal ≤ 1 s"),
        ("rebuild allocations (peak)", f"{rebuild_mb:.1f} MB", ""),
        (
            "RSS, announcements process",
            f"{lean['after']:.1f} MB ({lean['after'] - lean['before']:+.1f} MB for the rebuild)",
            "goal ≤ 100 MB",
        ),
        ("RSS, whole bot (every feature)", f"{rss_loaded:.1f} MB", ""),
        ("RSS, whole bot after the runs", f"{rss_after:.1f} MB", ""),
    ]
    for name, ids, goal in (
        (f"{args.burst} due in one second", burst_ids, "p99 ≤ 0.5 s"),
        (f"{args.spread} spread over {args.window:g} s", spread_ids, "p99 ≤ 0.25 s"),
    ):
        table.append((f"{name}: received − scheduled", summary(lateness(ids, arrival)), goal))
        table.append((f"{name}: handed over − scheduled", summary(lateness(ids, handed)), ""))
        table.append((f"{name}: claimed − scheduled", summary(lateness(ids, claimed)), ""))
    burst_marks = [cpu for wall, cpu in cpu_marks if wall < t0.timestamp() + SPREAD_OFFSET]
    if len(burst_marks) > 1:
        per_post = (burst_marks[-1] - burst_marks[0]) / (len(burst_marks) - 1) * 1000
        table.append(("bot CPU per post in the burst", f"{per_post:.2f} ms", ""))
    table.append(("drops / duplicates / stray", f"{drops} / {duplicates} / {stray}", "0 / 0 / 0"))
    width = max(len(r[0]) for r in table)
    print()
    for name, value, goal in table:
        print(f"{name:<{width}}  {value:<48}  {goal}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{backend} · {os.cpu_count()} CPUs · load average {load} · "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    return 0 if drops == duplicates == stray == 0 else 1


async def run_rebuild_child(url: str) -> None:
    """In a fresh interpreter: RSS with the announcements code loaded, then after a rebuild."""
    from bot.config import load_settings
    from bot.db import Database
    from cogs.announcements.dispatcher import Dispatcher  # imported before "before" is read

    assert Dispatcher is not None
    database = Database(load_settings(None, database={"url": url}).database)
    await database.ping()
    gc.collect()
    before = rss_mb()
    seconds, _ = await measure_rebuild(database, repeats=1)
    gc.collect()
    print(json.dumps({"before": before, "after": rss_mb(), "seconds": seconds}), flush=True)
    await database.close()


def lean_rebuild(url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.announcements", REBUILD_FLAG, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> int:
    if CHILD_FLAG in sys.argv:  # (may also carry RATE_FLAG)
        asyncio.run(run_sandbox_child())
        return 0
    if REBUILD_FLAG in sys.argv:
        asyncio.run(run_rebuild_child(sys.argv[-1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 announcements, small bursts")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=1_000)
    parser.add_argument("--spread", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the spread covers")
    parser.add_argument("--lead", type=int, default=10, help="seconds between start and burst")
    add_database_url(parser)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=0,
        help="requests/s the sandbox allows (Discord: ~50); 0 = no limit, the bot's own figures",
    )
    args = parser.parse_args()
    if args.quick:
        args.count, args.burst, args.spread, args.window = 1_000, 100, 100, 10.0
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("cogs.announcements.dispatcher").setLevel(logging.INFO)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
