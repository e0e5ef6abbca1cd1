"""`python -m bot db restore PATH`: load a backup into the configured database, which must be empty.

The restore is `python -m bot db copy` with the backup at the source end (bot/dbcopy.py): the
target is migrated first, refused if it holds any row, filled parent-first, its id sequences
moved past the restored ids, and derived data (search indexes) rebuilt by each feature.

The backup file itself is never opened for writing: it is checked read-only, then copied to a
scratch file that is migrated to this version's schema (a backup taken by an older Nexus
restores into a newer one) and read from there.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.backup import BackupContents, BackupError, inspect_backup, sqlite_url
from bot.config import DatabaseSettings
from bot.db import sqlite_path, upgrade_database
from bot.dbcopy import CopyError, CopyReport, TargetNotEmpty, copy_database


class RestoreError(Exception):
    """Why the restore cannot be done, worded for the person running it."""


@dataclass(frozen=True)
class RestoreReport:
    backup: BackupContents
    copied: CopyReport


async def restore_database(backup: Path, target: DatabaseSettings) -> RestoreReport:
    await asyncio.to_thread(_check_paths, backup, target)
    with tempfile.TemporaryDirectory(prefix="nexus-restore-") as scratch:
        working = Path(scratch) / backup.name
        contents = await asyncio.to_thread(_working_copy, backup, working)
        await _upgrade(working, contents)
        try:
            copied = await copy_database(DatabaseSettings(url=sqlite_url(working)), target.url)
        except TargetNotEmpty as error:
            raise RestoreError(
                f"the configured database already holds rows (in {error.table}); restore "
                "into an empty database"
            ) from None
        except CopyError as error:
            raise RestoreError(str(error)) from None
    return RestoreReport(contents, copied)


def _check_paths(backup: Path, target: DatabaseSettings) -> None:
    if not backup.exists():
        raise RestoreError(f"there is no backup at {backup}")
    if not backup.is_file():
        raise RestoreError(f"{backup} is not a file")
    target_file = sqlite_path(target.url)
    if target_file is not None and target_file.resolve() == backup.resolve():
        raise RestoreError(f"{backup} is the configured database itself")
    live_log = backup.with_name(backup.name + "-wal")
    if live_log.exists():
        raise RestoreError(
            f"{backup} has a write-ahead log beside it ({live_log.name}): it is a live "
            "database or a copy of one, not a backup; take one with `python -m bot db backup`"
        )


def _working_copy(backup: Path, working: Path) -> BackupContents:
    """Copy the backup to `working` and check the copy (the backup is only ever read)."""
    try:
        shutil.copyfile(backup, working)
    except OSError as error:
        raise RestoreError(f"cannot read {backup}: {error.strerror}") from None
    try:
        return inspect_backup(working)
    except BackupError as error:
        raise RestoreError(str(error).replace(str(working), str(backup))) from None


async def _upgrade(working: Path, contents: BackupContents) -> None:
    from alembic.util.exc import CommandError

    try:
        await upgrade_database(DatabaseSettings(url=sqlite_url(working)))
    except CommandError:
        raise RestoreError(
            f"the backup's schema ({', '.join(contents.revisions)}) is newer than this Nexus "
            "knows; restore it with the Nexus version that took it, or a newer one"
        ) from None
