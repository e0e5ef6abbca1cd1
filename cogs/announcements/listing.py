"""/announce list's pages: each read from the store by keyset, drawn by embeds.py, shown
through the one paginator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.ui import Page, send_paginated
from cogs.announcements.embeds import list_page_embed

if TYPE_CHECKING:
    import discord

    from cogs.announcements.records import AnnouncementInfo
    from cogs.announcements.store import AnnouncementStore


async def send_list(
    interaction: discord.Interaction, store: AnnouncementStore, guild_id: int
) -> None:
    async def fetch(cursor: Any) -> Page[AnnouncementInfo]:
        page = await store.list_page(guild_id, cursor)
        return Page(page.items, page.next_after_id)

    def draw(page: Page[AnnouncementInfo], number: int) -> discord.Embed:
        return list_page_embed(page.items, number)

    await send_paginated(
        interaction,
        fetch,
        draw,
        empty_message="No announcements yet. Create one with `/announce create`.",
    )
