"""The log of search changes (`snippet_search_changes`) that keeps each process's search index
in step with the snippets table, and the generation that tells an index to start again.

A write that changes what a snippet is found by records the snippet's id here, in its own
transaction. An index remembers the number of the last change it applied and asks for the
ones after it. On PostgreSQL numbers are handed out before commit, so a change can become
visible after a later one: a number missing below the newest is looked for again until it
appears, or for GAP_PATIENCE_SECONDS (a rolled-back write leaves its number unused for good).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import bindparam, text

from bot.schema_stamp import DERIVED_PREFIX

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

GENERATION_KEY: Final = f"{DERIVED_PREFIX}snippets.search_generation"
GAP_PATIENCE_SECONDS: Final = 60.0
GAPS_TRACKED_MAX: Final = 1000
# After a build, the changes this far below the mark it started from are applied once more: one
# not yet committed when the build began was neither in the table it read nor in the log.
RECHECKED_AFTER_BUILD: Final = 1000

_LOG_STATE = text(
    "SELECT (SELECT max(seq) FROM snippet_search_changes), "
    "(SELECT min(seq) FROM snippet_search_changes), "
    "(SELECT value FROM bot_state WHERE key = :key)"
).bindparams(key=GENERATION_KEY)
_CHANGES = text(
    "SELECT seq, snippet_id FROM snippet_search_changes WHERE seq > :after AND seq <= :upto"
)
_FILLED_GAPS = text(
    "SELECT seq, snippet_id FROM snippet_search_changes WHERE seq IN :gaps"
).bindparams(bindparam("gaps", expanding=True))
_RECORD_CHANGE = text("INSERT INTO snippet_search_changes (snippet_id) VALUES (:id)")


@dataclass(frozen=True)
class LogState:
    newest: int
    oldest: int | None
    generation: str


async def record_change(session: AsyncSession, snippet_id: int) -> None:
    await session.execute(_RECORD_CHANGE, {"id": snippet_id})


async def new_generation(session: AsyncSession, now: datetime) -> None:
    """Make every process's index rebuild itself from the table (after a copy or restore)."""
    await session.execute(text("DELETE FROM bot_state WHERE key = :key"), {"key": GENERATION_KEY})
    await session.execute(
        text("INSERT INTO bot_state (key, value, updated_at) VALUES (:key, :value, :now)"),
        {"key": GENERATION_KEY, "value": uuid.uuid4().hex, "now": now},
    )


async def read_log_state(connection: AsyncConnection) -> LogState:
    newest, oldest, generation = (await connection.execute(_LOG_STATE)).one()
    return LogState(int(newest or 0), None if oldest is None else int(oldest), generation or "")


class ChangeReader:
    """Reads the changes after a mark, and keeps looking for numbers missing below it."""

    def __init__(self) -> None:
        # A missing number → when it was first missed.
        self._gaps: dict[int, float] = {}

    @property
    def waiting(self) -> bool:
        return bool(self._gaps)

    async def changed_snippets(
        self, connection: AsyncConnection, after: int, upto: int
    ) -> list[int]:
        """The snippets changed by changes (after, upto] and by missing ones that appeared."""
        changes = list(await connection.execute(_CHANGES, {"after": after, "upto": upto}))
        if self._gaps:
            changes += await connection.execute(_FILLED_GAPS, {"gaps": list(self._gaps)})
        self._track(after, upto, {int(seq) for seq, _ in changes})
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
