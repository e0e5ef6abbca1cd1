"""The snippet lists a member pages through: search results, the most starred, their own.

Each fetches a page by cursor from the snippets' parts and draws it with render.py; the shared
paginator (bot.ui) sends it, ephemerally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from bot.ui import Page, send_paginated
from cogs.snippets import languages
from cogs.snippets.render import page_embed, search_heading

if TYPE_CHECKING:
    import discord

    from bot.guild_settings import GuildSettingsService
    from cogs.snippets.parts import SnippetParts
    from cogs.snippets.records import PageCursor, SnippetSummary


class SnippetLists:
    def __init__(self, parts: SnippetParts, guild_settings: GuildSettingsService) -> None:
        self._parts = parts
        self._guild_settings = guild_settings

    async def send_search(  # noqa: PLR0917 (the search's filters, as the command has them)
        self,
        interaction: discord.Interaction,
        guild_id: int,
        query: str | None,
        language: str | None,
        tag: str | None,
        author: discord.Member | discord.User | None,
    ) -> None:
        language_key = languages.filter_key(language)
        author_id = author.id if author is not None else None

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self._parts.snippet_search.search(
                guild_id,
                query,
                language=language_key,
                tag=tag,
                author_id=author_id,
                cursor=_cursor(cursor),
            )
            return Page(page.items, page.next_cursor)

        author_name = author.display_name if author is not None else None
        heading = search_heading(query, language_key, tag, author_name)
        await send_paginated(
            interaction,
            fetch,
            lambda page, number: page_embed(heading, page.items, number),
            empty_message="No snippets match that search.",
        )
        # The search ran (a refused query raised above) and its first page is on screen: the
        # weekly count is taken after the answer, not before it. Turning pages is the same
        # search and is not counted again.
        zone = (await self._guild_settings.get(guild_id)).timezone
        self._parts.search_counts.record(guild_id, zone)

    async def send_top(
        self, interaction: discord.Interaction, guild_id: int, period: Literal["all", "month"]
    ) -> None:
        zone = (await self._guild_settings.get(guild_id)).timezone

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self._parts.listings.top(guild_id, period, _cursor(cursor), zone=zone)
            return Page(page.items, page.next_cursor)

        heading = "Most-starred snippets" + (" this month" if period == "month" else "")
        await send_paginated(
            interaction,
            fetch,
            lambda page, number: page_embed(heading, page.items, number),
            empty_message="No starred snippets yet"
            + (" this month." if period == "month" else "."),
        )

    async def send_mine(self, interaction: discord.Interaction, guild_id: int) -> None:
        user_id = interaction.user.id

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self._parts.listings.mine(guild_id, user_id, _cursor(cursor))
            return Page(page.items, page.next_cursor)

        await send_paginated(
            interaction,
            fetch,
            lambda page, number: page_embed("Your snippets", page.items, number),
            empty_message="You haven't shared any snippets yet. Try `/snippet share`.",
        )


def _cursor(value: Any) -> PageCursor | None:
    return value if isinstance(value, tuple) else None
