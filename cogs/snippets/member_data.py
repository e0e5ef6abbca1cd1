"""A member's snippet data: forgotten on request (anonymised or deleted, stars removed) and
counted for /admin stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.guild_counts import GuildCounts
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.store import remove_snippet

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cogs.snippets.search_engine import SearchEngine


class SnippetMemberData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, search: SearchEngine) -> None:
        self._sessions = sessions
        self._counts = GuildCounts(sessions)
        self._search = search

    async def forget(self, guild_id: int, user_id: int, mode: str) -> dict[str, int]:
        """Anonymise (keep, author removed) or delete a member's snippets; remove their stars."""
        report: dict[str, int] = {}
        async with self._sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(Snippet).where(
                        Snippet.guild_id == guild_id, Snippet.author_id == user_id
                    )
                )
            ).all()
            for row in rows:
                if mode == "delete":
                    await remove_snippet(session, self._search, row)
                else:
                    await self._search.index_delete(session, row)
                    row.author_id = None
                    await session.flush()
                    await self._search.index_insert(session, row)
            if rows:
                key = "snippets deleted" if mode == "delete" else "snippets anonymised"
                report[key] = len(rows)
            starred = (
                await session.scalars(
                    select(SnippetStar.snippet_id).where(
                        SnippetStar.guild_id == guild_id, SnippetStar.user_id == user_id
                    )
                )
            ).all()
            if starred:
                await session.execute(
                    update(Snippet)
                    .where(Snippet.id.in_(list(starred)), Snippet.star_count > 0)
                    .values(star_count=Snippet.star_count - 1)
                )
                await session.execute(
                    delete(SnippetStar).where(
                        SnippetStar.guild_id == guild_id, SnippetStar.user_id == user_id
                    )
                )
                report["snippet stars removed"] = len(starred)
        return report

    async def stats(self, guild_id: int) -> dict[str, int]:
        # Kept by the database as rows change (snippets_0006), not counted here.
        counts = await self._counts.of(guild_id)
        return {"snippets": counts.get("snippets", 0), "stars": counts.get("snippet_stars", 0)}
