"""A guild's row counts as the database keeps them (`guild_counts`, bot/count_triggers.py): one
small indexed read instead of `count(*)` over every row of the guild, for /admin stats and the
API's stats."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Integer, String, bindparam, column, select, table

from bot.count_triggers import TABLE
from bot.in_place_reads import in_place_reads

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

BIG_INT = BigInteger().with_variant(Integer(), "sqlite")
COUNTS = table(
    TABLE,
    column("guild_id", BIG_INT),
    column("name", String(100)),
    column("value", BIG_INT),
)
# Built once, the guild bound at each read: a statement object keeps its cache key, so a read
# skips building and keying the select.
GUILD_COUNTS = (
    select(COUNTS.c.name, COUNTS.c.value)
    .where(COUNTS.c.guild_id == bindparam("guild_id"))
    .order_by(COUNTS.c.name)
)

# The reads one stats request shares, by (engine, guild): every feature asked in that request
# gets the same snapshot from one query. Set by `one_read`, seen by the tasks it starts.
_SHARED: ContextVar[dict[tuple[int, int], asyncio.Future[dict[str, int]]] | None] = ContextVar(
    "guild_counts_shared", default=None
)


@contextmanager
def one_read() -> Iterator[None]:
    """Within this block, every `GuildCounts.of` for one guild shares one query."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


class GuildCounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # No session: one plain read by key needs no unit of work, and on SQLite no thread.
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._reads = in_place_reads(self._engine)

    async def of(self, guild_id: int) -> dict[str, int]:
        """Every counter of the guild by name (sorted), as the database holds them now."""
        shared = _SHARED.get()
        if shared is None:
            return await self._read(guild_id)
        key = (id(self._engine.sync_engine), guild_id)
        if key not in shared:
            shared[key] = asyncio.ensure_future(self._read(guild_id))
        read = shared[key]
        if read.done():
            return dict(read.result())  # the others asked after the read: no waiting to guard
        # Shielded: a feature that gives up waiting must not cancel the read the others share.
        return dict(await asyncio.shield(read))

    async def _read(self, guild_id: int) -> dict[str, int]:
        rows = await self._reads.rows(GUILD_COUNTS, {"guild_id": guild_id})
        return {str(name): int(value) for name, value in rows}


def with_prefix(counts: dict[str, int], prefix: str) -> dict[str, int]:
    """The counters named `prefix` + a value (a count per value), by value, none at zero."""
    return {
        name[len(prefix) :]: value
        for name, value in counts.items()
        if name.startswith(prefix) and value
    }
