"""`python -m bot sandbox`: the real bot against a local Discord, driven from a terminal prompt.

It lives beside `bot/sandbox/`, not in it: the sandbox is a server of its own that never starts
the bot; this module starts both and makes the bot the sandbox's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Settings
from bot.extensions import discover_extensions
from bot.feature import feature_setting_specs
from bot.guild_settings import Kind
from bot.sandbox.playground import Playground
from bot.sandbox.repl import run_repl
from bot.sandbox.server import SandboxServer

if TYPE_CHECKING:
    from bot.app import NexusBot
    from bot.sandbox.model import Channel, Guild
    from bot.sandbox.users import User

log = logging.getLogger(__name__)

DEMO_MEMBERS = ("ada", "grace", "linus")


def sandbox_settings(settings: Settings, server: SandboxServer, database_url: str) -> Settings:
    """The configured settings, pointed at the sandbox and its own database file."""
    data: dict[str, Any] = settings.model_dump()
    data["discord_token"] = None
    data["database"]["url"] = database_url
    data["discord"].update(
        api_url=server.api_url,
        gateway_url=server.gateway_url,
        sync_guild_ids=[],
        shard_count=None,
        shard_ids=None,
        guild_ready_timeout=0.1,
        reidentify_delay=0.1,
    )
    data["web"]["enabled"] = False
    # The same model as `settings`: it carries the features' sections of the file.
    return type(settings)(**data)


def feature_channels() -> list[str]:
    """The features that post somewhere (a `channels.<feature>` setting), by name."""
    specs = feature_setting_specs(discover_extensions())
    return [s.key.removeprefix("channels.") for s in specs if s.kind is Kind.TEXT_CHANNEL]


def build_demo_guild(server: SandboxServer) -> tuple[Guild, dict[str, Channel], User]:
    """A guild with the feature channels, a moderator (you) and a few members to pair with."""
    guild = server.create_guild("Nexus Demo")
    # The sandbox makes every guild with a #general; the features get a channel each.
    general = guild.get_channel("general") or guild.create_channel("general")
    channels = {
        "general": general,
        **{name: guild.create_channel(name) for name in feature_channels()},
    }
    moderators = guild.create_role(
        "Moderators", permissions=discord.Permissions(manage_guild=True).value
    )
    you = server.create_user("you")
    guild.add_member(you, roles=[moderators])
    for name in DEMO_MEMBERS:
        guild.add_member(server.create_user(name))
    return guild, channels, you


async def configure_demo_guild(bot: NexusBot, guild: Guild, channels: dict[str, Channel]) -> None:
    await bot.guild_settings.set_many(
        guild.id,
        {f"channels.{name}": channels[name].id for name in feature_channels()},
        actor_id=None,
    )


async def run_sandbox(
    settings: Settings, *, port: int = 0, database_url: str, web_port: int | None = None
) -> int:
    """The bot against the sandbox, driven from the prompt; with ``web_port`` (0: any free
    one) also from the playground page, whose address is printed."""
    from bot.app import create_bot

    # The prompt is the interface here: keep the bot's log lines out of it.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("discord").setLevel(logging.WARNING)
    server = SandboxServer(port=port)
    await server.start()
    guild, channels, you = build_demo_guild(server)
    bot = create_bot(sandbox_settings(settings, server, database_url))
    running = asyncio.create_task(bot.start(server.bot_token), name="nexus-sandbox-bot")
    playground: Playground | None = None
    try:
        await server.wait_until_ready(timeout=30)
        await bot.wait_until_ready()
        await configure_demo_guild(bot, guild, channels)
        print(f"Sandbox Discord on {server.base_url} — you are 'you' (a moderator) in #general.")
        if web_port is not None:
            playground = Playground(server, guild, channels["general"], you, port=web_port)
            await playground.start()
            print(f"Playground: open {playground.url} in a browser.", flush=True)
        await run_repl(server, guild, channels["general"], you)
    finally:
        if playground is not None:
            await playground.close()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(running, timeout=10)
        await server.close()
    return 0
