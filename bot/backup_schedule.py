"""Scheduled backups (`backup.every`, `backup.keep`): one backup per interval, whichever process
takes it, and only the newest `keep` scheduled backups kept.

Occurrences are fixed points in time, multiples of `every` counted from the Unix epoch in UTC
(every day at 00:00 UTC for `1d`), not "one interval after this process started": every process
on one database then names the same occurrence, and the claim in the occurrences table lets one
of them take it. A bot restarted more often than `every` still takes each backup, because a
check runs every few minutes and takes the newest occurrence that is due and not yet claimed,
including one that came due while the bot was down.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.backup import BackupReport, backup_database, backup_file_name, remove_database_file

if TYPE_CHECKING:
    from pathlib import Path

    from bot.clock import Clock
    from bot.config import BackupSettings, DatabaseSettings
    from bot.scheduler import OccurrenceLedger, Scheduler

log = logging.getLogger(__name__)

BACKUP_KIND = "backup"
BACKUP_ITEM = "database"
JOB_ID = "core:backup"
JOB_HANDLER = "core.backup"
SCHEDULED_PREFIX = "nexus-scheduled-"
# How often each process looks for a due backup; an interval shorter than this is used as is.
CHECK_EVERY = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def occurrence_at(now: datetime, every: timedelta) -> datetime:
    """The newest occurrence at or before `now`."""
    return EPOCH + ((now - EPOCH) // every) * every


def scheduled_backups(directory: Path) -> list[Path]:
    """Scheduled backups in `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{SCHEDULED_PREFIX}*.db"))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete scheduled backups beyond the newest `keep`; return what was deleted."""
    backups = scheduled_backups(directory)
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        remove_database_file(path)
    return doomed


class ScheduledBackups:
    def __init__(
        self,
        database: DatabaseSettings,
        settings: BackupSettings,
        ledger: OccurrenceLedger,
        clock: Clock,
    ) -> None:
        if settings.every is None:
            raise ValueError("scheduled backups need backup.every")
        self._database = database
        self._every = settings.every
        self._keep = settings.keep
        self._directory = settings.directory
        self._ledger = ledger
        self._clock = clock
        self._cancel = threading.Event()

    def start(self, scheduler: Scheduler) -> None:
        scheduler.handle(JOB_HANDLER, self.run_due)
        scheduler.schedule_every(JOB_ID, min(self._every, CHECK_EVERY), JOB_HANDLER)

    def stop(self) -> None:
        """Abandon a SQLite backup in progress (the bot is closing); its partial file goes."""
        self._cancel.set()

    async def run_due(self) -> BackupReport | None:
        """Take the backup of the newest due occurrence unless some process already took it."""
        scheduled_for = occurrence_at(self._clock.now(), self._every)
        # A read first: a claim that fails is a unique violation PostgreSQL writes to its log.
        if await self._ledger.is_claimed(BACKUP_KIND, BACKUP_ITEM, scheduled_for):
            return None
        async with self._ledger.occurrence(BACKUP_KIND, BACKUP_ITEM, scheduled_for) as run:
            if not run.claimed:
                return None
            path = self._directory / backup_file_name(scheduled_for, SCHEDULED_PREFIX)
            try:
                report = await backup_database(self._database, path, cancel=self._cancel)
            except Exception as error:
                run.result = str(error)[:200]
                raise
            pruned = prune(self._directory, self._keep)
            contents = report.contents
            log.info(
                "scheduled backup %s: %d bytes, %d rows in %.2f s; %d old backup(s) deleted",
                path,
                contents.size_bytes,
                contents.total_rows,
                report.seconds,
                len(pruned),
            )
            summary = f"{path.name}: {contents.size_bytes} bytes, {contents.total_rows} rows"
            run.result = summary[:200]
        return report
