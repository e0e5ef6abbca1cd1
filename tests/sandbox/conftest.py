"""A tiny real discord.py bot, run in-process against the sandbox server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from bot.sandbox import SandboxServer


class StarView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.stars = 0

    @discord.ui.button(label="Star", emoji="⭐", custom_id="star")
    async def star(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stars += 1
        await interaction.response.edit_message(content=f"stars: {self.stars}", view=self)

    @discord.ui.button(label="Rename", custom_id="rename")
    async def rename(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_modal(RenameModal())

    @discord.ui.select(
        custom_id="colour",
        placeholder="Pick a colour",
        options=[
            discord.SelectOption(label="Red", value="red"),
            discord.SelectOption(label="Blue", value="blue"),
        ],
    )
    async def colour(
        self, interaction: discord.Interaction, select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.send_message(f"colour: {select.values[0]}", ephemeral=True)


class RenameModal(discord.ui.Modal, title="Rename"):
    name: discord.ui.TextInput[Any] = discord.ui.TextInput(label="New name", custom_id="name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"renamed to {self.name.value}", view=None)


class WhoView(discord.ui.View):
    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="who", placeholder="Pick a partner")
    async def who(
        self, interaction: discord.Interaction, select: discord.ui.UserSelect[Any]
    ) -> None:
        await interaction.response.send_message(f"partner: {select.values[0].name}")


class FeedbackModal(discord.ui.Modal, title="Send feedback"):
    summary: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Summary", custom_id="summary")
    details: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Details",
        custom_id="details",
        style=discord.TextStyle.paragraph,
        default="prefilled",
        required=False,
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.summary.value} / {self.details.value}")


snippet = app_commands.Group(name="snippet", description="Share code")


@snippet.command(name="search", description="Search snippets")
async def snippet_search(interaction: discord.Interaction, query: str, limit: int = 5) -> None:
    await interaction.response.send_message(f"search {query} limit={limit}", ephemeral=True)


def build_bot(**kwargs: Any) -> commands.Bot:
    """The test bot: one command per kind of response the sandbox must support."""
    intents = discord.Intents.default()
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.1, **kwargs)

    async def no_sleep(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_sleep  # type: ignore[method-assign]
    tree = bot.tree
    tree.add_command(snippet)

    @tree.command(description="Reply with pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @tree.command(description="Defer, then follow up")
    async def slow(interaction: discord.Interaction, ephemeral: bool = False) -> None:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done after defer")

    @tree.command(description="Defer, edit the original, then two followups")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="step 1")
        await interaction.followup.send("extra 1")
        await asyncio.sleep(0.2)
        await interaction.followup.send("extra 2", ephemeral=True)
        await interaction.edit_original_response(content="step 2")

    @tree.command(description="Open a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="A message with a button")
    async def star(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("stars: 0", view=StarView())

    @tree.command(description="Pick a partner")
    async def partner(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("who?", view=WhoView(), ephemeral=True)

    @tree.command(description="Autocomplete a term")
    async def lookup(interaction: discord.Interaction, term: str) -> None:
        await interaction.response.send_message(f"term={term}")

    @lookup.autocomplete("term")
    async def lookup_term(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        words = ["retry", "rest", "redis", "queue"]
        return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(current)]

    @tree.command(description="Open a private thread with you")
    async def thread(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        created = await interaction.channel.create_thread(
            name="pair-session", type=discord.ChannelType.private_thread
        )
        await created.add_user(interaction.user)
        await created.send(f"hello {interaction.user.mention}")
        await interaction.response.send_message(f"opened {created.mention}", ephemeral=True)

    @tree.command(description="Send a file")
    async def file(interaction: discord.Interaction) -> None:
        data = discord.File(fp=__import__("io").BytesIO(b"print('hi')\n"), filename="hi.py")
        await interaction.response.send_message("here", file=data)

    @tree.command(description="Read an attachment and send it back")
    async def echo(interaction: discord.Interaction, upload: discord.Attachment) -> None:
        content = await upload.read()
        back = discord.File(fp=__import__("io").BytesIO(content[::-1]), filename="back.txt")
        await interaction.response.send_message(
            f"{upload.filename}: {len(content)} bytes", file=back
        )

    @tree.command(description="Answer after the deadline")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(3.2)
        with contextlib.suppress(discord.NotFound):
            await interaction.response.send_message("too late")

    @tree.command(description="Post a channel message")
    async def say(interaction: discord.Interaction, text: str, safe: bool = False) -> None:
        assert isinstance(interaction.channel, discord.abc.Messageable)
        mentions = (
            discord.AllowedMentions(users=True, everyone=False, roles=False) if safe else None
        )
        try:
            if mentions is None:
                await interaction.channel.send(text)
            else:
                await interaction.channel.send(text, allowed_mentions=mentions)
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"forbidden {exc.code}", ephemeral=True)
            return
        await interaction.response.send_message("sent", ephemeral=True)

    @tree.context_menu(name="Save as snippet")
    async def save(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(
            f"saved {len(message.content)} chars", ephemeral=True
        )

    @tree.context_menu(name="Profile")
    async def profile(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"profile of {member.name}", ephemeral=True)

    async def setup_hook() -> None:
        await tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def point_discord_at(server: SandboxServer) -> None:
    discord.http.Route.BASE = server.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)


@contextlib.asynccontextmanager
async def running_bot(
    server: SandboxServer, *, token: str | None = None, wait: bool = True, **kwargs: Any
) -> AsyncIterator[commands.Bot]:
    """Start the test bot against ``server`` and stop it afterwards."""
    point_discord_at(server)
    bot = build_bot(**kwargs)
    task = asyncio.create_task(bot.start(token or server.bot_token))
    try:
        if wait:
            waiter = asyncio.create_task(server.wait_until_ready(timeout=10))
            done, _ = await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                waiter.cancel()
                task.result()
            await waiter
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = SandboxServer(bot_in_process=True)
    await sandbox.start()
    try:
        yield sandbox
    finally:
        await sandbox.close()
        assert not sandbox.errors, sandbox.errors


@pytest.fixture
async def world(server: SandboxServer) -> dict[str, Any]:
    guild = server.create_guild("Nexus Demo")
    channel = guild.create_channel("snippets")
    alice = server.create_user("alice")
    bob = server.create_user("bob")
    guild.add_member(alice)
    guild.add_member(bob)
    return {"guild": guild, "channel": channel, "alice": alice, "bob": bob}


@pytest.fixture
async def bot(server: SandboxServer, world: dict[str, Any]) -> AsyncIterator[commands.Bot]:
    async with running_bot(server) as running:
        yield running
