"""Autocomplete for snippet options: ids by number or title, the tags in use, and which of a
member's servers keep snippets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from bot.db import id_from_text
from bot.sql import LIKE_ESCAPE, contains_pattern
from bot.text import AUTOCOMPLETE_CHOICES_MAX
from cogs.snippets.models import Snippet
from cogs.snippets.records import IdChoice
from cogs.snippets.rules import AUTOCOMPLETE_SCAN

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


class SnippetChoices:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def autocomplete(
        self, guild_id: int, typed: str, *, author_id: int | None = None
    ) -> list[IdChoice]:
        """Up to 25 snippets for an id option: by id when digits are typed, else by title."""
        typed = typed.strip().lstrip("#")
        conditions = "guild_id = :guild"
        params: dict[str, Any] = {"guild": guild_id, "scan": AUTOCOMPLETE_SCAN}
        if author_id is not None:
            conditions += " AND author_id = :author"
            params["author"] = author_id
        choices: list[IdChoice] = []
        async with self._engine.connect() as session:
            typed_id = id_from_text(typed)
            if typed_id is not None:
                params["id"] = typed_id
                exact = await session.execute(
                    text(f"SELECT id, title FROM snippets WHERE {conditions} AND id = :id"),
                    params,
                )
                choices.extend(IdChoice(int(r[0]), r[1]) for r in exact)
            # The newest few thousand titles are scanned: autocomplete wants recent things and
            # must answer within Discord's 3 s whatever the size of the guild.
            params["like"] = contains_pattern(typed.lower())
            rows = await session.execute(
                text(
                    f"SELECT id, title FROM (SELECT id, title FROM snippets WHERE {conditions} "
                    "ORDER BY id DESC LIMIT :scan) AS recent "
                    f"WHERE lower(title) LIKE :like ESCAPE '{LIKE_ESCAPE}' "
                    "ORDER BY id DESC LIMIT 25"
                ),
                params,
            )
            seen = {choice.id for choice in choices}
            choices.extend(IdChoice(int(r[0]), r[1]) for r in rows if int(r[0]) not in seen)
        return choices[:AUTOCOMPLETE_CHOICES_MAX]

    async def tags_in_use(self, guild_id: int, typed: str, limit: int = 25) -> list[str]:
        """Tags of recent snippets that contain what was typed (for the tag filter)."""
        typed = typed.strip().lstrip("#").lower()
        async with self._engine.connect() as session:
            rows = await session.scalars(
                select(Snippet.tags)
                .where(Snippet.guild_id == guild_id, Snippet.tags != "")
                .order_by(Snippet.id.desc())
                .limit(AUTOCOMPLETE_SCAN)
            )
            found: dict[str, int] = {}
            for tags in rows:
                for tag in tags.split():
                    if typed in tag:
                        found[tag] = found.get(tag, 0) + 1
        return [tag for tag, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]

    async def servers_with_snippets(self, guild_ids: list[int]) -> set[int]:
        """Those of ``guild_ids`` that keep at least one snippet."""
        if not guild_ids:
            return set()
        async with self._engine.connect() as session:
            found = await session.scalars(
                select(Snippet.guild_id).where(Snippet.guild_id.in_(guild_ids)).distinct()
            )
            return {int(guild_id) for guild_id in found}
