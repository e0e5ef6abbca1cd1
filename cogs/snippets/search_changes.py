"""The log of search changes (`snippet_search_changes`) that keeps each process's search index
in step with the snippets table, and the generation that tells an index to start again.

A write that changes what a snippet is found by records the snippet's id here, in its own
transaction. An index remembers the number of the last change it applied and asks for the
ones after it. On PostgreSQL numbers are handed out before commit, so a change can become
visible after a later one: a number missing below the newest is looked for again until it
appears, or for GAP_PATIENCE_SECONDS (a rolled-back write leaves its number unused for good).

The log is pruned (search_pruning.py): a prune deletes the changes up to a mark and records the
mark under PRUNED_KEY in the same transaction. The mark, never the oldest row, says what an
index can no longer find here: on PostgreSQL a number missing at the bottom of the log may be
one not committed yet. An index that applied less than the mark rebuilds from the table.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import bindparam, text

from bot.in_place_reads import in_place_reads
from bot.schema_stamp import DERIVED_PREFIX

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

GENERATION_KEY: Final = f"{DERIVED_PREFIX}snippets.search_generation"
# Every change numbered up to this value may have been pruned from the log.
PRUNED_KEY: Final = f"{DERIVED_PREFIX}snippets.search_changes_pruned"
GAP_PATIENCE_SECONDS: Final = 60.0
GAPS_TRACKED_MAX: Final = 1000
# After a build, the changes this far below the mark it started from are applied once more: one
# not yet committed when the build began was neither in the table it read nor in the log.
RECHECKED_AFTER_BUILD: Final = 1000

# One statement, so the newest change, the generation and the mark are read from one snapshot.
_LOG_STATE = text(
    "SELECT (SELECT max(seq) FROM snippet_search_changes), "
    "(SELECT value FROM bot_state WHERE key = :generation), "
    "(SELECT value FROM bot_state WHERE key = :pruned)"
).bindparams(generation=GENERATION_KEY, pruned=PRUNED_KEY)
_PRUNED = text("SELECT value FROM bot_state WHERE key = :pruned").bindparams(pruned=PRUNED_KEY)
_CHANGES = text(
    "SELECT seq, snippet_id FROM snippet_search_changes WHERE seq > :after AND seq <= :upto"
)
_FILLED_GAPS = text(
    "SELECT seq, snippet_id FROM snippet_search_changes WHERE seq IN :gaps"
).bindparams(bindparam("gaps", expanding=True))
RECORD_CHANGE: Final = text("INSERT INTO snippet_search_changes (snippet_id) VALUES (:id)")


@dataclass(frozen=True)
class LogState:
    newest: int
    generation: str
    # The recorded mark: changes up to it may be gone from the log.
    pruned: int


async def record_change(session: AsyncSession, snippet_id: int) -> None:
    await session.execute(RECORD_CHANGE, {"id": snippet_id})


async def new_generation(session: AsyncSession, now: datetime) -> None:
    """Make every process's index rebuild itself from the table (after a copy or restore).

    The prune mark goes too: it described the log before the copy, and an index of the new
    generation is built from the table up to the newest change of the log now in place."""
    for key in (GENERATION_KEY, PRUNED_KEY):
        await session.execute(text("DELETE FROM bot_state WHERE key = :key"), {"key": key})
    await session.execute(
        text("INSERT INTO bot_state (key, value, updated_at) VALUES (:key, :value, :now)"),
        {"key": GENERATION_KEY, "value": uuid.uuid4().hex, "now": now},
    )


async def read_log_state(engine: AsyncEngine) -> LogState:
    """The log's end, with every search: one row, read in place on SQLite."""
    newest, generation, pruned = tuple((await in_place_reads(engine).rows(_LOG_STATE))[0])
    return LogState(int(newest or 0), generation or "", int(pruned or 0))


class ChangeReader:
    """Reads the changes after a mark, and keeps looking for numbers missing below it."""

    def __init__(self) -> None:
        # A missing number → when it was first missed.
        self._gaps: dict[int, float] = {}

    @property
    def waiting(self) -> bool:
        return bool(self._gaps)

    def forget(self) -> None:
        """A build read the table: what was missing before it is in what it read."""
        self._gaps.clear()

    async def changed_snippets(
        self, connection: AsyncConnection, after: int, upto: int
    ) -> list[int] | None:
        """The snippets changed by changes (after, upto] and by missing ones that appeared;
        None when the log may have been pruned past what this read needed (rebuild)."""
        changes = list(await connection.execute(_CHANGES, {"after": after, "upto": upto}))
        if self._gaps:
            changes += await connection.execute(_FILLED_GAPS, {"gaps": list(self._gaps)})
        self._track(after, upto, {int(seq) for seq, _ in changes})
        # Read after the changes: a prune deletes and records its mark in one transaction, so
        # one that took a change from the reads above shows here. A change after `after`, or a
        # missing number (it may have committed since), at or below the mark may be gone.
        pruned = int(await connection.scalar(_PRUNED) or 0)
        if pruned > after or (self._gaps and min(self._gaps) <= pruned):
            return None
        return sorted({int(snippet_id) for _, snippet_id in changes})

    def _track(self, after: int, upto: int, seen: set[int]) -> None:
        # Monotonic time only measures how long a number has been missing; nothing is dated.
        now = time.monotonic()
        for seq in seen:
            self._gaps.pop(seq, None)
        for seq in range(after + 1, upto + 1):
            if seq not in seen and len(self._gaps) < GAPS_TRACKED_MAX:
                self._gaps[seq] = now
        for seq, since in list(self._gaps.items()):
            if now - since > GAP_PATIENCE_SECONDS:
                del self._gaps[seq]
