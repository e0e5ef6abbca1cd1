"""The read commands' database reads, in-process and without Discord: p50 per read.

    .venv/bin/python -m bench.reads                       # the quick seed, 2,000 calls a read
    .venv/bin/python -m bench.reads --only pair_status,admin_audit --n 5000 --rounds 3
    .venv/bin/python -m bench.reads --seed /tmp/nexus-bench-commands/….db

Each read calls the service method its command calls (`/pair status` → `ProfileStore.status`
…) on a copy of `bench.commands`' seeded SQLite file (run `bench.commands --quick` once to make
it), so a figure is what the bot's process spends on that read: building and executing the
statement, the driver's thread hop, turning rows into records. The sandbox, discord.py and the
reply are left out, and with them most of `bench.commands`' noise on a shared machine.

To compare two versions, run this from each tree in turn for a few rounds and read the load
average beside the figures: on a busy two-core machine one run alone moves by 20 %.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.commands import GUILD, PAIRER
from bench.writes import arguments, report, seed_copy
from bot.audit import AuditService
from bot.clock import SystemClock
from bot.db import Database
from bot.feature import FeatureStats, ForgetReport
from bot.guild_stats import StatsService
from cogs.admin.pending_forgets import PendingForgets
from cogs.announcements.member_data import AnnouncementMemberData
from cogs.announcements.store import AnnouncementStore
from cogs.pairing.history import HistoryStore
from cogs.pairing.member_data import MemberData
from cogs.pairing.profiles import ProfileStore

WARMUP = 50
Read = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Counted:
    """A feature as /admin stats asks it (`MemberDataOwner`), with its real counts."""

    feature: str
    counts: Callable[[int], Awaitable[FeatureStats]]

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        raise NotImplementedError

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.counts(guild_id)


def an_announcement(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT id FROM announcements WHERE guild_id = ? AND status != 'cancelled' LIMIT 1",
            (GUILD,),
        ).fetchone()
    return int(row[0])


def reads(database: Database, announcement: int) -> dict[str, Read]:
    sessions = database.sessions
    audit = AuditService(sessions)
    profiles = ProfileStore(sessions, SystemClock())
    history = HistoryStore(sessions)
    announcements = AnnouncementStore(sessions, audit)
    stats = StatsService(sessions)
    stats.count_also(PendingForgets(sessions).counts)
    features = [
        Counted("announcements", AnnouncementMemberData(sessions).stats),
        Counted("pairing", MemberData(sessions).stats),
    ]
    return {
        "pair_status": lambda: profiles.status(GUILD, PAIRER),
        "pair_history": lambda: history.history(GUILD, PAIRER),
        "announce_list": lambda: announcements.list_page(GUILD, None),
        "announce_show": lambda: announcements.get(GUILD, announcement),
        "admin_stats": lambda: stats.stats(GUILD, features),
        "admin_audit": lambda: audit.list(GUILD, limit=10),
    }


async def p50(read: Read, n: int) -> float:
    for _ in range(WARMUP):
        await read()
    gc.collect()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main(seed: Path, n: int, rounds: int, only: list[str] | None) -> None:
    async with seed_copy(seed, "nexus-bench-reads-") as (database, path):
        chosen = reads(database, an_announcement(path))
        names = only or list(chosen)
        results: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(rounds):
            for name in names:
                results[name].append(await p50(chosen[name], n))
    report(f"bench.reads — {n} calls a read, {rounds} round(s)", results)


if __name__ == "__main__":
    options = arguments(__doc__ or "", "read", 2000, "pair_status,admin_audit")
    asyncio.run(main(options.seed, options.n, options.rounds, options.only))
