"""Snippets kept: share, edit, delete, read one, and stars, with the search index written in the
same transaction as the snippet. Plain ids in, records out; no Discord in sight."""

from __future__ import annotations

import logging
import math
import sqlite3
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Integer, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import NotFoundError, UserFacingError
from bot.sql import affected_rows
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.point_reads import point_reader_for
from cogs.snippets.records import DeletedSnippet, SnippetRecord, StarResult
from cogs.snippets.rules import RATE_WINDOW, RateLimitedError, SnippetPermissionError

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
    from cogs.snippets.summaries import Reader

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


# A star's statements, built once (each keeps its own cache key) and run on a bare connection
# with their values bound: building them and going through the ORM session was most of a
# star's time (the SQL itself is ~0.05 ms).
STAR_KEYS: Final = (
    SnippetStar.snippet_id == bindparam("snippet_id"),
    SnippetStar.user_id == bindparam("user_id"),
)
STAR_TARGET: Final = select(Snippet.author_id, Snippet.star_count).where(
    Snippet.guild_id == bindparam("guild_id"), Snippet.id == bindparam("snippet_id")
)
UNSTAR: Final = delete(SnippetStar).where(*STAR_KEYS)
STARRED: Final = select(SnippetStar.user_id).where(*STAR_KEYS)
STAR: Final = insert(SnippetStar)
COUNT_STAR: Final = (
    update(Snippet)
    .where(Snippet.id == bindparam("snippet_id"))
    .values(star_count=Snippet.star_count + bindparam("step", type_=Integer))
    .returning(Snippet.star_count)
)


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
        async with self._sessions.begin() as session:
            await self._check_rate(session, guild_id, author_id, shares_per_minute, now)
            row = Snippet(
                guild_id=guild_id,
                author_id=author_id,
                title=draft.title,
                description=draft.description,
                language=draft.language,
                tags=" ".join(draft.tags),
                code=draft.code,
                star_count=0,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            await self._search.index_insert(session, row)
            return record_from_row(row)

    async def check_rate(self, guild_id: int, author_id: int, shares_per_minute: int) -> None:
        """Refuse early (before a modal opens) when a share would be over the limit."""
        async with self._read() as session:
            await self._check_rate(
                session, guild_id, author_id, shares_per_minute, self._clock.now()
            )

    async def _check_rate(
        self, session: Reader, guild_id: int, author_id: int, limit: int, now: datetime
    ) -> None:
        # The `limit`-th newest share inside the window: when there is one, the member is at
        # the limit, and that share frees a slot when it leaves the window. One row, read from
        # the index, whatever the limit (a high one used to bring every recent share back).
        oldest_counted = await session.scalar(
            select(Snippet.created_at)
            .where(
                Snippet.guild_id == guild_id,
                Snippet.author_id == author_id,
                Snippet.created_at > now - RATE_WINDOW,
            )
            .order_by(Snippet.created_at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if oldest_counted is not None:
            frees_at = oldest_counted + RATE_WINDOW
            wait = max(1, math.ceil((frees_at - now).total_seconds()))
            raise RateLimitedError(limit, wait)

    async def record_post(
        self, guild_id: int, snippet_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where a share was posted, so deleting the snippet can remove the post."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Snippet)
                .where(Snippet.guild_id == guild_id, Snippet.id == snippet_id)
                .values(channel_id=channel_id, message_id=message_id)
            )

    async def edit(
        self,
        guild_id: int,
        snippet_id: int,
        editor_id: int,
        draft: SnippetDraft,
        *,
        is_moderator: bool,
    ) -> SnippetRecord:
        async with self._sessions.begin() as session:
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
        async with self._sessions.begin() as session:
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
        async with self._engine.begin() as connection:
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
                    await connection.execute(STAR, {**keys, "created_at": self._clock.now()})
                except IntegrityError:
                    # The same member's other click starred it a moment ago.
                    raise UserFacingError("That click crossed another one; try again.") from None
            elif removed == 0:  # not starred: nothing to change
                return StarResult(False, row.star_count)
            # Counted in SQL under the row's write lock: a count read before it and written back
            # from Python lost every star but one when six members starred at the same moment.
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
