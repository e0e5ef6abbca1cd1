"""discord.py keeps `memory.messages_cached` of the messages it sees (its own default: 1,000);
Nexus keeps none by default, as it reads none back (bot/memory_settings.py)."""

from __future__ import annotations

import asyncio

import discord

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World


async def three_messages_seen(bot: NexusBot, sandbox: SandboxServer, world: World) -> list[int]:
    seen: list[int] = []
    arrived = asyncio.Event()

    async def on_message(message: discord.Message) -> None:
        seen.append(message.id)
        if len(seen) == 3:
            arrived.set()

    bot.add_listener(on_message, "on_message")
    posted = [
        sandbox.send_user_message(world.general, world.alice, f"message {n}").id for n in range(3)
    ]
    await asyncio.wait_for(arrived.wait(), timeout=10)
    assert seen == posted
    return posted


async def test_the_bot_keeps_no_message_it_sees_by_default(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus()
    await three_messages_seen(bot, sandbox, world)
    assert list(bot.cached_messages) == []


async def test_the_bot_keeps_as_many_messages_as_configured(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(memory={"messages_cached": 2})
    posted = await three_messages_seen(bot, sandbox, world)
    assert [message.id for message in bot.cached_messages] == posted[1:]
