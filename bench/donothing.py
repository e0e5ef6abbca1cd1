"""The floor: a do-nothing discord.py bot with one /ping command that replies "pong".

Run by bench/latency.py (and other benchmarks) in its own process, pointed at a sandbox by the
same DISCORD_API_URL / DISCORD_GATEWAY_URL variables as Nexus. Its distance from Nexus is
Nexus's own overhead.
"""

from __future__ import annotations

import asyncio
import os

import discord
import yarl
from discord import app_commands


class DoNothingBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    async with DoNothingBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
