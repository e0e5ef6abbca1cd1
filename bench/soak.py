"""Memory over time: Nexus under steady mixed traffic, its resident memory every minute.

    .venv/bin/python -m bench.soak                  # 30 minutes on bench.commands' full seed
                                                    # (1,000,000 snippets, 100,000 feedback
                                                    # items, 10,000 announcements, …)
    .venv/bin/python -m bench.soak --quick          # its small seed, 3 minutes
    .venv/bin/python -m bench.soak --minutes 60 --rate 20

Nexus runs as a user runs it (its own process, SQLite, web off) on a copy of the database
`bench.commands` seeds and caches; the sandbox runs in a process of its own with 1,000 members
(`bench.sandbox_service`), and this process sends the traffic through it (`bench.apart`). Every
`1 / rate` seconds one command starts, drawn from a fixed mix of reads and writes across
snippets, feedback, pairing, announcements and admin, acted by members in turn (so that what
is kept per member meets many members). Every minute the bot's VmRSS and RssAnon (from
/proc/PID/status) are printed with the commands done and failed; at the end, the growth per
minute over the second half (a least-squares slope).

Goals (issue 13): ≤ 100 MB resident after an hour of mixed traffic at those sizes; no growth
over a 30-minute soak.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.apart import ActError, Apart, apart, memory
from bench.commands import (
    BOT_ENV,
    FULL,
    GUILD,
    PAIRER,
    POSTING_FEATURES,
    QUICK,
    SEARCHES,
    Sizes,
    built_search_index,
    check_channel_set,
    seeded_sqlite,
)
from bench.commands import some_author as first_author

MEMBERS = 1000
IN_FLIGHT = 50  # a command that would start beyond this many waiting is skipped (and counted)


@dataclass
class Traffic:
    """Who acts, which rows exist, and what happened so far."""

    apart: Apart
    sizes: Sizes
    author: int
    rng: random.Random = field(default_factory=lambda: random.Random(3))
    turn: int = 0
    logged: list[int] = field(default_factory=list)
    announced: list[int] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def owner(self) -> int:
        return int(self.apart.info["owner"])

    @property
    def channel(self) -> dict[str, int]:
        return {"channel": int(self.apart.info["channel"])}

    def member(self) -> int:
        """The numbered members in turn: each comes back every MEMBERS commands."""
        self.turn += 1
        return self.apart.members[self.turn % MEMBERS]

    def word(self) -> str:
        return "".join(self.rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))


Action = Callable[[Traffic], Awaitable[None]]


async def act(traffic: Traffic, path: str, user: int, **body: Any) -> dict[str, Any]:
    return await traffic.apart.invoke(path, user, **body)


def read(path: str, who: str, options: Callable[[Traffic], dict[str, Any]] | None = None) -> Action:
    async def run(traffic: Traffic) -> None:
        user = {"owner": traffic.owner, "author": traffic.author, "pairer": PAIRER}.get(
            who, traffic.member() if who == "member" else traffic.owner
        )
        await act(traffic, path, user, options=options(traffic) if options else {})

    return run


async def share(traffic: Traffic) -> None:
    code = f"def soak_{traffic.word()}(value):\n    return value * {traffic.turn}\n"
    await act(traffic, "/snippet share", traffic.member(), options={
        "title": f"Soak {traffic.word()}", "code": code, "language": "python"})  # fmt: skip


async def star(traffic: Traffic) -> None:
    ident = traffic.rng.randrange(1, traffic.sizes.snippets // 10) * 10
    await act(traffic, "/snippet star", traffic.member(), options={"id": ident})


async def feedback_log(traffic: Traffic) -> None:
    title = " ".join(traffic.word() for _ in range(4))
    answer = await act(traffic, "/feedback log", traffic.member(), options={
        "endpoint": "GET /api/jobs", "severity": "bug", "title": title,
        "details": "Steps: call it with the usual headers."})  # fmt: skip
    found = re.search(r"FB-(\d+)", answer["text"])
    if found:
        traffic.logged.append(int(found.group(1)))
        del traffic.logged[:-100]


async def feedback_status(traffic: Traffic) -> None:
    if not traffic.logged:
        return
    number = traffic.rng.choice(traffic.logged)
    status = traffic.rng.choice(["acknowledged", "in_progress", "open"])
    await act(traffic, "/feedback status", traffic.owner, options={
        "id": f"FB-{number}", "status": status})  # fmt: skip


async def announce_create(traffic: Traffic) -> None:
    answer = await act(traffic, "/announce create", traffic.owner, options={
        "channel": traffic.channel, "when": "in 30 days",
        "message": f"Soak {traffic.word()}", "repeat": "weekly"})  # fmt: skip
    found = re.search(r"#(\d+)", answer["text"])
    if found:
        traffic.announced.append(int(found.group(1)))


async def announce_cancel(traffic: Traffic) -> None:
    # Those this run made, so that the schedule's size stays where the seed put it.
    if not traffic.announced:
        return
    ident = traffic.announced.pop(0)
    await act(traffic, "/announce cancel", traffic.owner, options={"id": ident},
              click="Cancel announcement")  # fmt: skip


async def pair_join(traffic: Traffic) -> None:
    await act(traffic, "/pair join", traffic.member(), options={
        "level": "intermediate", "timezone": "Europe/Berlin", "topics": "python, sql"})  # fmt: skip


async def pair_leave(traffic: Traffic) -> None:
    await act(traffic, "/pair leave", traffic.apart.members[(traffic.turn - 7) % MEMBERS])


async def config_set(traffic: Traffic) -> None:
    value = ("delete", "anonymise")[traffic.turn % 2]
    await act(traffic, "/admin config set", traffic.owner, options={
        "key": "snippets.on_forget", "value": value})  # fmt: skip


def snippet_id(traffic: Traffic) -> dict[str, Any]:
    return {"id": traffic.rng.randrange(1, traffic.sizes.snippets // 10) * 10}


# (name, weight, action): about two reads to one write, the writes' rows kept in step.
MIX: list[tuple[str, int, Action]] = [
    ("/snippet search", 6, read("/snippet search", "member", lambda t: t.rng.choice(SEARCHES))),
    ("/snippet get", 8, read("/snippet get", "member", snippet_id)),
    ("/snippet top", 3, read("/snippet top", "member")),
    ("/snippet mine", 3, read("/snippet mine", "author")),
    ("/feedback list", 4, read("/feedback list", "member")),
    ("/feedback show", 4, read("/feedback show", "member",
                                lambda t: {"id": f"FB-{t.rng.randrange(1, t.sizes.feedback)}"})),
    ("/pair status", 3, read("/pair status", "pairer")),
    ("/pair history", 2, read("/pair history", "pairer")),
    ("/announce list", 3, read("/announce list", "owner")),
    ("/announce show", 3, read("/announce show", "owner",
                                lambda t: {"id": t.rng.randrange(1, t.sizes.announcements)})),
    ("/admin stats", 1, read("/admin stats", "owner")),
    ("/admin audit", 2, read("/admin audit", "owner")),
    ("/nexus ping", 4, read("/nexus ping", "member")),
    ("/snippet share", 3, share),
    ("/snippet star", 4, star),
    ("/feedback log", 3, feedback_log),
    ("/feedback status", 3, feedback_status),
    ("/pair join", 3, pair_join),
    ("/pair leave", 3, pair_leave),
    ("/announce create", 2, announce_create),
    ("/announce cancel", 2, announce_cancel),
    ("/admin config set", 1, config_set),
]  # fmt: skip


async def one(traffic: Traffic, name: str, action: Action) -> None:
    try:
        await action(traffic)
    except (ActError, TimeoutError, OSError, aiohttp.ClientError) as exc:
        traffic.failed[name] += 1
        if len(traffic.errors) < 20:
            traffic.errors.append(f"{name}: {exc}")
    else:
        traffic.done[name] += 1


async def configure(traffic: Traffic) -> None:
    """The channels the features post in: the one the commands are typed in."""
    for feature in POSTING_FEATURES:
        answer = await act(traffic, "/admin config set", traffic.owner, options={
            "key": f"channels.{feature}", "value": str(traffic.channel["channel"])})  # fmt: skip
        check_channel_set(feature, str(answer.get("text", "")))


@dataclass(frozen=True)
class Sample:
    minute: float
    rss_kb: int
    anon_kb: int
    threads: int
    done: int
    failed: int


def line(sample: Sample) -> str:
    return (
        f"{sample.minute:6.1f} min  VmRSS {sample.rss_kb / 1024:7.1f} MB  "
        f"RssAnon {sample.anon_kb / 1024:7.1f} MB  threads {sample.threads:>3}  "
        f"commands {sample.done:>7}  "
        f"failed {sample.failed:>5}  load {os.getloadavg()[0]:.2f}"
    )


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares growth per unit of x (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


async def drive(traffic: Traffic, minutes: float, rate: float) -> list[Sample]:
    names = [name for name, _, _ in MIX]
    weights = [weight for _, weight, _ in MIX]
    actions = {name: action for name, _, action in MIX}
    pid = traffic.apart.bot.pid
    running: set[asyncio.Task[None]] = set()
    samples: list[Sample] = []
    started = time.perf_counter()
    next_sample, tick = 0.0, 0

    def sample(now: float) -> None:
        found = memory(pid)
        taken = Sample((now - started) / 60, found["VmRSS"], found["RssAnon"], found["Threads"],
                       sum(traffic.done.values()), sum(traffic.failed.values()))  # fmt: skip
        samples.append(taken)
        print(line(taken), flush=True)

    while (now := time.perf_counter()) - started < minutes * 60:
        if now - started >= next_sample:
            sample(now)
            next_sample += 60
        if len(running) < IN_FLIGHT:
            name = traffic.rng.choices(names, weights)[0]
            task = asyncio.create_task(one(traffic, name, actions[name]))
            running.add(task)
            task.add_done_callback(running.discard)
        else:
            traffic.failed["skipped: too many in flight"] += 1
        tick += 1
        await asyncio.sleep(max(0.0, started + tick / rate - time.perf_counter()))
    if running:
        await asyncio.wait(running, timeout=30)
    sample(time.perf_counter())
    return samples


def summary(samples: list[Sample], traffic: Traffic) -> str:
    half = samples[len(samples) // 2 :]
    rss = slope([(s.minute, s.rss_kb / 1024) for s in half])
    anon = slope([(s.minute, s.anon_kb / 1024) for s in half])
    lines = [
        f"second half ({half[0].minute:.0f}–{half[-1].minute:.0f} min): VmRSS {rss:+.3f} MB/min, "
        f"RssAnon {anon:+.3f} MB/min; peak VmRSS {max(s.rss_kb for s in samples) / 1024:.1f} MB",
        "commands: " + ", ".join(f"{n} {c}" for n, c in sorted(traffic.done.items())),
    ]
    if traffic.failed:
        lines.append("failed: " + ", ".join(f"{n} {c}" for n, c in sorted(traffic.failed.items())))
        lines += [f"  {error}" for error in traffic.errors[:10]]
    return "\n".join(lines)


async def soak(url: str, sizes: Sizes, author: int, minutes: float, rate: float, log: Path) -> None:
    async with apart(
        "nexus", members=MEMBERS, database_url=url, guild_id=GUILD,
        member_ids=(author, PAIRER), env=BOT_ENV, log=log,
    ) as running:  # fmt: skip
        traffic = Traffic(running, sizes, author)
        await configure(traffic)
        print(f"bot pid {running.bot.pid}; {rate:g} commands/s for {minutes:g} min", flush=True)
        samples = await drive(traffic, minutes, rate)
        print(summary(samples, traffic), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small seed, 3 minutes")
    parser.add_argument("--minutes", type=float, default=None, help="how long (30)")
    parser.add_argument("--rate", type=float, default=20.0, help="commands started per second")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    minutes = args.minutes or (3.0 if args.quick else 30.0)
    cached = seeded_sqlite(sizes)
    work = Path(tempfile.mkdtemp(prefix="nexus-bench-soak-"))
    shutil.copyfile(cached, work / "nexus.db")
    if (built := built_search_index(cached, sizes)) is not None:
        # A search index already built for these snippets: the soak measures use, not a build.
        shutil.copytree(built, work / "nexus.db.search")
    print(
        f"bench.soak — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, SQLite "
        f"{sqlite3.sqlite_version}; {sizes.snippets:,} snippets, {sizes.feedback:,} feedback "
        f"items, {sizes.announcements:,} announcements; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )
    try:
        url = f"sqlite+aiosqlite:///{work / 'nexus.db'}"
        author = first_author(work / "nexus.db")
        asyncio.run(soak(url, sizes, author, minutes, args.rate, work / "bot.log"))
    except BaseException:
        print("the bot's log ends:\n" + (work / "bot.log").read_text()[-3000:], flush=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
