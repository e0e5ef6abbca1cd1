"""Pruning the search change log (`snippet_search_changes`): it keeps the newest changes, and
the mark up to which it was pruned is recorded beside it.

Each batch is one transaction: it takes the mark's row first (so prunes in several processes
run one after the other and the mark only grows), deletes the changes up to the new mark and
records that mark. An index reads the mark with the changes (search_changes.py): one that
applied less than it rebuilds from the table, and one that read the log while a prune ran sees
the mark after its reading and rebuilds too, rather than taking a pruned change for a number
not committed yet.

Why "newest changes, minus the kept ones" is a safe mark (docs/decisions/0005-search-index.md):
a change below it that is still uncommitted has waited through `keep` later writes, far past
the minute an index waits for a missing number; and the index's look-backs (a missing number
for that minute, the last RECHECKED_AFTER_BUILD changes after a build) stay above the mark as
long as `keep` is at least RECHECKED_AFTER_BUILD (the setting's minimum).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete, func, select, update

from bot.schema_stamp import BOT_STATE
from bot.sql import affected_rows, dialect_insert
from cogs.snippets.models import SnippetSearchChange
from cogs.snippets.search_changes import PRUNED_KEY

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from bot.clock import Clock
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

PRUNE_JOB: Final = "snippets.search_changes.prune"
# Daily, like the code runs' prune: the log then holds the kept changes and at most a day's more.
PRUNE_EVERY: Final = timedelta(days=1)
# Bounded work: one transaction deletes at most PRUNE_BATCH numbers' worth of changes (a short
# hold of SQLite's write lock, other writes going between two), and one run at most
# PRUNE_BATCHES of them; a log grown larger before its first prune is worked down over days.
PRUNE_BATCH: Final = 5_000
PRUNE_BATCHES: Final = 200
# Between two batches, so writers waiting for SQLite's write lock get it: its busy handler polls,
# and batches back to back kept a writer out for 4 s and once past the 5 s busy timeout. A batch
# of 5,000 takes ~90 ms on SQLite, ~10 ms on PostgreSQL (decision 0005 has the figures).
PRUNE_PAUSE_SECONDS: Final = 0.1


class ChangeLogPruning:
    """Keeps the newest `keep` changes of the log; run every PRUNE_EVERY by each process."""

    def __init__(self, engine: AsyncEngine, clock: Clock, keep: int) -> None:
        self._engine = engine
        self._clock = clock
        self._keep = keep

    def schedule(self, scheduler: Scheduler) -> None:
        scheduler.handle(PRUNE_JOB, self.prune)
        scheduler.schedule_every(PRUNE_JOB, PRUNE_EVERY, PRUNE_JOB)

    @staticmethod
    def unschedule(scheduler: Scheduler) -> None:
        scheduler.cancel(PRUNE_JOB)
        scheduler.unhandle(PRUNE_JOB)

    async def prune(self, batches: int = PRUNE_BATCHES) -> int:
        """Delete the changes older than the newest `keep`, batch by batch; how many went."""
        deleted = 0
        for batch in range(batches):
            if batch:
                await asyncio.sleep(PRUNE_PAUSE_SECONDS)
            async with self._engine.begin() as connection:
                done = await self.prune_batch(connection)
            if done is None:
                break
            deleted += done
        if deleted:
            log.info("The snippet search change log: %d changes pruned.", deleted)
        return deleted

    async def prune_batch(self, connection: AsyncConnection) -> int | None:
        """One batch in the caller's transaction; None when nothing is left to prune."""
        mark = await _locked_mark(connection, self._clock)
        newest, oldest = (
            await connection.execute(
                select(func.max(SnippetSearchChange.seq), func.min(SnippetSearchChange.seq))
            )
        ).one()
        if newest is None or int(newest) - self._keep <= mark:
            return None
        # Numbers from the oldest row on: a log copied from elsewhere may start far above the
        # mark. The oldest row only sizes the batch; what was pruned is the mark's to say.
        start = max(mark, int(oldest) - 1)
        upto = min(int(newest) - self._keep, start + PRUNE_BATCH)
        result = await connection.execute(
            delete(SnippetSearchChange).where(SnippetSearchChange.seq <= upto)
        )
        await connection.execute(
            update(BOT_STATE)
            .where(BOT_STATE.c.key == PRUNED_KEY)
            .values(value=str(upto), updated_at=self._clock.now())
        )
        return affected_rows(result)


async def _locked_mark(connection: AsyncConnection, clock: Clock) -> int:
    """The recorded mark, its row held until the transaction ends: the insert takes SQLite's
    write lock at once (no reader's snapshot to upgrade), FOR UPDATE waits for another prune
    on PostgreSQL and then reads what it committed."""
    missing = dialect_insert(connection.dialect.name, BOT_STATE).values(
        key=PRUNED_KEY, value="0", updated_at=clock.now()
    )
    await connection.execute(missing.on_conflict_do_nothing(index_elements=["key"]))
    value = await connection.scalar(
        select(BOT_STATE.c.value).where(BOT_STATE.c.key == PRUNED_KEY).with_for_update()
    )
    return int(value or 0)
