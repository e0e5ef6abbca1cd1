"""The open items the duplicate check compares a report with, one index per guild: loaded from
the database, kept in step with this process's own changes, and reloaded now and then."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.lru import LruDict
from cogs.feedback.duplicates import GuildOpenIndex, OpenItem
from cogs.feedback.models import FeedbackItem
from cogs.feedback.rules import ACTIVE_STATUSES

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TypeAlias

    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cogs.feedback.records import ItemRecord

    # A change this process made to an item, taken when it was made: its id, and the item
    # as matching sees it while it is open (None once closed).
    OpenChange: TypeAlias = tuple[int, OpenItem | None]

# Other processes' changes reach this process's duplicate index when it is rebuilt.
INDEX_SECONDS = 300.0


class OpenItemIndexes:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], guilds_cached: int = 1000
    ) -> None:
        self._sessions = sessions
        # A guild dropped past the cap is read again when next matched (as after INDEX_SECONDS).
        self._open_indexes: LruDict[int, GuildOpenIndex] = LruDict(guilds_cached)
        # Per guild, one list per load in flight: the changes this process made meanwhile.
        self._loading: dict[int, list[list[OpenChange]]] = {}

    async def for_guild(self, guild_id: int) -> GuildOpenIndex:
        """The guild's open items for matching: cached, kept in step with this process's changes,
        and reloaded every INDEX_SECONDS (or once many closed items piled up)."""
        index = self._open_indexes.get(guild_id)
        fresh = index is not None and time.monotonic() - index.loaded_at < INDEX_SECONDS
        if index is not None and fresh and not index.needs_rebuild:
            return index
        # A change committed while the read is out may be missing from it (or its read may
        # come back older than the change): each is applied again to what the read built, as
        # keeping the index in step would have (both ways give the same index).
        meanwhile: list[OpenChange] = []
        self._loading.setdefault(guild_id, []).append(meanwhile)
        try:
            rows = await self._read(guild_id)
        finally:
            # By identity: another load's list may be equal to this one (both still empty).
            loads = [other for other in self._loading[guild_id] if other is not meanwhile]
            if loads:
                self._loading[guild_id] = loads
            else:
                del self._loading[guild_id]
        # The cached index (stale, or with closed items piled up) lends what has not changed.
        index = GuildOpenIndex([OpenItem(*row) for row in rows], previous=index)
        for change in meanwhile:
            _apply(index, change)
        self._open_indexes[guild_id] = index
        return index

    async def _read(self, guild_id: int) -> Sequence[Row[int, int, str, str, str]]:
        query = select(
            FeedbackItem.id,
            FeedbackItem.number,
            FeedbackItem.method,
            FeedbackItem.path,
            FeedbackItem.title,
        ).where(FeedbackItem.guild_id == guild_id, FeedbackItem.status.in_(ACTIVE_STATUSES))
        async with self._sessions() as session:
            return (await session.execute(query)).all()

    def track(self, item: ItemRecord | FeedbackItem) -> None:
        """Keep the cached open-item index in step with a change made by this process."""
        change = _change(item)
        for meanwhile in self._loading.get(item.guild_id, ()):
            meanwhile.append(change)
        index = self._open_indexes.get(item.guild_id)
        if index is not None:
            _apply(index, change)


def _change(item: ItemRecord | FeedbackItem) -> OpenChange:
    if item.status in ACTIVE_STATUSES:
        return item.id, OpenItem(item.id, item.number, item.method, item.path, item.title)
    return item.id, None


def _apply(index: GuildOpenIndex, change: OpenChange) -> None:
    item_id, open_item = change
    if open_item is None:
        index.remove(item_id)
    else:
        index.add(open_item)
