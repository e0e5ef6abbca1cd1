"""One trip to SQLite's thread per statement, instead of four or five.

aiosqlite runs each connection's sqlite3 calls on a thread of its own; every call is a trip
there and back through a queue and a future (~0.05–0.08 ms on the event loop's side, more when
the two cores are busy). SQLAlchemy's adapter makes a trip to open a cursor, one to execute,
one to fetch the rows and one to close the cursor, and the pool makes one more to roll back a
connection it takes back, even when it holds no transaction. Against a do-nothing interaction
of ~0.9 ms, those trips were a third of a one-query command.

So each SQLite connection is switched, as it is opened (bot/db.py), to an adapter whose cursor
does the whole statement — cursor, execute, every row, close — in one call on the thread, and
which skips commit and rollback when sqlite3 says no transaction is open (sqlite3's own commit
and rollback do nothing then: the skipped trip had nothing to do). Rows, descriptions, row
counts, last row ids and errors are sqlite3's own, as before. Server-side cursors (`stream`)
keep SQLAlchemy's cursor: they fetch in parts on purpose.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util.concurrency import await_

if TYPE_CHECKING:
    import sqlite3

Outcome = tuple[Any, list[Any], int, int | None]


def _statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> Outcome:
    """Runs on aiosqlite's thread: the statement from cursor to close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    # No __slots__: the base's slots differ between SQLAlchemy releases.

    def __init__(self, adapt_connection: Any) -> None:
        # The base's __init__ opens a sqlite3 cursor on the thread (a trip); this one opens
        # one per statement, on the thread, inside the statement's own trip.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._outcome: Outcome = (None, [], -1, None)

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[2]

    @property
    def lastrowid(self) -> Any:
        return self._outcome[3]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        del value  # the rows are all fetched already

    async def _async_soft_close(self) -> None:
        return  # the sqlite3 cursor is closed already, its description kept

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:  # the adapter turns it into a DBAPI error
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        driver = self._connection
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await driver._execute(
                _statement, driver._conn, operation, parameters, many
            )
        self._outcome = outcome
        self._rows = collections.deque(outcome[1])


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def _in_transaction(self) -> bool:
        return bool(self._connection._conn.in_transaction)

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


def one_trip(dbapi_connection: Any) -> None:
    """Switch a connection SQLAlchemy's aiosqlite adapter just opened to the one-trip adapter
    (same slots, so the object keeps its state)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneTripConnection
