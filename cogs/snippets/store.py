"""Snippets kept: share, edit, delete, read one, and stars, with the search index written in the
same transaction as the snippet. Plain ids in, records out; no Discord in sight."""

from __future__ import annotations

import logging
import math
import sqlite3
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.errors import NotFoundError, UserFacingError
from bot.in_place_reads import in_place_reads
from bot.in_place_writes import in_place_writes
from bot.sql import affected_rows
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.point_reads import point_reader_for
from cogs.snippets.records import DeletedSnippet, SnippetRecord, StarResult
from cogs.snippets.rules import RATE_WINDOW, RateLimitedError, SnippetPermissionError
from cogs.snippets.statements import (
    COUNT_STAR,
    NEW_SNIPPET,
    POSTED_AT,
    RATE_DECIDER,
    STAR,
    STAR_TARGET,
    STARRED,
    UNSTAR,
)

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.ext.asyncio import (
        AsyncConnection,
        AsyncEngine,
        AsyncSession,
        async_sessionmaker,
    )

    from bot.audit import AuditService
    from bot.clock import Clock
    from cogs.snippets.drafts import SnippetDraft
    from cogs.snippets.search_engine import SearchEngine

log = logging.getLogger(__name__)


def record_from_row(row: Any) -> SnippetRecord:
    """From an ORM Snippet or a Core row of the snippets table (same attribute names)."""
    return SnippetRecord(
        id=row.id,
        guild_id=row.guild_id,
        author_id=row.author_id,
        title=row.title,
        description=row.description,
        language=row.language,
        tags=tuple(row.tags.split()) if row.tags else (),
        code=row.code,
        star_count=row.star_count,
        channel_id=row.channel_id,
        message_id=row.message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def remove_snippet(session: AsyncSession, search: SearchEngine, row: Snippet) -> None:
    """Delete a snippet with its index entry and its stars."""
    await search.index_delete(session, row)
    await session.execute(delete(SnippetStar).where(SnippetStar.snippet_id == row.id))
    await session.delete(row)
    await session.flush()


class SnippetStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        search: SearchEngine,
        clock: Clock,
        audit: AuditService | None = None,
        sqlite_file: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._search = search
        # `get` reads in place on SQLite (not through aiosqlite's thread) and in one round trip
        # on PostgreSQL (point_reads.py).
        self._point_reader = point_reader_for(self._engine, sqlite_file)
        self._writes = in_place_writes(self._engine)
        self._clock = clock
        self._audit = audit

    def close(self) -> None:
        if self._point_reader is not None:
            self._point_reader.close()

    def _read(self) -> AsyncConnection:
        return self._engine.connect()

    # ---- writing ------------------------------------------------------------------------

    async def share(
        self, guild_id: int, author_id: int, draft: SnippetDraft, *, shares_per_minute: int
    ) -> SnippetRecord:
        now = self._clock.now()
        values = {
            "guild_id": guild_id,
            "author_id": author_id,
            "title": draft.title,
            "description": draft.description,
            "language": draft.language,
            "tags": " ".join(draft.tags),
            "code": draft.code,
            "star_count": 0,
            "created_at": now,
        }

        rate = _rate_parameters(guild_id, author_id, shares_per_minute, now)
        async with self._writes.connection() as connection:
            _refuse_over_rate(await connection.scalar(RATE_DECIDER, rate), shares_per_minute, now)
            row = (await connection.execute(NEW_SNIPPET, values)).one()
            await self._search.insert_in(connection, row)
        self._search.committed()
        return record_from_row(row)

    async def check_rate(self, guild_id: int, author_id: int, shares_per_minute: int) -> None:
        """Refuse early (before a modal opens) when a share would be over the limit."""
        now = self._clock.now()
        rate = _rate_parameters(guild_id, author_id, shares_per_minute, now)
        rows = await in_place_reads(self._engine).rows(RATE_DECIDER, rate)
        _refuse_over_rate(rows[0][0] if rows else None, shares_per_minute, now)

    async def record_post(
        self, guild_id: int, snippet_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where a share was posted, so deleting the snippet can remove the post."""
        where = {
            "in_guild": guild_id,
            "snippet_id": snippet_id,
            "post_channel": channel_id,
            "post_message": message_id,
        }
        async with self._writes.connection() as connection:
            await connection.execute(POSTED_AT, where)

    async def edit(
        self,
        guild_id: int,
        snippet_id: int,
        editor_id: int,
        draft: SnippetDraft,
        *,
        is_moderator: bool,
    ) -> SnippetRecord:
        async with in_place_writes(self._sessions).session() as session:
            row = await self._load(session, guild_id, snippet_id)
            self._check_can_change(row, editor_id, is_moderator, "edit")
            await self._search.index_delete(session, row)
            row.title = draft.title
            row.code = draft.code
            row.language = draft.language
            row.tags = " ".join(draft.tags)
            row.description = draft.description
            row.updated_at = self._clock.now()
            await session.flush()
            await self._search.index_insert(session, row)
            if row.author_id != editor_id and self._audit is not None:
                await self._audit.record(
                    guild_id,
                    editor_id,
                    "snippet.edit",
                    f"snippet #{row.id}",
                    {"title": row.title, "author_id": row.author_id},
                    session=session,
                )
            return record_from_row(row)

    async def delete(
        self, guild_id: int, snippet_id: int, actor_id: int, *, is_moderator: bool
    ) -> DeletedSnippet:
        async with in_place_writes(self._sessions).session() as session:
            row = await self._load(session, guild_id, snippet_id)
            self._check_can_change(row, actor_id, is_moderator, "delete")
            by_moderator = row.author_id != actor_id
            result = DeletedSnippet(
                id=row.id,
                title=row.title,
                author_id=row.author_id,
                channel_id=row.channel_id,
                message_id=row.message_id,
                by_moderator=by_moderator,
            )
            await remove_snippet(session, self._search, row)
            if by_moderator and self._audit is not None:
                await self._audit.record(
                    guild_id,
                    actor_id,
                    "snippet.delete",
                    f"snippet #{row.id}",
                    {"title": row.title, "author_id": row.author_id},
                    session=session,
                )
            return result

    @staticmethod
    def _check_can_change(row: Snippet, user_id: int, is_moderator: bool, verb: str) -> None:
        if row.author_id != user_id and not is_moderator:
            raise SnippetPermissionError(
                f"Only the author or a moderator can {verb} snippet #{row.id}."
            )

    async def toggle_star(self, guild_id: int, snippet_id: int, user_id: int) -> StarResult:
        return await self._star(guild_id, snippet_id, user_id, wanted=None)

    async def set_star(
        self, guild_id: int, snippet_id: int, user_id: int, *, starred: bool
    ) -> StarResult:
        """Star or unstar, whatever the current state (an API PUT or DELETE, idempotent)."""
        return await self._star(guild_id, snippet_id, user_id, wanted=starred)

    async def _star(
        self, guild_id: int, snippet_id: int, user_id: int, *, wanted: bool | None
    ) -> StarResult:
        keys = {"guild_id": guild_id, "snippet_id": snippet_id, "user_id": user_id}
        now = self._clock.now()
        async with self._writes.connection() as connection:
            row = (await connection.execute(STAR_TARGET, keys)).first()
            if row is None:
                raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
            if row.author_id == user_id:
                raise UserFacingError("You can't star your own snippet.")
            removed = 0
            if wanted is not True:
                removed = affected_rows(await connection.execute(UNSTAR, keys))
            starred = removed == 0 if wanted is None else wanted
            if wanted is True and await connection.scalar(STARRED, keys) is not None:
                return StarResult(True, row.star_count)
            if starred:
                try:
                    await connection.execute(STAR, {**keys, "created_at": now})
                except IntegrityError:
                    # The same member's other click starred it a moment ago.
                    raise UserFacingError("That click crossed another one; try again.") from None
            elif removed == 0:  # not starred: nothing to change
                return StarResult(False, row.star_count)
            # Counted in SQL under the row's write lock: a count read before it and written
            # back from Python lost every star but one when six members starred at once.
            count = await connection.scalar(COUNT_STAR, {**keys, "step": 1 if starred else -1})
            return StarResult(starred, int(count or 0))

    # ---- reading ------------------------------------------------------------------------

    async def get(self, guild_id: int, snippet_id: int) -> SnippetRecord:
        if self._point_reader is not None:
            try:
                found = await self._point_reader.snippet(guild_id, snippet_id)
            except sqlite3.Error:
                log.warning("point read of snippet %s failed; using the pool", snippet_id)
            else:
                if found is None:
                    raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
                return record_from_row(SimpleNamespace(**found))
        table = Snippet.__table__
        async with self._read() as connection:
            row = (
                await connection.execute(
                    select(table).where(table.c.guild_id == guild_id, table.c.id == snippet_id)
                )
            ).first()
        if row is None:
            raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
        return record_from_row(row)

    @staticmethod
    async def _load(session: AsyncSession, guild_id: int, snippet_id: int) -> Snippet:
        row = await session.scalar(
            select(Snippet).where(Snippet.guild_id == guild_id, Snippet.id == snippet_id)
        )
        if row is None:
            raise NotFoundError(f"There is no snippet #{snippet_id} in this server.")
        return row


def _rate_parameters(guild_id: int, author_id: int, limit: int, now: datetime) -> dict[str, Any]:
    # The `limit`-th newest share inside the window: when there is one, the member is at the
    # limit, and that share frees a slot when it leaves the window. One row, read from the
    # index, whatever the limit (a high one used to bring every recent share back).
    return {
        "guild_id": guild_id,
        "author_id": author_id,
        "since": now - RATE_WINDOW,
        "skip": limit - 1,
    }


def _refuse_over_rate(oldest_counted: datetime | None, limit: int, now: datetime) -> None:
    if oldest_counted is not None:
        frees_at = oldest_counted + RATE_WINDOW
        wait = max(1, math.ceil((frees_at - now).total_seconds()))
        raise RateLimitedError(limit, wait)
