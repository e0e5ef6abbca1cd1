"""Scheduled backups on the injected clock: one per interval whichever process takes it, the
newest `keep` kept, manual backups never pruned."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.backup import BackupError, inspect_backup
from bot.backup_schedule import (
    BACKUP_ITEM,
    BACKUP_KIND,
    CHECK_EVERY,
    JOB_ID,
    ScheduledBackups,
    occurrence_at,
)
from bot.clock import FrozenClock
from bot.config import BackupSettings, ConfigError, Settings, load_settings
from bot.db import Database
from bot.scheduler import OccurrenceLedger, Scheduler

# Half past midnight, far from any real date: the backup of 00:00 is due, the next at 01:00.
START = datetime(2031, 3, 30, 0, 30, tzinfo=UTC)
EVERY = timedelta(hours=1)


def backups_in(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.is_dir() else []


def scheduled(
    database: Database, settings: Settings, clock: FrozenClock, directory: Path, keep: int = 2
) -> ScheduledBackups:
    return ScheduledBackups(
        settings.database,
        BackupSettings(every=EVERY, keep=keep, directory=directory),
        OccurrenceLedger(database.sessions, clock),
        clock,
    )


async def run_until(scheduler: Scheduler, clock: FrozenClock, when: datetime) -> None:
    """Move the clock to `when` one check at a time, running whatever falls due, as the
    scheduler's own sleeper would."""
    while clock.now() < when:
        clock.advance(min(CHECK_EVERY, when - clock.now()))
        await scheduler.run_due()


def test_occurrences_are_fixed_points_every_process_agrees_on() -> None:
    assert occurrence_at(START, EVERY) == datetime(2031, 3, 30, 0, 0, tzinfo=UTC)
    assert occurrence_at(START + timedelta(minutes=30), EVERY) == datetime(
        2031, 3, 30, 1, 0, tzinfo=UTC
    )
    day = timedelta(days=1)
    assert occurrence_at(START + timedelta(hours=20), day) == datetime(2031, 3, 30, tzinfo=UTC)


async def test_advancing_past_every_takes_one_backup_and_keep_prunes_the_oldest(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    directory = tmp_path / "backups"
    directory.mkdir()
    (directory / "nexus-20310329-120000Z.db").write_bytes(b"a moderator's own backup")
    scheduler = Scheduler(clock)
    scheduled(database, settings, clock, directory, keep=2).start(scheduler)
    assert scheduler.job_ids() == [JOB_ID]

    # The first check takes the occurrence that came due before the bot started.
    await run_until(scheduler, clock, START + CHECK_EVERY)
    first = "nexus-scheduled-20310330-000000Z.db"
    assert backups_in(directory) == ["nexus-20310329-120000Z.db", first]
    await run_until(scheduler, clock, datetime(2031, 3, 30, 0, 55, tzinfo=UTC))
    assert len(backups_in(directory)) == 2  # eleven more checks, the same occurrence

    await run_until(scheduler, clock, datetime(2031, 3, 30, 1, 0, tzinfo=UTC))
    second = "nexus-scheduled-20310330-010000Z.db"
    assert backups_in(directory) == ["nexus-20310329-120000Z.db", first, second]

    await run_until(scheduler, clock, datetime(2031, 3, 30, 2, 0, tzinfo=UTC))
    third = "nexus-scheduled-20310330-020000Z.db"
    # keep=2: the oldest scheduled backup goes; the manual one is never pruned.
    assert backups_in(directory) == ["nexus-20310329-120000Z.db", second, third]
    assert inspect_backup(directory / third).revisions


async def test_two_processes_on_one_database_take_each_backup_once(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    directory = tmp_path / "backups"
    one = scheduled(database, settings, clock, directory)
    other = scheduled(database, settings, clock, directory)

    reports = await asyncio.gather(one.run_due(), other.run_due())
    assert sum(report is not None for report in reports) == 1
    assert await one.run_due() is None
    assert await other.run_due() is None
    assert backups_in(directory) == ["nexus-scheduled-20310330-000000Z.db"]


async def test_a_second_ledger_claim_of_a_taken_backup_does_nothing(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    directory = tmp_path / "backups"
    assert await scheduled(database, settings, clock, directory).run_due() is not None

    another_process = OccurrenceLedger(database.sessions, clock)
    taken = occurrence_at(START, EVERY)
    assert not await another_process.claim(BACKUP_KIND, BACKUP_ITEM, taken)
    assert backups_in(directory) == ["nexus-scheduled-20310330-000000Z.db"]


async def test_a_failed_backup_is_recorded_and_the_next_occurrence_is_taken(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    directory = tmp_path / "backups"
    directory.mkdir()
    # Something already sits where the backup would go.
    (directory / "nexus-scheduled-20310330-000000Z.db").write_bytes(b"in the way")
    backups = scheduled(database, settings, clock, directory)
    with pytest.raises(BackupError, match="already exists"):
        await backups.run_due()
    assert await backups.run_due() is None  # that occurrence was claimed; not retried
    clock.advance(EVERY)
    assert await backups.run_due() is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6h", timedelta(hours=6)), ("1d", timedelta(days=1)), ("1d12h", timedelta(hours=36))],
)
def test_backup_every_reads_a_duration(text: str, expected: timedelta) -> None:
    assert load_settings(None, backup={"every": text}).backup.every == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("often", "is not a duration"), ("30s", "at most once a minute"), ("5", "not a duration")],
)
def test_backup_every_refuses_what_is_not_a_duration(text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_settings(None, backup={"every": text})


def test_scheduled_backups_are_off_by_default() -> None:
    assert load_settings(None).backup.every is None
