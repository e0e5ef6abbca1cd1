"""Writes in place (bot/in_place_writes.py) against the real, migrated database: committed and
visible to the pool, rolled back whole on an error, the pool taken when SQLite's write lock is
held elsewhere (without holding the event loop), the engine's clock in column defaults, and the
log written back off the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select

from bot import in_place_writes as writes_module
from bot.clock import FrozenClock
from bot.db import Database, sqlite_path
from bot.in_place_writes import in_place_writes
from bot.models import AuditEntry, FeatureBlock

GUILD = 1001
AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BLOCKS = select(FeatureBlock.user_id, FeatureBlock.created_at).where(
    FeatureBlock.guild_id == bindparam("guild_id")
)


def block(user_id: int) -> Any:
    return insert(FeatureBlock).values(guild_id=GUILD, user_id=user_id, feature="snippets")


async def pooled_blocks(database: Database) -> list[tuple[Any, ...]]:
    async with database.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(BLOCKS, {"guild_id": GUILD})]


def checkouts_of(database: Database) -> list[object]:
    seen: list[object] = []
    event.listen(database.engine.sync_engine, "checkout", lambda *_: seen.append(1))
    return seen


async def test_a_transaction_commits_and_on_sqlite_takes_nothing_from_the_pool(
    database: Database,
) -> None:
    writes = in_place_writes(database.engine)
    assert in_place_writes(database.engine) is writes  # one per engine
    checkouts = checkouts_of(database)

    async with writes.connection() as connection:
        await connection.execute(block(1))
        await connection.execute(block(2))
    # In place on SQLite; through the pool on PostgreSQL.
    assert len(checkouts) == (0 if database.dialect == "sqlite" else 1)
    assert [user for user, _ in await pooled_blocks(database)] == [1, 2]


async def test_an_error_inside_rolls_the_whole_transaction_back(database: Database) -> None:
    writes = in_place_writes(database.engine)

    with pytest.raises(LookupError, match="refused"):
        async with writes.connection() as connection:
            await connection.execute(block(1))
            raise LookupError("refused")
    assert await pooled_blocks(database) == []
    # The connection is usable afterwards, with nothing of the failed one left in it.
    async with writes.connection() as connection:
        await connection.execute(block(3))
    assert [user for user, _ in await pooled_blocks(database)] == [3]


async def test_column_defaults_come_from_the_engines_clock(settings: Any) -> None:
    database = Database(settings.database, FrozenClock(AT))
    await database.upgrade()
    try:
        async with in_place_writes(database.engine).session() as session:
            session.add(FeatureBlock(guild_id=GUILD, user_id=1, feature="snippets"))
        assert await pooled_blocks(database) == [(1, AT)]
    finally:
        await database.close()


async def test_a_write_lock_held_elsewhere_sends_the_transaction_through_the_pool(
    database: Database,
) -> None:
    if database.dialect != "sqlite":
        pytest.skip("SQLite's single write lock")
    path = sqlite_path(database.url)
    assert path is not None
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO feature_blocks (guild_id, user_id, feature, created_at) "
                      "VALUES (1001, 7, 'snippets', '2026-11-26 09:00:00.000000')")  # fmt: skip
        holding.set()
        release.wait(5)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(5)
    checkouts = checkouts_of(database)
    loop_ticks = 0

    async def release_after_the_loop_went_on() -> None:
        # The lock is let go only after the loop has turned five times while the write was
        # pending: a write that blocked the loop would never see it released (no wall-clock
        # bound, so a slow or paused machine cannot fail it).
        nonlocal loop_ticks
        for _ in range(5):
            await asyncio.sleep(0.01)
            loop_ticks += 1
        release.set()

    releaser = asyncio.create_task(release_after_the_loop_went_on())
    async with in_place_writes(database.engine).connection() as connection:
        await connection.execute(block(8))
    # It waited for the lock on the pool's thread, while the loop went on.
    assert release.is_set() and loop_ticks == 5
    await releaser
    holder.join(5)
    assert len(checkouts) == 1
    assert [user for user, _ in await pooled_blocks(database)] == [7, 8]
    # The lock free again, the next write is in place once more.
    async with in_place_writes(database.engine).connection() as connection:
        await connection.execute(block(9))
    assert len(checkouts) == 2  # the one above, and reading the blocks back


async def test_inside_a_callers_transaction_the_work_joins_it(database: Database) -> None:
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        async with in_place_writes(connection).connection() as joined:
            await joined.execute(block(1))
        async with in_place_writes(connection).session() as session:
            session.add(FeatureBlock(guild_id=GUILD, user_id=2, feature="snippets"))
        # Both wrote in the caller's transaction, which is the caller's to end.
        assert len((await connection.execute(BLOCKS, {"guild_id": GUILD})).all()) == 2
        await transaction.rollback()
    assert await pooled_blocks(database) == []


async def test_the_log_is_written_back_on_a_pool_thread_every_so_many_commits(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    monkeypatch.setattr(writes_module, "CHECKPOINT_EVERY", 5)
    statements: list[str] = []
    event.listen(
        database.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: statements.append(statement),
    )
    writes = in_place_writes(database.engine)
    for user in range(1, 6):
        assert not any("wal_checkpoint" in statement for statement in statements)
        async with writes.connection() as connection:
            await connection.execute(block(user))
    await database.close()  # waits for the checkpoint it started
    assert sum("wal_checkpoint" in statement for statement in statements) == 1


async def test_an_audit_row_written_in_place_reads_back_typed(database: Database) -> None:
    # JSON and datetime columns convert as on the async path.
    async with in_place_writes(database.engine).connection() as connection:
        await connection.execute(
            insert(AuditEntry).values(
                guild_id=GUILD, actor_id=1, action="test", details={"a": [1]}, created_at=AT
            )
        )
    async with database.engine.connect() as connection:
        row = (await connection.execute(select(AuditEntry.details, AuditEntry.created_at))).one()
    assert row.details == {"a": [1]} and row.created_at == AT


async def test_a_session_commits_after_its_block_and_its_hooks_see_the_commit(
    database: Database,
) -> None:
    seen: list[bool] = []
    writes = in_place_writes(database.engine)
    async with writes.session() as session:
        session.add(FeatureBlock(guild_id=GUILD, user_id=4, feature="snippets", created_at=AT))
        event.listen(session.sync_session, "after_commit", lambda _: seen.append(True), once=True)
    assert seen == [True]
    assert await pooled_blocks(database) == [(4, AT)]
    with pytest.raises(LookupError):
        async with writes.session() as session:
            session.add(FeatureBlock(guild_id=GUILD, user_id=5, feature="snippets"))
            await session.flush()
            raise LookupError
    assert await pooled_blocks(database) == [(4, AT)]
