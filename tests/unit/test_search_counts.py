"""The weekly search counts: counted in memory, written together, never lost by a stop or a
failed write, and read with the ones not written yet (against the real, migrated database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.db import Database
from cogs.snippets import search_counts as search_counts_module
from cogs.snippets.models import SnippetSearchWeek
from cogs.snippets.search_counts import SearchCounts

GUILD, OTHER_GUILD = 1001, 2002
UTC_ZONE = ZoneInfo("UTC")
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday
WEEK = date(2026, 11, 23)
NEXT_WEEK = date(2026, 11, 30)


def counts_of(database: Database, clock: FrozenClock) -> SearchCounts:
    return SearchCounts(database.sessions, clock, database.dialect)


async def stored(database: Database) -> dict[tuple[int, date], int]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(
                SnippetSearchWeek.guild_id, SnippetSearchWeek.week_start, SnippetSearchWeek.searches
            )
        )
        return {(guild, week): searches for guild, week, searches in rows.all()}


async def test_counts_are_read_before_they_are_written_and_written_once_on_close(
    database: Database,
) -> None:
    clock = FrozenClock(START)
    counts = counts_of(database, clock)
    counts.record(GUILD, UTC_ZONE)
    counts.record(GUILD, UTC_ZONE)
    counts.record(OTHER_GUILD, UTC_ZONE)
    clock.advance(timedelta(days=4))  # Monday: the next week
    counts.record(GUILD, UTC_ZONE)

    assert await stored(database) == {}
    assert await counts.weekly(GUILD, WEEK, NEXT_WEEK) == {WEEK: 2, NEXT_WEEK: 1}
    assert await counts.weekly(GUILD, NEXT_WEEK, NEXT_WEEK) == {NEXT_WEEK: 1}

    await counts.close()

    assert await stored(database) == {
        (GUILD, WEEK): 2,
        (OTHER_GUILD, WEEK): 1,
        (GUILD, NEXT_WEEK): 1,
    }
    assert await counts.weekly(GUILD, WEEK, NEXT_WEEK) == {WEEK: 2, NEXT_WEEK: 1}  # not twice


async def test_counts_are_written_in_the_background_and_add_to_another_processes(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_counts_module, "WRITE_AFTER_SECONDS", 0.01)
    clock = FrozenClock(START)
    this, other = counts_of(database, clock), counts_of(database, clock)
    other.record(GUILD, UTC_ZONE)
    await other.close()
    for _ in range(3):
        this.record(GUILD, UTC_ZONE)

    for _ in range(200):
        if await stored(database) == {(GUILD, WEEK): 4}:
            break
        await asyncio.sleep(0.01)
    assert await stored(database) == {(GUILD, WEEK): 4}
    await this.close()
    assert await stored(database) == {(GUILD, WEEK): 4}


async def test_a_failed_write_keeps_its_counts_for_the_next(database: Database) -> None:
    clock = FrozenClock(START)
    counts = counts_of(database, clock)
    counts.record(GUILD, UTC_ZONE)
    table = SnippetSearchWeek.__table__
    async with database.engine.begin() as connection:
        await connection.run_sync(table.drop)
    with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
        await counts.write()
    counts.record(GUILD, UTC_ZONE)
    async with database.engine.begin() as connection:
        await connection.run_sync(table.create)

    await counts.close()

    assert await stored(database) == {(GUILD, WEEK): 2}
