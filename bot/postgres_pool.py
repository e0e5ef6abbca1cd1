"""PostgreSQL connections for short OLTP queries: what each connection is opened with, and
when a pooled connection is checked before use.

Measured with `bench.commands --database-url …` (README, "SQLite and PostgreSQL side by side"):
a one-row read through SQLAlchemy's asyncpg dialect cost six round trips — the pool's pre-ping
(BEGIN, `;`, ROLLBACK), then BEGIN, the SELECT and ROLLBACK — where one does the work.

- The pre-ping runs only for a connection that sat in the pool longer than `IDLE_PING_SECONDS`:
  that is when a server restart, a failover or an idle timeout can have closed it. A connection
  used a moment ago was alive a moment ago. If the server went away since, that one query
  fails with a disconnect error (the member sees the error handler's reply), SQLAlchemy discards
  every pooled connection older than that moment, and the next query connects afresh: one
  failed interaction per restart of the server, against three round trips on every query.
- `jit=off`: every query the bot runs touches a handful of rows or counts one guild's; a plan
  whose estimated cost passes `jit_above_cost` (the large counts of /admin stats) spends tens
  of milliseconds compiling code that saves less than that.
- Reads of one statement need no transaction: `single_statement_reads` gives an engine whose
  connections run in autocommit, so no BEGIN and ROLLBACK travel around the SELECT.
- The hottest reads (a snippet by its number) can skip SQLAlchemy's execution path altogether:
  `driver_connection` lends asyncpg's own connection out of the same pool. SQLAlchemy's
  statement compilation, result set-up and greenlet hops cost ~0.45 ms of a 0.7 ms read here;
  asyncpg alone, with its own prepared-statement cache, ~0.25 ms.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.util import greenlet_spawn

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.ext.asyncio import AsyncEngine
    from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

IDLE_PING_SECONDS: Final = 10.0
# Statements prepared per connection (asyncpg): walking every command and API route prepares
# about 180 distinct statements, more than the dialect's default of 100, and a statement pushed
# out is prepared again (one more round trip) on its next use.
PREPARED_STATEMENTS: Final = 500
_RETURNED_AT: Final = "nexus_returned_at"


def connect_args() -> dict[str, Any]:
    """asyncpg's connect() arguments: server settings travel in the start-up packet, free."""
    return {
        "server_settings": {"jit": "off"},
        "prepared_statement_cache_size": PREPARED_STATEMENTS,
    }


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Check a pooled connection before use only when it has been idle `idle_seconds`."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _: PoolProxiedConnection
    ) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # just connected, or used a moment ago
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool discards this connection and checks out another (or a new one).
            raise DisconnectionError("idle connection closed by the server") from error


def single_statement_reads(engine: AsyncEngine) -> AsyncEngine:
    """The engine for reads of one statement: autocommit on PostgreSQL (no BEGIN / ROLLBACK
    around it; the statement sees one snapshot by itself). SQLite's engine as it is."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """asyncpg's own connection, lent from `engine`'s pool for statements outside a transaction.

    The pool's events run as for any checkout (the idle ping above); the connection goes back
    to the pool afterwards, or is discarded when the server closed it under the statement.
    """
    pooled = await greenlet_spawn(engine.sync_engine.pool.connect)
    try:
        yield pooled.driver_connection
    except BaseException:
        if pooled.driver_connection is None or pooled.driver_connection.is_closed():
            await greenlet_spawn(pooled.invalidate)
        raise
    finally:
        await greenlet_spawn(pooled.close)
