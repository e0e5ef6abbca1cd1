"""The real bot against the local Discord-compatible server (bot/sandbox), on a real database.

`nexus` starts NexusBot exactly as `python -m bot run` does (create_bot + start with a token),
pointed at the sandbox through DISCORD_API_URL / DISCORD_GATEWAY_URL settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest

from bot.app import NexusBot, create_bot
from bot.clock import Clock
from bot.config import Settings
from bot.sandbox import SandboxServer
from tests.fetching import LoopbackOnlyConnections, local_fetcher

MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True).value


@dataclass
class World:
    """The demo guild every end-to-end test starts from."""

    guild: Any
    snippets: Any
    pairing: Any
    feedback: Any
    announcements: Any
    general: Any
    moderator_role: Any
    triager_role: Any
    alice: Any  # a member (frontend learner)
    bob: Any  # a member (backend learner)
    carol: Any  # a member
    mod: Any  # holds the moderator role
    triager: Any  # holds the triager role
    admin: Any  # has Manage Server through a Discord role, without the configured role


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(bot_in_process=True)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def world(sandbox: SandboxServer) -> World:
    guild = sandbox.create_guild("ProDev Nexus")
    channels = {
        name: guild.create_channel(name)
        for name in ("snippets", "pairing", "feedback", "announcements", "general")
    }
    moderator_role = guild.create_role("Moderators")
    triager_role = guild.create_role("Backend triagers")
    manager_role = guild.create_role("Server managers", permissions=MODERATOR_PERMISSIONS)
    users = {name: sandbox.create_user(name) for name in ("alice", "bob", "carol")}
    for user in users.values():
        guild.add_member(user)
    mod = sandbox.create_user("mod")
    guild.add_member(mod, roles=[moderator_role])
    triager = sandbox.create_user("triager")
    guild.add_member(triager, roles=[triager_role])
    admin = sandbox.create_user("admin")
    guild.add_member(admin, roles=[manager_role])
    return World(
        guild=guild,
        moderator_role=moderator_role,
        triager_role=triager_role,
        mod=mod,
        triager=triager,
        admin=admin,
        **channels,
        **users,
    )


StartBot = Callable[..., Awaitable[NexusBot]]


@pytest.fixture
def fetch_connections() -> LoopbackOnlyConnections:
    """Every address the bots' URL fetches try; only 127.0.0.0/8 is really connected to."""
    return LoopbackOnlyConnections()


@pytest.fixture
async def start_nexus(
    sandbox: SandboxServer,
    make_settings: Any,
    world: World,
    fetch_connections: LoopbackOnlyConnections,
) -> AsyncIterator[StartBot]:
    """Start (or restart) the real bot against the sandbox; stops every bot it started.

    Its URL fetcher asks no DNS server and connects inside 127.0.0.0/8 only, whatever a test
    (or a broken guard) asks for; `fetch.allow` comes from the settings as in production.
    """
    running: list[tuple[NexusBot, asyncio.Task[None]]] = []

    async def start(
        *, clock: Clock | None = None, configure: bool = True, **overrides: Any
    ) -> NexusBot:
        settings: Settings = make_settings(
            discord={
                "api_url": sandbox.api_url,
                "gateway_url": sandbox.gateway_url,
                "guild_ready_timeout": 0.05,
                "reidentify_delay": 0.05,
            },
            **overrides,
        )
        fetcher = local_fetcher(settings.fetch.allow, connections=fetch_connections)
        bot = create_bot(settings, clock=clock, fetcher=fetcher)
        task = asyncio.create_task(bot.start(sandbox.bot_token), name="nexus-under-test")
        running.append((bot, task))
        await sandbox.wait_until_ready(timeout=15)
        await asyncio.wait_for(bot.wait_until_ready(), timeout=15)
        # The web server is built after ready (bot/after_ready.py); tests that use it start then.
        await asyncio.wait_for(bot.web_serving.wait(), timeout=15)
        if configure:
            await configure_world(bot, world)
        return bot

    yield start
    for bot, task in running:
        await stop_bot(bot, task)


async def stop_bot(bot: NexusBot, task: asyncio.Task[None]) -> None:
    if not bot.is_closed():
        await bot.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, timeout=10)


async def configure_world(bot: NexusBot, world: World) -> None:
    """What a moderator's /admin setup would store: channels, roles and the time zone."""
    await bot.guild_settings.set_many(
        world.guild.id,
        {
            "channels.snippets": world.snippets.id,
            "channels.pairing": world.pairing.id,
            "channels.feedback": world.feedback.id,
            "channels.announcements": world.announcements.id,
            "roles.moderator": world.moderator_role.id,
            "roles.triager": world.triager_role.id,
        },
        actor_id=None,
    )


@pytest.fixture
async def nexus(start_nexus: StartBot) -> NexusBot:
    return await start_nexus()
