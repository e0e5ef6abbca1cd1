"""What the buttons under a posted snippet do: star in place, send the raw file, run, delete.

The dynamic items in views.py find these through the feature (`SnippetButtonActions`); they
live apart from the cog so the cog stays commands and menus.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord

from bot.permissions import guild_of
from cogs.snippets.posts import post_buttons, snippet_page_url
from cogs.snippets.render import raw_file, snippet_embed
from cogs.snippets.running import run_snippet

if TYPE_CHECKING:
    from cogs.snippets.flows import SnippetFlows
    from cogs.snippets.store import SnippetStore


class SnippetButtons:
    def __init__(self, client: discord.Client, store: SnippetStore, flows: SnippetFlows) -> None:
        self._client = client
        self._store = store
        self._flows = flows

    async def star_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None:
        guild_id = guild_of(interaction).id
        await self._store.toggle_star(guild_id, snippet_id, interaction.user.id)
        record = await self._store.get(guild_id, snippet_id)
        rendered = snippet_embed(record, snippet_page_url(self._client, record))
        # Attachments are left as they are: the code did not change.
        await interaction.response.edit_message(
            embed=rendered.embed, view=post_buttons(self._client, record)
        )

    async def send_raw(self, interaction: discord.Interaction, snippet_id: int) -> None:
        record = await self._store.get(guild_of(interaction).id, snippet_id)
        await interaction.response.send_message(
            f"Snippet #{record.id}, exactly as stored:", file=raw_file(record), ephemeral=True
        )

    async def run_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None:
        """What `/snippet run` does, with no input."""
        record = await self._store.get(guild_of(interaction).id, snippet_id)
        await run_snippet(interaction, record, "")

    async def delete_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None:
        clicked = await self._flows.confirm_and_delete(interaction, snippet_id)
        if clicked is not None:
            with contextlib.suppress(discord.HTTPException):
                await clicked.delete()
