"""Backups a moderator can trust: taken while the bot writes, restored into an empty database,
every acknowledged write present, the result checked and working (search finds a snippet).

Runs on the backend under test: SQLite's backup API, or PostgreSQL through bot/dbcopy.py.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.backup
from bot.backup import BackupError, backup_database, inspect_backup
from bot.backup_schedule import CHECK_EVERY, JOB_ID
from bot.clock import FrozenClock
from bot.config import DatabaseSettings, Settings
from bot.db import Database, sqlite_path
from bot.restore import RestoreError, restore_database
from cogs.snippets.drafts import build_draft
from cogs.snippets.models import Snippet
from cogs.snippets.parts import SnippetParts, build_parts
from tests.e2e.conftest import StartBot

GUILD = 1001
START = datetime(2031, 3, 30, 9, 0, tzinfo=UTC)
WRITERS = 24
BEFORE_BACKUP = 300  # acknowledged shares before the backup starts


def word_for(number: int) -> str:
    """A word no other snippet has (letters only, so the tokenizer keeps it whole)."""
    return "kw" + "".join(chr(ord("a") + int(digit)) for digit in f"{number:06d}")


def snippet_parts(database: Database, clock: FrozenClock) -> SnippetParts:
    return build_parts(database.sessions, dialect=database.dialect, clock=clock)


class SlowSteps(threading.Event):
    """A cancel flag that is never set and takes a moment to read: the SQLite backup checks it
    after every step, so the copy lasts long enough for the burst to run beside it."""

    def is_set(self) -> bool:
        time.sleep(0.002)
        return False


async def test_a_backup_during_a_write_burst_restores_every_acknowledged_write(
    database: Database,
    settings: Settings,
    empty_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(START)
    snippets = snippet_parts(database, clock)
    acknowledged: list[tuple[int, float]] = []  # (snippet id, when its share returned)
    stop, enough = asyncio.Event(), asyncio.Event()
    numbers = iter(range(1_000_000))

    async def writer(author: int) -> None:
        while not stop.is_set():
            number = next(numbers)
            draft = build_draft(
                title=f"Retry helper {word_for(number)}",
                code=f"def retry_{number}(call):\n    return call()\n" + "# padding\n" * 40,
                language="python",
                tags="retry",
                description=None,
                max_bytes=100_000,
            )
            record = await snippets.store.share(GUILD, author, draft, shares_per_minute=10**9)
            acknowledged.append((record.id, time.perf_counter()))
            if len(acknowledged) >= BEFORE_BACKUP:
                enough.set()
            # Members a moment apart, not a tight loop that would starve the backup's own
            # coroutines of the event loop they share.
            await asyncio.sleep(0.01)

    writers = [asyncio.create_task(writer(author)) for author in range(1, WRITERS + 1)]
    await asyncio.wait_for(enough.wait(), timeout=60)
    monkeypatch.setattr(bot.backup, "STEP_PAGES", 4)
    path = tmp_path / "backups" / "during-burst.db"
    before = {snippet_id for snippet_id, _ in acknowledged}
    started = time.perf_counter()
    report = await backup_database(settings.database, path, cancel=SlowSteps())
    finished = time.perf_counter()
    stop.set()
    await asyncio.gather(*writers)
    snippets.store.close()

    during = [i for i, when in acknowledged if started < when < finished]
    assert during, "the burst did not overlap the backup"
    assert inspect_backup(path).rows_by_table == report.contents.rows_by_table
    backed_up = report.contents.rows_by_table["snippets"]
    assert backed_up >= len(before)

    target = DatabaseSettings(url=empty_database_url)
    restored = await restore_database(path, target)
    assert restored.copied.rows_by_table == report.contents.rows_by_table

    database_after = Database(target)
    try:
        async with database_after.sessions() as session:
            ids = set((await session.scalars(select(Snippet.id))).all())
        all_acknowledged = {snippet_id for snippet_id, _ in acknowledged}
        assert before <= ids, f"{len(before - ids)} acknowledged writes lost"
        assert ids <= all_acknowledged  # nothing half-written or unknown
        assert len(ids) == backed_up
        print(
            f"\nbackup during a burst of {WRITERS} writers: {len(before)} acknowledged before, "
            f"{len(during)} during; {backed_up} snippets, {report.contents.total_rows} rows, "
            f"{report.contents.size_bytes:,} bytes in {report.seconds:.2f} s; "
            f"{len(before & ids)}/{len(before)} found after restore"
        )
        restored_file = sqlite_path(empty_database_url)
        if restored_file is not None:
            with sqlite3.connect(restored_file) as check:
                assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert check.execute("PRAGMA foreign_key_check").fetchall() == []

        works = snippet_parts(database_after, clock)
        probe = min(before)
        async with database_after.sessions() as session:
            title = await session.scalar(select(Snippet.title).where(Snippet.id == probe))
        assert title is not None
        found = await works.snippet_search.search(GUILD, title.split()[-1])
        assert [item.id for item in found.items] == [probe]
        draft = build_draft(
            title="Written after the restore",
            code="print('ids continue after the restored ones')",
            language="python",
            tags=None,
            description=None,
            max_bytes=100_000,
        )
        after = await works.store.share(GUILD, 1, draft, shares_per_minute=10**9)
        assert after.id > max(ids)
        works.store.close()
    finally:
        await database_after.close()


async def test_the_running_bot_takes_its_scheduled_backup_when_its_clock_says_so(
    start_nexus: StartBot, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    directory = tmp_path / "scheduled"
    running = await start_nexus(
        clock=clock, backup={"every": "1h", "keep": 3, "directory": str(directory)}
    )
    assert running.scheduler.next_run(JOB_ID) == START + CHECK_EVERY
    clock.advance(CHECK_EVERY)
    running.scheduler.wake()
    for _ in range(400):
        if directory.is_dir() and any(directory.glob("*.db")):
            break
        await asyncio.sleep(0.05)
    assert [path.name for path in directory.glob("*.db")] == ["nexus-scheduled-20310330-090000Z.db"]


async def test_two_backups_to_one_name_at_once_leave_one_whole_file(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "same-name.db"
    outcomes = await asyncio.gather(
        backup_database(settings.database, path),
        backup_database(settings.database, path),
        return_exceptions=True,
    )
    refused = [outcome for outcome in outcomes if isinstance(outcome, BackupError)]
    assert len(refused) == 1
    assert "already exists" in str(refused[0])
    assert inspect_backup(path).revisions
    assert [name for name in os.listdir(tmp_path) if name.startswith("same")] == ["same-name.db"]


async def test_a_backup_from_a_newer_nexus_is_refused_by_name(
    database: Database, settings: Settings, empty_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "from-the-future.db"
    await backup_database(settings.database, path)
    with sqlite3.connect(path) as future:
        future.execute(
            "UPDATE alembic_version SET version_num = 'snippets_9999' "
            "WHERE version_num LIKE 'snippets_%'"
        )
    with pytest.raises(RestoreError, match=r"snippets_9999.*newer than this Nexus knows"):
        await restore_database(path, DatabaseSettings(url=empty_database_url))


async def test_a_damaged_backup_is_refused(
    database: Database, settings: Settings, empty_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "damaged.db"
    await backup_database(settings.database, path)
    with path.open("r+b") as damaged:  # scribble over a page in the middle of the file
        damaged.seek(path.stat().st_size // 2)
        damaged.write(b"\xff" * 4096)
    with pytest.raises(RestoreError, match=r"damaged\.db is damaged"):
        await restore_database(path, DatabaseSettings(url=empty_database_url))
