"""A list's page buttons wait `memory.page_buttons_seconds` for a click, then are disabled: an
open list keeps its page and its interaction (or followup id) in memory until then
(bot/ui/paginator.py)."""

from __future__ import annotations

import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.sandbox import SandboxServer
from bot.ui import Page, send_paginated
from tests.e2e.conftest import StartBot, World


async def fetch(cursor: object) -> Page[int]:
    start = cursor if isinstance(cursor, int) else 0
    return Page(list(range(start, min(start + 10, 25))), start + 10)


def render(page: Page[int], number: int) -> discord.Embed:
    return discord.Embed(title=f"page {number}", description=str(list(page.items)))


class ListCog(commands.Cog):
    @app_commands.command(name="rows", description="25 rows, 10 a page")
    async def rows(self, interaction: discord.Interaction) -> None:
        await send_paginated(interaction, fetch, render)

    @app_commands.command(name="rows-later", description="The same rows, after thinking")
    async def rows_later(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_paginated(interaction, fetch, render)


async def test_page_buttons_are_disabled_once_idle_for_the_configured_seconds(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(memory={"page_buttons_seconds": 5})
    await bot.add_cog(ListCog())
    await bot.tree.sync()
    started = time.monotonic()
    listed = await sandbox.invoke(
        "/rows", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "Next" in [button.get("label") for button in listed.buttons]
    await listed.wait_edit(timeout=15)  # the timeout's edit, well before the default 180 s
    assert time.monotonic() - started >= 5
    assert listed.buttons == []


async def test_a_list_sent_as_a_followup_has_its_buttons_disabled_in_that_message(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    # The view keeps the followup's id, not the message, and edits it by id when idle.
    bot = await start_nexus(memory={"page_buttons_seconds": 5})
    await bot.add_cog(ListCog())
    await bot.tree.sync()
    listed = await sandbox.invoke(
        "/rows-later", user=world.alice, guild=world.guild, channel=world.general
    )
    assert listed.embed["title"] == "page 1"
    assert "Next" in [button.get("label") for button in listed.buttons]
    await listed.wait_edit(timeout=15)
    assert listed.buttons == []
    assert listed.embed["title"] == "page 1"
