"""The write commands' transactions, in-process and without Discord: p50 per write.

    .venv/bin/python -m bench.writes                      # the quick seed, 1,000 calls a write
    .venv/bin/python -m bench.writes --only share,status --n 2000 --rounds 3
    .venv/bin/python -m bench.writes --seed /tmp/nexus-bench-commands/….db

Each write calls the service method its command calls (`/snippet share` → `SnippetStore.share`
and `record_post`, `/feedback status` → `FeedbackWorkflow.change_status` …) on a copy of
`bench.commands`' seeded SQLite file (run `bench.commands --quick` once to make it), so a figure
is what the bot's process spends on that write's transaction: its statements, the driver, the
commit. The sandbox, discord.py and the reply are left out.

The same file runs against an older tree to compare versions (the services' signatures are
the same): `PYTHONPATH=/path/to/old/tree .venv/bin/python bench/writes.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.commands import CACHE, GUILD, QUICK
from bot.audit import AuditService
from bot.clock import SystemClock
from bot.config import DatabaseSettings, Settings
from bot.db import Database
from bot.guild_settings import GuildSettingsService
from cogs.announcements.store import AnnouncementStore
from cogs.feedback.parts import build_parts as feedback_parts
from cogs.pairing.profiles import ProfileStore
from cogs.snippets.drafts import SnippetDraft
from cogs.snippets.parts import build_parts as snippet_parts

WARMUP = 20
Write = Callable[[int], Awaitable[Any]]


def first_ids(path: Path, statement: str, count: int) -> list[int]:
    with sqlite3.connect(path) as connection:
        return [int(row[0]) for row in connection.execute(statement, (GUILD, count))]


async def writes(database: Database, path: Path, n: int) -> dict[str, Write]:
    sessions = database.sessions
    clock = SystemClock()
    audit = AuditService(sessions)
    snippets = snippet_parts(
        sessions, dialect="sqlite", clock=clock, audit=audit, ranked_by_tantivy=False
    ).store
    feedback = feedback_parts(sessions, audit, clock=clock)
    announcements = AnnouncementStore(sessions, audit)
    profiles = ProfileStore(sessions, clock)
    settings = GuildSettingsService(sessions, Settings())
    starred = first_ids(path, "SELECT id FROM snippets WHERE guild_id = ? LIMIT ?", 1)[0]
    items = first_ids(
        path,
        "SELECT number FROM feedback_items WHERE guild_id = ? AND status = 'open' LIMIT ?",
        1,
    )
    cancellable = iter(
        first_ids(
            path,
            "SELECT id FROM announcements WHERE guild_id = ? AND status = 'active' LIMIT ?",
            n + WARMUP,
        )
    )
    await feedback.workflow.change_status(GUILD, items[0], 1, "acknowledged")
    moves = itertools.cycle(("in_progress", "acknowledged"))

    async def share(i: int) -> None:
        draft = SnippetDraft(
            title=f"Bench {i}",
            code=f"def bench_{i}(value):\n    return value * {i}\n",
            language="python",
            tags=(),
            description=None,
        )
        # A member of their own each time: the rate limit never refuses.
        record = await snippets.share(GUILD, 10**12 + i, draft, shares_per_minute=5)
        await snippets.record_post(GUILD, record.id, 1, 10**12 + i)

    async def log(i: int) -> None:
        draft = feedback.intake.draft(
            GUILD, 10**12 + i, endpoint="GET /api/jobs", severity="bug",
            title=f"Bench write {i} qzx", details="Steps: call it.",
        )  # fmt: skip
        await feedback.intake.create(draft)

    return {
        "share": share,
        "star": lambda i: snippets.toggle_star(GUILD, starred, 10**12 + i % 2),
        "log": log,
        "status": lambda i: feedback.workflow.change_status(GUILD, items[0], 1, next(moves)),
        "announce_cancel": lambda i: announcements.cancel(GUILD, 1, next(cancellable), clock.now()),
        "pair_join": lambda i: profiles.join(
            GUILD, 10**12, level="beginner", timezone="UTC", track=None, topics="python"
        ),
        "config_set": lambda i: settings.set(GUILD, "timezone", ("UTC", "Europe/Berlin")[i % 2], 1),
    }


async def p50(write: Write, n: int) -> float:
    for i in range(WARMUP):
        await write(i)
    gc.collect()
    times = []
    for i in range(WARMUP, WARMUP + n):
        started = time.perf_counter()
        await write(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# ---- shared with bench.reads (kept here: this file must run against older trees too) -----


@contextlib.asynccontextmanager
async def seed_copy(seed: Path, prefix: str) -> AsyncIterator[tuple[Database, Path]]:
    """A migrated database on a throwaway copy of `seed`, closed and deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        path = Path(home) / "nexus.db"
        shutil.copy(seed, path)
        database = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
        await database.upgrade()
        try:
            yield database, path
        finally:
            await database.close()


def report(title: str, results: dict[str, list[float]]) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{title}, load average {load}")
    for name, figures in results.items():
        shown = " ".join(f"{value * 1e3:.3f}" for value in figures)
        print(f"  {name:<16} p50 ms {shown}")


def arguments(doc: str, what: str, n: int, example: str) -> argparse.Namespace:
    """The in-process benchmarks' options: the seed, calls per `what`, rounds, a subset."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--seed", type=Path, default=CACHE / f"{QUICK.key}.db")
    parser.add_argument("--n", type=int, default=n, help=f"calls a {what}, after the warm-up")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", default=None, help=f"some {what}s: {example!r}")
    parsed = parser.parse_args()
    if not parsed.seed.is_file():
        raise SystemExit(f"no seed at {parsed.seed}: run `python -m bench.commands --quick`")
    parsed.only = parsed.only.split(",") if parsed.only else None
    return parsed


async def main(seed: Path, n: int, rounds: int, only: list[str] | None) -> None:
    results: dict[str, list[float]] = {}
    for _ in range(rounds):
        async with seed_copy(seed, "nexus-bench-writes-") as (database, path):
            chosen = await writes(database, path, n)
            for name in only or list(chosen):
                results.setdefault(name, []).append(await p50(chosen[name], n))
    report(f"bench.writes — {n} calls a write, {rounds} round(s)", results)


if __name__ == "__main__":
    options = arguments(__doc__ or "", "write", 1000, "share,status")
    asyncio.run(main(options.seed, options.n, options.rounds, options.only))
