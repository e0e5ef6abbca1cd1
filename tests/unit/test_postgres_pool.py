"""PostgreSQL connections for short queries (bot/postgres_pool.py): a one-row read is one round
trip, a connection idle long enough is checked before use, and JIT is off."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import NotFoundError
from bot.postgres_pool import connect_args, ping_when_idle
from cogs.snippets.parts import build_parts
from tests.unit.test_migration_batches import CREATED


@pytest.fixture
def postgres(database: Database) -> Database:
    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL's connections (run with NEXUS_TEST_BACKEND=postgresql)")
    return database


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """What asyncpg sends: a statement (BEGIN, ROLLBACK …) or a prepared statement's fetch."""
    import asyncpg.connection
    import asyncpg.prepared_stmt

    seen: Counter[str] = Counter()

    def spy(owner: Any, name: str, label: Any) -> None:
        real = getattr(owner, name)

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen[label(args)] += 1
            return await real(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    spy(asyncpg.connection.Connection, "execute", lambda args: str(args[0]).split()[0])
    spy(asyncpg.connection.Connection, "fetchrow", lambda args: f"fetchrow {args[0].split()[0]}")
    spy(asyncpg.prepared_stmt.PreparedStatement, "fetch", lambda args: "statement")
    yield seen


async def test_a_snippet_is_read_in_one_round_trip(
    postgres: Database, round_trips: Counter[str]
) -> None:
    parts = build_parts(
        postgres.sessions, dialect="postgresql", clock=FrozenClock(CREATED),
        audit=AuditService(postgres.sessions),
    )  # fmt: skip
    with pytest.raises(NotFoundError):
        await parts.store.get(1, 1)  # connects, prepares the statement
    round_trips.clear()
    for _ in range(3):
        with pytest.raises(NotFoundError):
            await parts.store.get(1, 1)
    # No pre-ping (BEGIN, ";", ROLLBACK) and no transaction around the SELECT.
    assert round_trips == {"fetchrow SELECT": 3}


async def test_every_connection_runs_without_jit(postgres: Database) -> None:
    async with postgres.engine.connect() as connection:
        assert await connection.scalar(text("SHOW jit")) == "off"


@pytest.fixture
async def engine(postgres: Database) -> AsyncIterator[AsyncEngine]:
    built = create_async_engine(postgres.url, connect_args=connect_args(), pool_size=1)
    try:
        yield built
    finally:
        await built.dispose()


async def backend_of(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)


async def terminate(database: Database, pid: int) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(
    postgres: Database, engine: AsyncEngine
) -> None:
    ping_when_idle(engine, idle_seconds=0.0)
    first = await backend_of(engine)
    await terminate(postgres, first)
    second = await backend_of(engine)  # the ping failed; the pool connected anew
    assert second not in {0, first}


async def test_a_connection_used_a_moment_ago_is_not_pinged_and_one_query_pays(
    postgres: Database, engine: AsyncEngine
) -> None:
    ping_when_idle(engine, idle_seconds=3600.0)
    first = await backend_of(engine)
    await terminate(postgres, first)
    with pytest.raises(DBAPIError) as failed:
        await backend_of(engine)
    assert failed.value.connection_invalidated
    assert await backend_of(engine) not in {0, first}
