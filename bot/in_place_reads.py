"""Short reads answered on the event loop's own thread when the database is a SQLite file.

Through aiosqlite every statement is a trip to the connection's worker thread and back: about
0.2–0.3 ms on two busy cores, against some 20 µs for reading one indexed page of rows. Such a
read needs no thread. In WAL mode a reader never waits for a writer, so a read-only connection
on the loop answers in place; a short busy timeout bounds the rare wait (a checkpoint restarting
the log), and any database error falls back to the ordinary async path. The statements are
SQLAlchemy's own, run by a synchronous engine on the same file, so their columns convert exactly
as on the async path. PostgreSQL, and SQLite in memory, always take the async path (on
PostgreSQL without BEGIN / ROLLBACK around the statement: `single_statement_reads`).

For reads an index bounds — a page, a handful of rows by key — only: a read that scans a table
would hold every other interaction while it runs. (`/snippet get` has its own, narrower reader
for the same reason: cogs/snippets/point_reads.py.)
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.request import pathname2url

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import SingletonThreadPool

from bot.postgres_pool import single_statement_reads

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Engine, Executable, Row

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 50


class InPlaceReads:
    def __init__(self, bind: AsyncEngine | AsyncConnection) -> None:
        self._bind = bind
        self._in_place: Engine | None = None
        if isinstance(bind, AsyncEngine):
            self._bind = single_statement_reads(bind)
            file = bind.url.database if bind.dialect.name == "sqlite" else None
            if file not in (None, "", ":memory:"):
                self._in_place = _read_only_engine(Path(file or ""))

    @property
    def engine(self) -> Engine | None:
        """The synchronous engine that reads in place; None when every read takes the pool."""
        return self._in_place

    async def rows(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> list[Row[*tuple[Any, ...]]]:
        """The statement's rows: read in place on SQLite, else (or on an error) through the
        pool."""
        if self._in_place is not None:
            try:
                with self._in_place.connect() as connection:
                    return list(connection.execute(statement, parameters or {}).all())
            except DBAPIError as error:
                log.warning("A read in place failed (%s); reading through the pool", error)
        if isinstance(self._bind, AsyncConnection):  # a transaction's own: read within it
            return list((await self._bind.execute(statement, parameters or {})).all())
        async with self._bind.connect() as connection:
            return list((await connection.execute(statement, parameters or {})).all())

    def close(self) -> None:
        if self._in_place is not None:
            self._in_place.dispose()


def _read_only_engine(path: Path) -> Engine:
    # Quoted: a path may hold "?" or "#", which mean something in a URI.
    uri = f"file:{pathname2url(str(path))}?mode=ro"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(uri, uri=True)
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return connection

    # One connection per thread that reads (the loop's): sqlite3 keeps a connection to the
    # thread that opened it. Nothing to roll back after a read.
    return create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        poolclass=SingletonThreadPool,
        pool_reset_on_return=None,
    )


_SHARED: weakref.WeakKeyDictionary[Any, InPlaceReads] = weakref.WeakKeyDictionary()


def in_place_reads(bind: AsyncEngine | AsyncConnection) -> InPlaceReads:
    """The engine's reader (one per engine, so one connection per file). Sessions bound to a
    connection (a copy's transaction, a test's) read through that connection instead."""
    if isinstance(bind, AsyncConnection):
        return InPlaceReads(bind)
    found = _SHARED.get(bind.sync_engine)
    if found is None:
        found = _SHARED[bind.sync_engine] = InPlaceReads(bind)
    return found


def close_in_place_reads(engine: AsyncEngine) -> None:
    found = _SHARED.pop(engine.sync_engine, None)
    if found is not None:
        found.close()
