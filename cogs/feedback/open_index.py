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
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cogs.feedback.records import ItemRecord

# Other processes' changes reach this process's duplicate index when it is rebuilt.
INDEX_SECONDS = 300.0


class OpenItemIndexes:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], guilds_cached: int = 1000
    ) -> None:
        self._sessions = sessions
        # A guild dropped past the cap is read again when next matched (as after INDEX_SECONDS).
        self._open_indexes: LruDict[int, GuildOpenIndex] = LruDict(guilds_cached)

    async def for_guild(self, guild_id: int) -> GuildOpenIndex:
        """The guild's open items for matching: cached, kept in step with this process's changes,
        and reloaded every INDEX_SECONDS (or once many closed items piled up)."""
        index = self._open_indexes.get(guild_id)
        fresh = index is not None and time.monotonic() - index.loaded_at < INDEX_SECONDS
        if index is not None and fresh and not index.needs_rebuild:
            return index
        query = select(
            FeedbackItem.id,
            FeedbackItem.number,
            FeedbackItem.method,
            FeedbackItem.path,
            FeedbackItem.title,
        ).where(FeedbackItem.guild_id == guild_id, FeedbackItem.status.in_(ACTIVE_STATUSES))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        index = GuildOpenIndex([OpenItem(*row) for row in rows])
        self._open_indexes[guild_id] = index
        return index

    def track(self, item: ItemRecord | FeedbackItem) -> None:
        """Keep the cached open-item index in step with a change made by this process."""
        index = self._open_indexes.get(item.guild_id)
        if index is None:
            return
        if item.status in ACTIVE_STATUSES:
            index.add(OpenItem(item.id, item.number, item.method, item.path, item.title))
        else:
            index.remove(item.id)
