"""Admin benchmark: export, audit pages and autocomplete, forget, and the pending-forget rebuild.

    .venv/bin/python -m bench.admin            # 200,000 audit rows per guild, 10,000 pending
    .venv/bin/python -m bench.admin --quick    # 5,000 and 500, a smoke run

Runs the admin service and the core's audit service on a real SQLite file (WAL, as the bot
opens it). Two guilds hold the same amount of data, so every query must find its own guild's
rows among others'. Measured:

* export: the whole guild as JSON — time, rows/s, file size, peak Python memory;
* audit: newest page, a page deep in the log (keyset `before_id`), filtered by a common action,
  a rare action and a rare actor — p50/p99 over repeated runs;
* the `action` autocomplete (distinct actions containing the typed text);
* forget: one member's rows across the core tables;
* rebuild: reading every pending forget and adding its in-memory job (what start-up does).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.audit import AuditService
from bot.clock import SystemClock
from bot.config import load_settings
from bot.db import Database
from bot.models import AuditEntry, FeatureBlock
from bot.scheduler import Scheduler
from cogs.admin.audit_actions import AuditActions
from cogs.admin.export import ExportService
from cogs.admin.forget import ForgetService
from cogs.admin.models import PendingForget
from cogs.admin.pending_forgets import PendingForgets

GUILD = 1_000_000_000_000_000_001
OTHER_GUILD = 1_000_000_000_000_000_002
MODERATORS = [2_000_000_000_000_000_000 + n for n in range(20)]
RARE_ACTOR = 2_999_999_999_999_999_999
COMMON_ACTIONS = ["snippet.delete", "feedback.status", "admin.block", "announce.create"]
RARE_ACTION = "admin.forget"
START = datetime(2026, 1, 1, tzinfo=UTC)


async def seed(
    database: Database, rows: int, pending: int, *, guilds: tuple[int, int] = (GUILD, OTHER_GUILD)
) -> None:
    """`rows` audit entries in each of two guilds, and `pending` forgets due in ten years in the
    first."""
    rng = random.Random(7)
    for guild in guilds:
        batch: list[dict[str, Any]] = []
        for n in range(rows):
            rare = n % 1000 == 0
            batch.append(
                {
                    "guild_id": guild,
                    "actor_id": RARE_ACTOR if n % 5000 == 1 else rng.choice(MODERATORS),
                    "action": RARE_ACTION if rare else rng.choice(COMMON_ACTIONS),
                    "target": f"FB-{n}",
                    "details": {"note": "moved to in_progress", "n": n},
                    "created_at": START + timedelta(seconds=n),
                }
            )
            if len(batch) == 10_000:
                await _insert(database, AuditEntry, batch)
                batch = []
        if batch:
            await _insert(database, AuditEntry, batch)
        blocks = [
            {"guild_id": guild, "user_id": 3_000_000 + n, "feature": "snippets",
             "blocked_by": MODERATORS[0], "reason": "spam", "created_at": START}
            for n in range(rows // 100)
        ]  # fmt: skip
        await _insert(database, FeatureBlock, blocks)
    plans = [
        {"guild_id": guilds[0], "user_id": 4_000_000 + n, "left_at": START,
         "due_at": START + timedelta(days=3650, minutes=n), "created_at": START}
        for n in range(pending)
    ]  # fmt: skip
    await _insert(database, PendingForget, plans)


async def _insert(database: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    async with database.sessions.begin() as session:
        await session.execute(insert(model), rows)


async def timed(action: Callable[[], Awaitable[Any]], repeats: int) -> tuple[float, float, float]:
    """p50, p99 and max in milliseconds."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered), p99, ordered[-1]


async def rebuild_jobs(pending: PendingForgets) -> tuple[float, int]:
    """What the cog does at start: read every pending forget, add one in-memory job each."""
    scheduler = Scheduler(SystemClock())
    scheduler.start()

    async def noop(guild_id: int, user_id: int) -> None:
        return None

    scheduler.handle("admin.forget", noop)
    started = time.perf_counter()
    plans = await pending.plans()
    for plan in plans:
        scheduler.schedule_at(plan.job_id, plan.due_at, "admin.forget", plan.guild_id, plan.user_id)
    seconds = time.perf_counter() - started
    scheduler.shutdown()
    return seconds, len(plans)


async def main(rows: int, pending: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        database = Database(load_settings(None, database={"url": url}).database)
        await database.upgrade()
        started = time.perf_counter()
        await seed(database, rows, pending)
        seeded = time.perf_counter() - started
        size = await database.size_bytes() or 0
        print(
            f"seeded {2 * rows:,} audit rows, {2 * (rows // 100):,} blocks, {pending:,} pending "
            f"forgets in {seeded:.1f} s; database {size / 1e6:.1f} MB; {os.cpu_count()} CPUs"
        )
        actions = AuditActions(database.sessions)
        cold = AuditActions(database.sessions, ttl_seconds=0)
        audit = AuditService(database.sessions)
        exports = ExportService(database.sessions)

        started = time.perf_counter()
        result = await exports.export_guild(GUILD, START, "bench")
        export_seconds = time.perf_counter() - started
        # Memory in a second run: tracemalloc slows Python down several times over.
        tracemalloc.start()
        await exports.export_guild(GUILD, START, "bench")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        middle = (await audit.list(GUILD, limit=1)).records[0].id - rows // 2
        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("audit: newest page", lambda: audit.list(GUILD)),
            ("audit: page deep in the log", lambda: audit.list(GUILD, before_id=middle)),
            ("audit: common action", lambda: audit.list(GUILD, action="admin.block")),
            ("audit: rare action (1 in 1000)", lambda: audit.list(GUILD, action=RARE_ACTION)),
            ("audit: rare actor (1 in 5000)", lambda: audit.list(GUILD, actor_id=RARE_ACTOR)),
            ("autocomplete: action, cold", lambda: cold.matching(GUILD, "adm")),
            ("autocomplete: action, cached", lambda: actions.matching(GUILD, "adm")),
        ]
        print()
        print(f"{'operation':<34} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
        for label, action in cases:
            p50, p99, worst = await timed(action, repeats)
            print(f"{label:<34} {p50:>9.2f} {p99:>9.2f} {worst:>9.2f}")

        forget_user = 3_000_000 + 5
        started = time.perf_counter()
        outcome = await ForgetService(database.sessions).forget_member(GUILD, forget_user, [])
        forget_ms = (time.perf_counter() - started) * 1000
        print(f"{'forget: one member (core rows)':<34} {forget_ms:>9.2f}  ({outcome.removed})")

        pending_forgets = PendingForgets(database.sessions)
        rebuild, jobs = await rebuild_jobs(pending_forgets)
        tracemalloc.start()
        await rebuild_jobs(pending_forgets)
        _, rebuild_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        print()
        print(f"{'bulk operation':<34} {'rows':>9} {'seconds':>9} {'rows/s':>9} {'MB':>9}")
        print(
            f"{'export (JSON, one guild)':<34} {result.total_rows:>9,} {export_seconds:>9.2f} "
            f"{result.total_rows / export_seconds:>9,.0f} {len(result.data) / 1e6:>9.1f}"
        )
        print(f"{'  peak Python memory (MB)':<34} {'':>9} {'':>9} {'':>9} {peak / 1e6:>9.1f}")
        print(
            f"{'rebuild pending-forget jobs':<34} {jobs:>9,} {rebuild:>9.2f} "
            f"{jobs / rebuild:>9,.0f} {rebuild_peak / 1e6:>9.1f}"
        )
        await database.close()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse()
    if args.quick:
        asyncio.run(main(rows=5_000, pending=500, repeats=20))
    else:
        asyncio.run(main(rows=200_000, pending=10_000, repeats=100))
