"""Short write transactions committed on the event loop's own thread on a SQLite file.

Through aiosqlite a transaction is a trip to the connection's worker thread for every
statement and one for the commit: 0.6 ms for a one-row UPDATE through a Core connection and
0.9 ms through a session on the two-core machine, against 10 µs for SQLite to do it. A write a
command waits for (a share, a status change, a cancellation) pays that before it can answer.

So a transaction written as a function of a synchronous `Connection` runs in place when it can:
`BEGIN IMMEDIATE` on a connection the loop's thread owns takes SQLite's write lock at once or
not at all (no busy wait: that would hold every interaction), and the statements and the commit
run without leaving the thread. When another connection holds the lock (a background job's
transaction in the pool) the same function runs through the pool instead
(`AsyncConnection.run_sync`), which waits for the lock on its own thread as every other write
does; so it does on PostgreSQL, for SQLite in memory, and inside a transaction the caller
already holds (a copy's, a test's).

The function must be short and bounded by indexes (it blocks the loop while it runs) and must
not await. WAL checkpoints, which write the log back into the database file and sync it, are
kept off the loop: the writer does not checkpoint on commit, and every `CHECKPOINT_EVERY`
commits a passive checkpoint runs on a pool connection's thread.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import SingletonThreadPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

T = TypeVar("T")

# Commits between two passive checkpoints: ~1,000 pages of log at a few pages a commit, as
# SQLite's own automatic checkpoint would do.
CHECKPOINT_EVERY: Final = 250
_LOCK_HELD: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class InPlaceWrites:
    def __init__(self, bind: AsyncEngine | AsyncConnection) -> None:
        self._bind = bind
        self._in_place: Engine | None = None
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            file = bind.url.database
            if file not in (None, "", ":memory:"):
                self._in_place = _writer_engine(Path(file or ""), bind.get_execution_options())

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """`work` done and committed in one transaction: in place when SQLite's write lock is
        free, else through the pool. An error inside `work` rolls it back and propagates."""
        if self._in_place is not None:
            done, result = self._try_in_place(work)
            if done:
                self._committed()
                return result  # type: ignore[return-value]
        if isinstance(self._bind, AsyncConnection):  # the caller's transaction: work within it
            return await self._bind.run_sync(work)
        async with self._bind.begin() as connection:
            return await connection.run_sync(work)

    def _try_in_place(self, work: Callable[[Connection], T]) -> tuple[bool, T | None]:
        assert self._in_place is not None
        with self._in_place.connect() as connection:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as error:
                code = getattr(error.orig, "sqlite_errorcode", None)
                if code not in _LOCK_HELD:
                    raise
                connection.rollback()
                return False, None
            try:
                result = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return True, result

    def _committed(self) -> None:
        self._commits += 1
        busy = self._checkpoint is not None and not self._checkpoint.done()
        if self._commits >= CHECKPOINT_EVERY and not busy:
            self._commits = 0
            self._checkpoint = asyncio.get_running_loop().create_task(self._write_back())

    async def _write_back(self) -> None:
        # PASSIVE: copies what no reader still needs and waits for nobody.
        assert isinstance(self._bind, AsyncEngine)
        try:
            async with self._bind.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # the next one, or SQLite's own, will do it
            log.warning("A WAL checkpoint failed", exc_info=True)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        if self._in_place is not None:
            self._in_place.dispose()


def _writer_engine(path: Path, options: dict[str, Any]) -> Engine:
    def connect() -> sqlite3.Connection:
        # isolation_level None: the transaction is begun here, as BEGIN IMMEDIATE, not by
        # sqlite3 at the first write (which would take the lock mid-transaction).
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=0"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        return connection

    # One connection, the loop thread's (sqlite3 keeps a connection to the thread that opened
    # it); its options (the clock column defaults read) are the async engine's.
    return create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        poolclass=SingletonThreadPool,
        pool_reset_on_return=None,
        execution_options=options,
    )


_SHARED: weakref.WeakKeyDictionary[Any, InPlaceWrites] = weakref.WeakKeyDictionary()


def in_place_writes(bind: AsyncEngine | AsyncConnection) -> InPlaceWrites:
    """The engine's writer (one per engine, so one connection per file). A connection's
    transaction (a copy's, a test's) is written within."""
    if isinstance(bind, AsyncConnection):
        return InPlaceWrites(bind)
    found = _SHARED.get(bind.sync_engine)
    if found is None:
        found = _SHARED[bind.sync_engine] = InPlaceWrites(bind)
    return found


async def close_in_place_writes(engine: AsyncEngine) -> None:
    found = _SHARED.pop(engine.sync_engine, None)
    if found is not None:
        await found.close()
