"""Two sharded bot processes on one PostgreSQL database (issue 8).

Each process runs one of two shards against one sandbox; scheduled work is claimed in the
database, so every announcement occurrence and the pairing round happen once whichever process
is up — and announcements of the killed process's guilds are still posted by the other one.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.audit import AuditService
from bot.config import load_settings
from bot.db import Database
from bot.extensions import discover_extensions
from bot.feature import guild_settings_without_a_bot
from bot.models import OccurrenceClaim
from bot.sandbox import SandboxServer
from cogs.announcements.models import Announcement, AnnouncementOccurrence
from cogs.announcements.records import Draft
from cogs.announcements.store import AnnouncementStore
from cogs.pairing.models import PairProfile, PairRound
from tests.conftest import TEMPLATE, postgres_admin, postgres_url, run_in_own_loop
from tests.e2e.processes import (
    bot_environment,
    kill_process,
    start_bot_process,
    stop_process,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

SHARDS = 2
UTC_ZONE = ZoneInfo("UTC")
PAIRING_MEMBERS = ("ada", "ben", "cy", "dee")


@pytest.fixture
def shared_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of its own (whatever NEXUS_TEST_BACKEND says)."""
    request.getfixturevalue("postgres_template")
    name = f"nexus_multiprocess_{uuid.uuid4().hex[:12]}"
    run_in_own_loop(postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    yield postgres_url(name)
    run_in_own_loop(postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database(shared_database: str) -> AsyncIterator[Database]:
    database = Database(load_settings(None, database={"url": shared_database}).database)
    yield database
    await database.close()


class Shard:
    """One guild of the test world, on a given shard."""

    def __init__(self, sandbox: SandboxServer, name: str, shard_id: int) -> None:
        self.shard_id = shard_id
        self.guild = sandbox.create_guild(name, shard=(shard_id, SHARDS))
        self.announcements = self.guild.create_channel("announcements")
        self.pairing = self.guild.create_channel("pairing")


def bodies(shards: list[Shard]) -> Counter[str]:
    return Counter(m.text for s in shards for m in s.announcements.messages)


async def create_due(
    database: Database, shards: list[Shard], prefix: str, count: int, seconds: float
) -> None:
    """`count` one-off announcements over the shards' guilds, due `seconds` from now."""
    store = AnnouncementStore(database.sessions, AuditService(database.sessions))
    now = datetime.now(UTC)
    when = (now + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    for n in range(count):
        shard = shards[n % len(shards)]
        draft = Draft(channel_id=shard.announcements.id, when=when, body=f"{prefix}-{n}")
        await store.create(shard.guild.id, None, draft, UTC_ZONE, now)


async def configure(
    database: Database, shards: list[Shard], pairing_guild: Shard, sandbox: SandboxServer
) -> None:
    """What /admin setup and /pair join would store, before the processes start."""
    settings = guild_settings_without_a_bot(
        database.sessions, load_settings(None), discover_extensions()
    )
    for shard in shards:
        await settings.set_many(
            shard.guild.id,
            {
                "channels.announcements": shard.announcements.id,
                "channels.pairing": shard.pairing.id,
            },
            actor_id=None,
        )
    # A daily round two minutes ago: both processes find it missed at start and race for it.
    missed = datetime.now(UTC) - timedelta(minutes=2)
    cron = f"{missed.minute} {missed.hour} * * *"
    await settings.set(pairing_guild.guild.id, "pairing.schedule", cron, None)
    async with database.sessions.begin() as session:
        for name in PAIRING_MEMBERS:
            user = sandbox.create_user(name)
            pairing_guild.guild.add_member(user)
            session.add(
                PairProfile(
                    guild_id=pairing_guild.guild.id,
                    user_id=user.id,
                    level="intermediate",
                    timezone="UTC",
                    track=None,
                    topics=[],
                )
            )


async def rows(database: Database, model: Any) -> list[Any]:
    async with database.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def test_two_sharded_processes_run_each_occurrence_once_and_survive_one_dying(
    sandbox: SandboxServer, database: Database, tmp_path: Path
) -> None:
    shards = [Shard(sandbox, f"guild-{s}{n}", s) for s in range(SHARDS) for n in range(2)]
    pairing_guild = shards[0]
    await configure(database, shards, pairing_guild, sandbox)
    url = database.engine.url.render_as_string(hide_password=False)
    for shard_id in range(SHARDS):
        (tmp_path / f"shard{shard_id}").mkdir()
    processes = {
        shard_id: await start_bot_process(
            bot_environment(sandbox, tmp_path / f"shard{shard_id}", url, shard=(shard_id, SHARDS)),
            tmp_path / f"shard{shard_id}.log",
        )
        for shard_id in range(SHARDS)
    }
    try:
        await sandbox.wait_until_ready(timeout=60)
        assert {s.shard_id for s in sandbox.gateway.live_sessions()} == {0, 1}

        # ---- 100 announcements over both shards' guilds fall due: each posted once --------
        await create_due(database, shards, "first", 100, seconds=4)

        async def all_posted() -> bool:
            return sum(bodies(shards).values()) >= 100

        await wait_for(all_posted, 45, "100 announcements to be posted")

        # ---- the missed pairing round ran once: one set of threads, one summary --------------
        async def round_published() -> bool:
            return any(m.embeds for m in pairing_guild.pairing.messages)

        await wait_for(round_published, 30, "the pairing round's summary")
        # Past the other process's failover delay: a duplicate would have shown by now.
        await asyncio.sleep(7)
        posted = bodies(shards)
        assert posted == Counter(f"first-{n}" for n in range(100))
        occurrences = await rows(database, AnnouncementOccurrence)
        assert len(occurrences) == 100
        assert {o.status for o in occurrences} == {"posted"}
        assert {a.status for a in await rows(database, Announcement)} == {"done"}

        [round_row] = await rows(database, PairRound)
        assert round_row.trigger == "schedule"
        claims = [c for c in await rows(database, OccurrenceClaim) if c.kind == "pair_round"]
        assert [(c.item_key, c.status) for c in claims] == [(str(pairing_guild.guild.id), "done")]
        summaries = [m for m in pairing_guild.pairing.messages if m.embeds]
        assert len(summaries) == 1
        assert len(pairing_guild.pairing.threads) == len(PAIRING_MEMBERS) // 2

        # ---- shard 1's process dies: shard 0's still posts shard 1's guilds' runs -----------
        survivor = processes[0]
        await kill_process(processes[1])
        await create_due(database, shards, "after", 12, seconds=3)

        async def all_posted_after() -> bool:
            return sum(c for b, c in bodies(shards).items() if b.startswith("after")) >= 12

        await wait_for(all_posted_after, 30, "the announcements due after the kill")
        await asyncio.sleep(1)
        after = {b: c for b, c in bodies(shards).items() if b.startswith("after")}
        assert after == {f"after-{n}": 1 for n in range(12)}
        late = [
            o
            for o in await rows(database, AnnouncementOccurrence)
            if o.id not in {o.id for o in occurrences}
        ]
        assert len(late) == 12 and {o.status for o in late} == {"posted"}
        assert all(f":{survivor.pid}:" in o.claimed_by for o in late)
        shard_one = {s.guild.id for s in shards if s.shard_id == 1}
        assert len([o for o in late if o.guild_id in shard_one]) == 6
    finally:
        for process in processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for shard_id, process in processes.items():
            await stop_process(process, tmp_path / f"shard{shard_id}.log", f"shard {shard_id}")
