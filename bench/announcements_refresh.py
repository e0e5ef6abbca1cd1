"""What the dispatcher's periodic refresh costs (issue 8: several processes share one database).

    .venv/bin/python -m bench.announcements_refresh            # 10,000 announcements
    .venv/bin/python -m bench.announcements_refresh --quick    # 1,000
    .venv/bin/python -m bench.announcements_refresh --database-url postgresql+asyncpg://…

Every process re-reads the rows due within REFRESH_HORIZON every REFRESH_EVERY, so it learns
of announcements another process created or moved earlier. Measured against the full start-up
rebuild, in three layouts of the same table:

* spread: due times spread over a day (the usual case: a handful inside the horizon);
* burst: every row due inside the horizon (all guilds announcing at 09:00; the worst case);
* none: nothing due soon (the refresh is an empty index range scan).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from bench.backends import add_database_url, fresh_postgres, is_postgres

GUILD = 1_000_000_000_000_000


def rows(count: int, layout: str, now: datetime) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for n in range(count):
        if layout == "burst":
            due = now + timedelta(seconds=60)
        elif layout == "spread":
            due = now + timedelta(seconds=86_400 * n / count)
        else:
            due = now + timedelta(hours=3, seconds=n)
        result.append(
            {
                "guild_id": GUILD + n % 500,
                "channel_id": 7,
                "title": None,
                "body": f"bench #{n}",
                "repeat": "daily",
                "cron": None,
                "timezone": "UTC",
                "anchor_local": due.strftime("%Y-%m-%dT%H:%M:%S"),
                "ping_role_id": None,
                "missed": "post_late",
                "status": "active",
                "next_run_at": due,
                "created_by": None,
                "created_at": now,
                "updated_at": now,
                "run_count": 0,
            }
        )
    return result


async def timed(work: Any, repeats: int) -> tuple[float, float]:
    """Median and best milliseconds of `repeats` awaits of `work()`."""
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


async def run(args: argparse.Namespace) -> None:
    from bot.audit import AuditService
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.db import Database
    from cogs.announcements.dispatcher import Dispatcher
    from cogs.announcements.models import Announcement
    from cogs.announcements.records import PostResult

    if is_postgres(args.database_url):
        url = await fresh_postgres(args.database_url, "nexus_bench_refresh")
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'refresh.db'}"
    database = Database(load_settings(None, database={"url": url}).database)
    await database.upgrade()

    async def never(_: Any) -> PostResult:
        raise AssertionError("the refresh benchmark posts nothing")

    async def quiet(_: int, __: str) -> None:
        return None

    print(f"backend: {database.dialect}, {args.count:,} active announcements")
    print(f"{'layout':<8} {'in horizon':>10} {'refresh ms (median/best)':>26} {'rebuild ms':>12}")
    for layout in ("spread", "burst", "none"):
        now = datetime.now(UTC)
        async with database.sessions.begin() as session:
            await session.execute(delete(Announcement))
            table_rows = rows(args.count, layout, now)
            for start in range(0, len(table_rows), 2000):
                await session.execute(insert(Announcement), table_rows[start : start + 2000])
        dispatcher = Dispatcher(
            database.sessions,
            AuditService(database.sessions),
            SystemClock(),
            never,
            quiet,
            grace=timedelta(hours=6),
            dialect=database.dialect,
        )
        learnt = await dispatcher.refresh(now)  # an empty heap: learns every row in the horizon
        refresh = await timed(lambda d=dispatcher, at=now: d.refresh(at), args.repeats)
        rebuild = await timed(dispatcher.rebuild, max(3, args.repeats // 5))
        print(
            f"{layout:<8} {learnt:>10,} {refresh[0]:>16.2f} / {refresh[1]:<7.2f} "
            f"{rebuild[0]:>12.1f}"
        )
    await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 announcements")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    add_database_url(parser)
    args = parser.parse_args()
    if args.quick:
        args.count, args.repeats = 1_000, 5
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
