"""`python -m bot db backup [PATH]`: a consistent copy of the live database, checked before use.

A backup is always one self-contained SQLite file holding a migrated Nexus database, whatever
the configured backend, so `python -m bot db restore` reads one format (docs/backups.md says why).

- SQLite: SQLite's online backup API copies the database page by page from inside one read
  transaction. In WAL mode a reader never blocks the bot's writers, and holding the read
  transaction pins the snapshot: without it, every commit by the bot restarts the copy from its
  first page, and a busy bot could keep a backup from ever finishing.
- PostgreSQL: `bot/dbcopy.py` copies every table into a new SQLite file, all read from one
  REPEATABLE READ snapshot, so a transaction committed during the copy is wholly in or wholly
  out. Search indexes are not built into the file: `db restore` rebuilds them wherever it
  restores, and building them here would cost minutes of the bot's event loop on a large guild.

The copy is written beside PATH as PATH.<random>.partial, switched to a rollback journal (no
-wal file to lose), checked (`PRAGMA integrity_check`, foreign keys, a schema version), synced,
and only then given the name PATH, which is never overwritten: a file at PATH is always a whole,
checked backup.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from bot.db import is_sqlite, sqlite_path
from bot.schema_stamp import data_rows

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Table

    from bot.config import DatabaseSettings

# Pages per backup step (4 MiB at SQLite's default page size): small enough to notice a
# cancellation quickly, large enough that stepping costs nothing measurable.
STEP_PAGES = 1024
BACKUP_SUFFIX = ".db"
# Files SQLite may keep beside a database.
SIDE_FILES = ("-wal", "-shm", "-journal")
_ONE_COPY_AT_A_TIME = threading.Lock()


class BackupError(Exception):
    """Why a backup cannot be taken or read, worded for the person running the command."""


class BackupCancelled(BackupError):
    """The bot is shutting down; the partial file was removed."""


@dataclass(frozen=True)
class BackupContents:
    """What a checked backup file holds: rows per Nexus table, its size and schema version."""

    rows_by_table: dict[str, int]
    size_bytes: int
    revisions: tuple[str, ...]

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())


@dataclass(frozen=True)
class BackupReport:
    path: Path
    contents: BackupContents
    seconds: float


def backup_file_name(when: datetime, prefix: str = "nexus-") -> str:
    """A name that sorts by time: `nexus-20261206-120000Z.db` (UTC, from the caller's clock)."""
    return f"{prefix}{when:%Y%m%d-%H%M%S}Z{BACKUP_SUFFIX}"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


def remove_database_file(path: Path) -> None:
    """Delete a SQLite file and whatever SQLite kept beside it."""
    for candidate in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


async def backup_database(
    settings: DatabaseSettings, path: Path, *, cancel: threading.Event | None = None
) -> BackupReport:
    """Write a checked backup of the configured database to `path` (which must not exist)."""
    started = time.perf_counter()
    partial = await asyncio.to_thread(_make_room, path)
    try:
        source = sqlite_path(settings.url)
        if source is not None:
            await asyncio.to_thread(copy_sqlite_pages, source, partial, cancel)
        elif is_sqlite(settings.url):
            raise BackupError("an in-memory SQLite database cannot be backed up")
        else:
            await asyncio.to_thread(_copy_on_own_loop, settings, partial)
        contents = await asyncio.to_thread(seal_backup, partial)
        await asyncio.to_thread(_publish, partial, path)
    except BaseException:
        remove_database_file(partial)
        raise
    return BackupReport(path, contents, time.perf_counter() - started)


def _make_room(path: Path) -> Path:
    """Check that `path` is free and its directory exists; create this backup's partial file.

    Each backup writes its own partial file, so two backups to one name never share one.
    """
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(
            dir=path.parent, prefix=f"{path.name}.", suffix=".partial"
        )
    except OSError as error:
        raise BackupError(f"cannot write in {path.parent}: {error.strerror}") from None
    os.close(descriptor)  # an empty file is an empty SQLite database
    return Path(name)


def _publish(partial: Path, path: Path) -> None:
    """Give the checked file its name, never replacing a file that appeared there meanwhile."""
    try:
        os.link(partial, path)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose a new file name") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise BackupError(f"{path} already exists; choose a new file name") from None
        os.replace(partial, path)
    else:
        partial.unlink()
    # The name is durable only once the directory entry is on the disk too.
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def copy_sqlite_pages(source: Path, target: Path, cancel: threading.Event | None = None) -> None:
    """Copy a live SQLite database with the backup API, in steps, from one snapshot."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
    writing = sqlite3.connect(target)
    try:
        reading.isolation_level = None  # we say when the read transaction starts and ends
        reading.execute("PRAGMA busy_timeout=5000")
        wal = str(reading.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        if wal:
            # The snapshot starts with the first read of this transaction.
            reading.execute("BEGIN")
            reading.execute("SELECT count(*) FROM sqlite_master").fetchone()

        def step_done(status: int, remaining: int, total: int) -> None:
            if cancel is not None and cancel.is_set():
                raise BackupCancelled("the backup was cancelled")

        reading.backup(writing, pages=STEP_PAGES, progress=step_done)
        if wal:
            reading.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"cannot read {source}: {error}") from None
    finally:
        writing.close()
        reading.close()


def _copy_on_own_loop(settings: DatabaseSettings, target: Path) -> None:
    """Run the copy on an event loop of its own, in this worker thread: its Python work (rows
    to dicts, batches to SQLite) would otherwise hold the bot's event loop between awaits.

    One copy at a time per process: Alembic keeps the migration it runs in module globals, so
    two target files migrated at once in two threads would each run on the other's connection
    (and wait forever on the other's event loop).
    """
    with _ONE_COPY_AT_A_TIME:
        asyncio.run(_copy_through_dbcopy(settings, target))


async def _copy_through_dbcopy(settings: DatabaseSettings, target: Path) -> None:
    from bot.dbcopy import CopyError, copy_database

    try:
        # Search indexes stay empty: `db restore` rebuilds them wherever it restores to.
        await copy_database(settings, sqlite_url(target), rebuild=False)
    except CopyError as error:
        raise BackupError(str(error)) from None


def seal_backup(path: Path) -> BackupContents:
    """Make the copy one self-contained file, check it, and push it to the disk."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    contents = inspect_backup(path)
    with path.open("rb") as written:
        os.fsync(written.fileno())
    return contents


def inspect_backup(path: Path) -> BackupContents:
    """Check that `path` is an undamaged Nexus database and count its rows; else BackupError.

    Opens the file read-only: checking a backup never changes it.
    """
    if not path.is_file():
        raise BackupError(f"there is no file at {path}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"cannot open {path}: {error}") from None
    try:
        return _inspect(connection, path)
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise BackupError(f"{path} is not a SQLite database") from None
        if "malformed" in str(error):
            raise BackupError(f"{path} is damaged ({error})") from None
        raise BackupError(f"cannot read {path}: {error}") from None
    finally:
        connection.close()


def _inspect(connection: sqlite3.Connection, path: Path) -> BackupContents:
    problems = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged: {problems[0]}")
    tables = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a Nexus database (it has no schema version)")
    revisions = tuple(
        sorted(str(row[0]) for row in connection.execute("SELECT version_num FROM alembic_version"))
    )
    if not revisions:
        raise BackupError(f"{path} is not a Nexus database (its schema version is empty)")
    orphan = connection.execute("PRAGMA foreign_key_check").fetchone()
    if orphan is not None:
        raise BackupError(f"{path} is damaged: a row of {orphan[0]} points at a missing row")
    rows = {
        table.name: int(connection.execute(_count_of_data_rows(table)).fetchone()[0])
        for table in _nexus_tables()
        if table.name in tables
    }
    return BackupContents(rows, path.stat().st_size, revisions)


def _nexus_tables() -> list[Table]:
    from bot.dbcopy import copied_tables

    return copied_tables()


def _count_of_data_rows(table: Table) -> str:
    """The rows a restore copies (the schema stamp is not among them), as SQLite's SQL."""
    counted = select(func.count()).select_from(table).where(*data_rows(table))
    return str(counted.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
