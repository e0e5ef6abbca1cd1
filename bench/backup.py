"""Backups of a large database: `db backup` while a member shares snippets, then `db restore`.

Measures the backup's duration and size, how long one share takes before and during the
backup (the bot's writers must not wait on it), the restore's duration, and whether every
share acknowledged before the backup started is in the restored database.

    python -m bench.backup --count 100000
    python -m bench.backup --count 100000 --database-url postgresql+asyncpg://nexus@host/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.backup import backup_database, remove_database_file
from bot.clock import FrozenClock
from bot.config import DatabaseSettings
from bot.db import Database
from bot.restore import restore_database
from cogs.snippets.drafts import build_draft
from cogs.snippets.models import Snippet
from cogs.snippets.parts import SnippetParts, build_parts

from .backends import add_database_url, fresh_postgres, is_postgres
from .snippets import build, build_postgres, percentile

GUILD = 1
BASELINE_SECONDS = 3.0


async def share_forever(
    snippets: SnippetParts, latencies: list[tuple[float, float]], acknowledged: list[int]
) -> None:
    """One member after another sharing a snippet, as fast as the database answers."""
    number = 0
    while True:
        number += 1
        draft = build_draft(
            title=f"Written during the benchmark {number}",
            code=f"print({number})\n",
            language="python",
            tags=None,
            description=None,
            max_bytes=100_000,
        )
        started = time.perf_counter()
        record = await snippets.store.share(GUILD, number % 500, draft, shares_per_minute=10**9)
        latencies.append((started, time.perf_counter() - started))
        acknowledged.append(record.id)
        await asyncio.sleep(0)


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f} ms" if values else "n/a"


async def measure(url: str, restore_url: str, out: Path) -> None:
    settings = DatabaseSettings(url=url)
    database = Database(settings)
    clock = FrozenClock(datetime(2031, 3, 30, 9, 0, tzinfo=UTC))
    snippets = build_parts(database.sessions, dialect=database.dialect, clock=clock)
    latencies: list[tuple[float, float]] = []
    acknowledged: list[int] = []
    writer = asyncio.create_task(share_forever(snippets, latencies, acknowledged))
    await asyncio.sleep(BASELINE_SECONDS)
    remove_database_file(out)
    before = set(acknowledged)
    started = time.perf_counter()
    report = await backup_database(settings, out)
    finished = time.perf_counter()
    writer.cancel()
    await asyncio.gather(writer, return_exceptions=True)
    snippets.store.close()
    await database.close()

    baseline = [seconds for when, seconds in latencies if when < started]
    during = [seconds for when, seconds in latencies if started <= when < finished]
    restore_started = time.perf_counter()
    restored = await restore_database(out, DatabaseSettings(url=restore_url))
    restore_seconds = time.perf_counter() - restore_started
    target = Database(DatabaseSettings(url=restore_url))
    async with target.sessions() as session:
        ids = set((await session.scalars(select(Snippet.id))).all())
    await target.close()

    contents = report.contents
    print(f"backup: {contents.total_rows:,} rows, {contents.size_bytes / 1e6:,.1f} MB, ")
    print(f"  {report.seconds:.2f} s ({contents.total_rows / report.seconds:,.0f} rows/s)")
    print(f"share before the backup: p50 {ms(baseline, 50)}, p99 {ms(baseline, 99)}")
    print(
        f"share during the backup: p50 {ms(during, 50)}, p99 {ms(during, 99)}, "
        f"max {max(during) * 1000 if during else 0:.1f} ms ({len(during)} shares)"
    )
    print(f"restore: {restored.copied.total:,} rows in {restore_seconds:.2f} s")
    print(f"acknowledged before the backup and found after the restore: {len(before & ids):,}")
    print(f"  of {len(before):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="snippets to generate")
    add_database_url(parser)
    args = parser.parse_args()
    out = Path(f"/tmp/nexus-bench-backup-{args.count}.backup.db")
    if is_postgres(args.database_url):
        url = asyncio.run(fresh_postgres(args.database_url, f"nexus_bench_backup_{args.count}"))
        restore_url = asyncio.run(fresh_postgres(args.database_url, "nexus_bench_restored"))
        print(f"generating {args.count:,} snippets into PostgreSQL …", flush=True)
        asyncio.run(build_postgres(url, args.count))
    else:
        path = Path(f"/tmp/nexus-bench-backup-{args.count}.db")
        restored = Path(f"/tmp/nexus-bench-backup-{args.count}.restored.db")
        remove_database_file(restored)
        url = f"sqlite+aiosqlite:///{path}"
        restore_url = f"sqlite+aiosqlite:///{restored}"
        print(f"generating {args.count:,} snippets into {path} …", flush=True)
        build(path, args.count)
    asyncio.run(measure(url, restore_url, out))


if __name__ == "__main__":
    main()
