"""Short write transactions committed on the event loop's own thread on a SQLite file.

Through aiosqlite a transaction is a trip to the connection's worker thread for every
statement and one for the commit: 0.6 ms for a one-row UPDATE through a Core connection and
0.9 ms through a session on the two-core machine, against 10 µs for SQLite to do it. A write a
command waits for (a share, a status change, a cancellation) pays that before it can answer.

So a short transaction can take the engine's *inline* connection: SQLAlchemy's own aiosqlite
dialect over a driver that does each call at once on the calling thread (the loop's) instead of
queueing it for a worker thread. The transaction's code stays what it is — async SQLAlchemy,
ORM or Core, the same statements and types — and nothing in it suspends while it talks to the
database, so it runs from BEGIN to COMMIT without letting another task in.

`BEGIN IMMEDIATE` takes SQLite's write lock at once or not at all (the inline connection never
waits for a lock: that would hold every interaction). When another connection holds the lock
(a background job's transaction in the pool), or another task holds the inline connection, the
transaction takes the pool as every other write does, waiting for the lock on a worker thread.
So it does on PostgreSQL, for SQLite in memory, and inside a transaction the caller already
holds (a copy's, a test's).

Only for transactions an index bounds: while one runs, the loop runs nothing else. WAL
checkpoints, which write the log back into the database file and sync it, are kept off the
loop: the inline connection does not checkpoint on commit, and every `CHECKPOINT_EVERY` of its
commits a passive checkpoint runs on a pool connection's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

# Commits between two passive checkpoints: ~1,000 pages of log at a few pages a commit, as
# SQLite's own automatic checkpoint would do.
CHECKPOINT_EVERY: Final = 250
_LOCK_HELD: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class InPlaceWrites:
    def __init__(self, bind: AsyncEngine | AsyncConnection) -> None:
        self._bind = bind
        self._inline: AsyncEngine | None = None
        self._held: AsyncConnection | None = None
        self._taken = False
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            file = bind.url.database
            if file not in (None, "", ":memory:"):
                self._inline = _inline_engine(Path(file or ""), bind, self._committed)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends (rolled back on an
        error): the inline one when it and SQLite's write lock are free, else the pool's."""
        async with self._inline_connection() as inline:
            if inline is not None:
                yield inline
                return
        if isinstance(self._bind, AsyncConnection):  # the caller's transaction: work within it
            yield self._bind
            return
        async with self._bind.begin() as pooled:
            yield pooled

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """As `connection`, for the ORM: a session that commits the transaction when the block
        ends (so its after-commit hooks run after the commit), or joins the caller's."""
        async with self.connection() as connection:
            # "control_fully": the session's commit is the connection's; a caller's own
            # transaction is only joined (committed or not by the caller).
            mode = "conditional_savepoint" if connection is self._bind else "control_fully"
            session = AsyncSession(
                bind=connection, expire_on_commit=False, join_transaction_mode=mode
            )
            async with session:
                try:
                    yield session
                except BaseException:
                    await session.rollback()
                    raise
                await session.commit()

    @contextlib.asynccontextmanager
    async def _inline_connection(self) -> AsyncIterator[AsyncConnection | None]:
        if self._inline is None or self._taken:
            if self._taken:
                log.debug("The inline connection is in use: this write takes the pool")
            yield None
            return
        self._taken = True
        try:
            connection = await self._held_connection()
            if not await _began(connection):
                log.debug("SQLite's write lock is held elsewhere: this write takes the pool")
                yield None
                return
            try:
                yield connection
            except BaseException:
                await connection.rollback()
                raise
            await connection.commit()
        finally:
            self._taken = False

    async def _held_connection(self) -> AsyncConnection:
        # Kept between transactions: taking it from a pool and giving it back each time cost
        # more than the transaction (the async engine closes a connection in a task of its own).
        assert self._inline is not None
        if self._held is None or self._held.closed or self._held.invalidated:
            self._held = await self._inline.connect()
        return self._held

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
        if self._held is not None:
            await self._held.close()
        if self._inline is not None:
            await self._inline.dispose()


async def _began(connection: AsyncConnection) -> bool:
    """BEGIN IMMEDIATE (_inline_engine): False when another connection holds the lock."""
    try:
        await connection.begin()
    except OperationalError as error:
        if getattr(error.orig, "sqlite_errorcode", None) in _LOCK_HELD:
            return False
        raise
    return True


class _InlineDriver:
    """What SQLAlchemy's aiosqlite adapter (and bot/sqlite_driver.py's) asks of an aiosqlite
    connection, done at once on the calling thread: each coroutine completes without
    suspending, so awaiting it never leaves the loop's turn."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._connection = connection  # the adapter checks it before a commit or rollback

    @property
    def isolation_level(self) -> str | None:
        assert self._conn is not None
        return self._conn.isolation_level

    async def _execute(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        assert self._conn is not None
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    async def rollback(self) -> None:
        assert self._conn is not None
        self._conn.rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _inline_engine(path: Path, like: AsyncEngine, committed: Callable[[], None]) -> AsyncEngine:
    async def connect() -> _InlineDriver:
        # isolation_level None: the transaction is begun below, as BEGIN IMMEDIATE, not by
        # sqlite3 at the first write (which would take the lock mid-transaction).
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=0"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        return _InlineDriver(connection)

    # One connection, on the loop's thread; the execution options (the clock the column
    # defaults read) are the main engine's.
    engine = create_async_engine(
        "sqlite+aiosqlite://",
        async_creator=connect,
        poolclass=StaticPool,
        execution_options=like.get_execution_options(),
    )

    # First (before the dialect's own first-connect queries): this driver has no cursor of its
    # own, only the one-trip adapter's.
    @event.listens_for(engine.sync_engine, "connect", insert=True)
    def _one_trip(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        from bot.sqlite_driver import one_trip

        one_trip(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "commit")
    def _count(_: Connection) -> None:
        committed()

    return engine


_SHARED: weakref.WeakKeyDictionary[Any, InPlaceWrites] = weakref.WeakKeyDictionary()


def in_place_writes(
    bind: AsyncEngine | AsyncConnection | async_sessionmaker[AsyncSession],
) -> InPlaceWrites:
    """The engine's writer (one per engine, so one inline connection per file); for a session
    factory, its bind's. A connection's transaction (a copy's, a test's) is written within."""
    if isinstance(bind, async_sessionmaker):
        bind = cast("AsyncEngine | AsyncConnection", bind.kw["bind"])
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
