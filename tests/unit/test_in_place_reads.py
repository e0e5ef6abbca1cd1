"""Reads in place (bot/in_place_reads.py) against the real, migrated database: the same rows and
types as the async path, a write visible as soon as it commits, and the pool as the fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, event, insert, select

from bot.db import Database
from bot.in_place_reads import InPlaceReads, _read_only_engine, in_place_reads
from cogs.feedback.models import FeedbackCounter, FeedbackItem

GUILD = 1001
AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BY_NUMBER = select(FeedbackItem.number, FeedbackItem.title, FeedbackItem.created_at).where(
    FeedbackItem.guild_id == bindparam("guild_id")
)


async def add_item(database: Database, number: int) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(FeedbackItem).values(
                guild_id=GUILD,
                number=number,
                reporter_id=1,
                method="GET",
                path="/jobs",
                severity="bug",
                title=f"Item {number}",
                details="d",
                status="open",
                plus_ones=0,
                created_at=AT,
                updated_at=AT,
            )
        )


async def pooled_rows(database: Database) -> list[tuple[object, ...]]:
    async with database.engine.connect() as connection:
        result = await connection.execute(BY_NUMBER, {"guild_id": GUILD})
        return [tuple(row) for row in result]


async def test_reads_in_place_see_each_commit_with_the_async_paths_types(
    database: Database,
) -> None:
    reads = in_place_reads(database.engine)
    assert in_place_reads(database.engine) is reads  # one per engine
    assert await reads.rows(BY_NUMBER, {"guild_id": GUILD}) == []
    await add_item(database, 1)
    rows = await reads.rows(BY_NUMBER, {"guild_id": GUILD})
    assert [tuple(row) for row in rows] == await pooled_rows(database)
    assert rows[0].created_at == AT and rows[0].created_at.tzinfo is not None
    await add_item(database, 2)
    assert len(await reads.rows(BY_NUMBER, {"guild_id": GUILD})) == 2


async def test_on_sqlite_the_read_takes_no_connection_from_the_pool(database: Database) -> None:
    await add_item(database, 1)
    reads = in_place_reads(database.engine)
    checkouts: list[object] = []
    listener = lambda *_: checkouts.append(1)  # noqa: E731
    event.listen(database.engine.sync_engine, "checkout", listener)
    try:
        assert len(await reads.rows(BY_NUMBER, {"guild_id": GUILD})) == 1
    finally:
        event.remove(database.engine.sync_engine, "checkout", listener)
    # In place on SQLite; through the pool (one checkout) on PostgreSQL.
    assert len(checkouts) == (0 if database.dialect == "sqlite" else 1)


async def test_a_file_that_cannot_be_read_in_place_falls_back_to_the_pool(
    database: Database, tmp_path: Path
) -> None:
    await add_item(database, 1)
    reads = InPlaceReads(database.engine)
    # In place, a file that is not there (as a read-only connection finds a moved database).
    reads._in_place = _read_only_engine(tmp_path / "gone" / "nexus.db")
    rows = await reads.rows(BY_NUMBER, {"guild_id": GUILD})
    assert [tuple(row) for row in rows] == await pooled_rows(database)
    reads.close()


async def test_writes_are_not_what_it_is_for(database: Database) -> None:
    if database.dialect != "sqlite":
        pytest.skip("the read-only connection is SQLite's")
    reads = InPlaceReads(database.engine)
    assert reads._in_place is not None
    with reads._in_place.connect() as connection, pytest.raises(Exception, match="readonly"):
        connection.execute(insert(FeedbackCounter).values(guild_id=GUILD, last_number=1))
    reads.close()


async def test_a_reader_for_a_connection_reads_within_its_transaction(database: Database) -> None:
    async with database.engine.begin() as connection:
        reads = in_place_reads(connection)
        assert reads.engine is None
        await connection.execute(
            insert(FeedbackItem).values(
                guild_id=GUILD, number=1, reporter_id=1, method="GET", path="/jobs",
                severity="bug", title="Uncommitted", details="d", status="open",
                plus_ones=0, created_at=AT, updated_at=AT,
            )
        )  # fmt: skip
        rows = await reads.rows(BY_NUMBER, {"guild_id": GUILD})
        assert [row.title for row in rows] == ["Uncommitted"]  # its own transaction's row
        await connection.rollback()
    assert await in_place_reads(database.engine).rows(BY_NUMBER, {"guild_id": GUILD}) == []
