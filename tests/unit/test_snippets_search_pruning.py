"""Pruning the search change log against a real, migrated database (SQLite file or PostgreSQL):
the newest changes are kept, the mark is recorded in the prune's own transaction, and an index
decides from that mark, never from the oldest row, whether it can still catch up."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, select

from bot.clock import FrozenClock
from bot.scheduler import Scheduler
from bot.schema_stamp import BOT_STATE
from cogs.snippets import search_pruning, tantivy_index
from cogs.snippets.models import Snippet, SnippetSearchChange
from cogs.snippets.search_changes import PRUNED_KEY, RECHECKED_AFTER_BUILD, ChangeReader
from cogs.snippets.search_index import rebuild_search_index
from cogs.snippets.search_pruning import PRUNE_EVERY, PRUNE_JOB, ChangeLogPruning
from cogs.snippets.settings import SEARCH_CHANGES_KEPT_MIN, FileSettings
from tests.conftest import BACKEND
from tests.unit.test_snippets_search_index import (
    BUILDING,
    OTHER_GUILD,
    START,
    found,
    index_of,
    parts_at,
    share,
)

if TYPE_CHECKING:
    from pathlib import Path

    from bot.db import Database
    from cogs.snippets.search_changes import LogState


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def logged(database: Database) -> list[int]:
    """The change numbers the log holds, oldest first."""
    async with database.sessions() as session:
        rows = await session.scalars(select(SnippetSearchChange.seq).order_by("seq"))
        return list(rows)


async def recorded_mark(database: Database) -> int | None:
    async with database.engine.connect() as connection:
        value = await connection.scalar(
            select(BOT_STATE.c.value).where(BOT_STATE.c.key == PRUNED_KEY)
        )
    return None if value is None else int(value)


def pruning(database: Database, clock: FrozenClock, keep: int) -> ChangeLogPruning:
    return ChangeLogPruning(database.engine, clock, keep)


async def test_a_prune_keeps_the_newest_changes_and_records_its_mark_with_the_deletion(
    database: Database, clock: FrozenClock
) -> None:
    writer = parts_at(database, clock, None)
    for n in range(8):
        await share(writer, clock, f"Herring {n}")
    numbers = await logged(database)
    assert len(numbers) == 8
    async with database.engine.connect() as connection:
        async with connection.begin():
            assert await pruning(database, clock, 3).prune_batch(connection) == 5
            # Not committed yet: another connection sees neither the deletion nor the mark.
            assert await logged(database) == numbers
            assert await recorded_mark(database) is None
        assert await logged(database) == numbers[5:]
        assert await recorded_mark(database) == numbers[4]
    # Nothing more to prune until more is written.
    assert await pruning(database, clock, 3).prune() == 0
    assert await recorded_mark(database) == numbers[4]
    await writer.close_search()


async def test_a_prune_works_in_batches_and_one_run_does_a_bounded_number_of_them(
    database: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_pruning, "PRUNE_BATCH", 2)
    writer = parts_at(database, clock, None)
    for n in range(8):
        await share(writer, clock, f"Sprat {n}")
    numbers = await logged(database)
    job = pruning(database, clock, 3)
    assert await job.prune(batches=1) == 2  # the mark moves two numbers at a time
    assert (await logged(database), await recorded_mark(database)) == (numbers[2:], numbers[1])
    assert await job.prune() == 3  # the next run finishes: two, then the one left
    assert (await logged(database), await recorded_mark(database)) == (numbers[5:], numbers[4])
    await writer.close_search()


async def test_prunes_in_two_processes_at_once_delete_each_change_once_and_agree_on_the_mark(
    database: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_pruning, "PRUNE_BATCH", 1)
    writer = parts_at(database, clock, None)
    for n in range(12):
        await share(writer, clock, f"Shad {n}")
    numbers = await logged(database)
    one, two = pruning(database, clock, 4), pruning(database, clock, 4)
    deleted = await asyncio.gather(one.prune(), two.prune())
    assert sum(deleted) == 8  # each change deleted by one of them
    assert (await logged(database), await recorded_mark(database)) == (numbers[8:], numbers[7])
    await writer.close_search()


async def test_the_scheduler_prunes_the_log_once_a_day(
    database: Database, clock: FrozenClock
) -> None:
    writer = parts_at(database, clock, None)
    for n in range(5):
        await share(writer, clock, f"Anchovy {n}")
    scheduler = Scheduler(clock)
    pruning(database, clock, 2).schedule(scheduler)
    assert scheduler.job_ids() == [PRUNE_JOB]
    assert await scheduler.run_due() == 0
    clock.advance(PRUNE_EVERY)
    assert await scheduler.run_due() == 1
    assert len(await logged(database)) == 2
    ChangeLogPruning.unschedule(scheduler)
    assert scheduler.job_ids() == []
    await writer.close_search()


async def test_an_index_behind_the_mark_rebuilds_and_then_finds_everything(
    database: Database, clock: FrozenClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    behind = parts_at(database, clock, tmp_path / "behind")
    early = [await share(behind, clock, f"Sturgeon {n}") for n in range(2)]
    assert sorted(await found(behind, "sturgeon")) == sorted(early)
    await behind.close_search()  # it applied the first two changes
    writer = parts_at(database, clock, None)
    later = [await share(writer, clock, f"Sturgeon {n}") for n in range(2, 8)]
    await writer.close_search()
    await pruning(database, clock, 3).prune()  # the changes it did not apply are gone
    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    again = parts_at(database, clock, tmp_path / "behind")
    assert sorted(await found(again, "sturgeon")) == sorted(early + later)
    assert BUILDING in caplog.text
    caplog.clear()
    # Built, it catches up from the log as before.
    newer = await share(again, clock, "Sturgeon roe")
    assert sorted(await found(again, "sturgeon")) == sorted([*early, *later, newer])
    assert BUILDING not in caplog.text
    await again.close_search()


async def test_an_index_at_or_past_the_mark_catches_up_without_a_rebuild(
    database: Database, clock: FrozenClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ahead = parts_at(database, clock, tmp_path / "ahead")
    early = [await share(ahead, clock, f"Mackerel {n}") for n in range(5)]
    assert sorted(await found(ahead, "mackerel")) == sorted(early)
    await ahead.close_search()  # it applied the first five changes
    writer = parts_at(database, clock, None)
    later = [await share(writer, clock, f"Mackerel {n}") for n in range(5, 8)]
    await writer.close_search()
    await pruning(database, clock, 3).prune()  # up to the fifth: the mark is where it stopped
    assert await recorded_mark(database) == (await logged(database))[0] - 1
    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    again = parts_at(database, clock, tmp_path / "ahead")
    assert sorted(await found(again, "mackerel")) == sorted(early + later)
    assert BUILDING not in caplog.text
    await again.close_search()


async def test_a_prune_between_the_check_and_the_reading_of_the_changes_makes_the_index_rebuild(
    database: Database,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = tmp_path / "index"
    reader = parts_at(database, clock, directory)
    first = await share(reader, clock, "Lamprey")
    assert await found(reader, "lamprey") == [first]
    await reader.close_search()  # it applied the first change
    writer = parts_at(database, clock, None)
    later = [await share(writer, clock, f"Lamprey {n}") for n in range(4)]
    await writer.close_search()
    again = parts_at(database, clock, directory)
    index = index_of(again)
    checked: list[LogState] = []
    read_log_state = index._log_state  # the check a prune slips behind

    async def then_pruned() -> LogState:
        # The index checks the log (not pruned: it can catch up), then another process prunes
        # it before the index reads the changes.
        state = await read_log_state()
        if not checked:
            checked.append(state)
            await pruning(database, clock, 1).prune()
        return state

    monkeypatch.setattr(index, "_log_state", then_pruned)
    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    await index.wait_until_current()
    assert checked[0].pruned == 0
    assert BUILDING in caplog.text  # the changes it missed did not pass for uncommitted ones
    assert sorted(await found(again, "lamprey")) == sorted([first, *later])
    await again.close_search()


async def test_a_missing_number_the_mark_passes_is_not_waited_for_but_rebuilt(
    database: Database, clock: FrozenClock
) -> None:
    writer = parts_at(database, clock, None)
    ids = [await share(writer, clock, f"Pike {n}") for n in range(6)]
    await writer.close_search()
    numbers = await logged(database)
    # A number missing in the middle (on PostgreSQL: not committed yet, or rolled back).
    async with database.sessions.begin() as session:
        await session.execute(
            delete(SnippetSearchChange).where(SnippetSearchChange.seq == numbers[2])
        )
    reader = ChangeReader()
    async with database.engine.connect() as connection:
        assert await reader.changed_snippets(connection, 0, numbers[-1]) == sorted(
            ids[:2] + ids[3:]
        )
        assert reader.waiting
        await pruning(database, clock, 4).prune()  # a mark below it: keep waiting
        assert await reader.changed_snippets(connection, numbers[-1], numbers[-1]) == []
        await pruning(database, clock, 3).prune()  # a mark at it: it may have been pruned
        assert await reader.changed_snippets(connection, numbers[-1], numbers[-1]) is None


async def test_a_restore_forgets_the_mark_and_the_index_is_built_from_the_table(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    parts = parts_at(database, clock, tmp_path / "index")
    ids = [await share(parts, clock, f"Carp {n}") for n in range(5)]
    await pruning(database, clock, 2).prune()
    assert await recorded_mark(database) is not None
    async with database.engine.begin() as connection:
        await rebuild_search_index(connection)
    # The mark described the log before the restore: kept, it would hold every index below it.
    assert await recorded_mark(database) is None
    await index_of(parts).wait_until_current()
    assert sorted(await found(parts, "carp")) == sorted(ids)
    await parts.close_search()


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite commits writes in their order")
async def test_a_write_that_commits_after_later_ones_is_found_across_a_prune_below_it(
    database: Database, clock: FrozenClock
) -> None:
    parts = parts_at(database, clock, None)
    earlier = [await share(parts, clock, f"Capybara {n}") for n in range(3)]
    await index_of(parts).wait_until_current()
    async with database.sessions.begin() as slow:
        slow_row = Snippet(
            guild_id=OTHER_GUILD, author_id=1, title="Capybara bath", language="python",
            tags="", code="x", star_count=0, created_at=START,
        )  # fmt: skip
        slow.add(slow_row)
        await slow.flush()
        await parts.search_engine.index_insert(slow, slow_row)
        quick = [await share(parts, clock, f"Capybara nap {n}") for n in range(2)]
        assert sorted(await found(parts, "capybara")) == sorted(earlier + quick)
        # The three changes before the slow one's number go; the index still waits for it.
        await pruning(database, clock, 3).prune()
        assert len(await logged(database)) == 2
    page = await parts.snippet_search.search(OTHER_GUILD, "capybara")
    assert [item.id for item in page.items] == [slow_row.id]
    await parts.close_search()


def test_the_setting_keeps_at_least_what_an_index_looks_at_again_after_a_build() -> None:
    assert SEARCH_CHANGES_KEPT_MIN >= RECHECKED_AFTER_BUILD
    with pytest.raises(ValidationError):
        FileSettings(search_changes_kept=SEARCH_CHANGES_KEPT_MIN - 1)
    assert FileSettings().search_changes_kept == 100_000
