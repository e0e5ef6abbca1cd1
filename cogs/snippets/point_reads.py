"""Primary-key reads of a snippet, the shortest way each backend allows.

`/snippet get` is one primary-key lookup (tens of microseconds inside the database); the way
there is most of the command's time.

SQLite: through aiosqlite it costs five hand-offs to a worker thread and back, which on a busy
machine add up to milliseconds. A read-only stdlib connection answers in place. It is
safe on the loop: in WAL mode a reader never waits for a writer, and a short busy timeout bounds
the rare wait for a checkpoint; any error makes the caller fall back to the ordinary async path.

PostgreSQL: asyncpg's own connection from the bot's pool (bot/postgres_pool.py), one statement
outside a transaction: one round trip, without SQLAlchemy's execution path around it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.request import pathname2url

from bot.postgres_pool import driver_connection
from bot.sql import as_utc

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

BUSY_TIMEOUT_MS: Final = 50
SNIPPET_COLUMNS: Final = (
    "id, guild_id, author_id, title, description, language, tags, code, star_count, "
    "channel_id, message_id, created_at, updated_at"
)


class PointReader(Protocol):
    async def snippet(self, guild_id: int, snippet_id: int) -> dict[str, Any] | None:
        """The snippet's columns by name, or None."""

    def close(self) -> None: ...


class SQLitePointReader:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # Quoted: a path may hold "?" or "#", which mean something in a URI.
            uri = f"file:{pathname2url(str(self._path))}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._connection = connection
        return self._connection

    async def snippet(self, guild_id: int, snippet_id: int) -> dict[str, Any] | None:
        """The snippet's columns by name, or None; raises sqlite3.Error when unsure."""
        cursor = self._connect().execute(
            f"SELECT {SNIPPET_COLUMNS} FROM snippets WHERE id = ? AND guild_id = ?",
            (snippet_id, guild_id),
        )
        # fetchall finishes the statement, so no read transaction is left open.
        rows = cursor.fetchall()
        if not rows:
            return None
        names = [column[0] for column in cursor.description]
        values = dict(zip(names, rows[0], strict=True))
        for key in ("created_at", "updated_at"):
            values[key] = _utc(values[key])
        return values

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresPointReader:
    _SQL: Final = f"SELECT {SNIPPET_COLUMNS} FROM snippets WHERE id = $1 AND guild_id = $2"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def snippet(self, guild_id: int, snippet_id: int) -> dict[str, Any] | None:
        """The snippet's columns by name, or None."""
        async with driver_connection(self._engine) as connection:
            row = await connection.fetchrow(self._SQL, snippet_id, guild_id)
        if row is None:
            return None
        values = dict(row)
        for key in ("created_at", "updated_at"):
            # In the session's time zone; every time the bot handles is in UTC.
            values[key] = None if values[key] is None else as_utc(values[key])
        return values

    def close(self) -> None:
        """Nothing of its own to close: the connection is the pool's."""


def point_reader_for(engine: AsyncEngine, sqlite_file: Path | None) -> PointReader | None:
    """SQLite's reader when the bot's file is known, PostgreSQL's on PostgreSQL, else none."""
    if sqlite_file is not None:
        return SQLitePointReader(sqlite_file)
    if engine.dialect.name == "postgresql":
        return PostgresPointReader(engine)
    return None


def _utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value))
