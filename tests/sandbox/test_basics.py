from __future__ import annotations

from typing import Any

from discord.ext import commands

from bot.sandbox import SandboxServer


async def test_login_sync_and_ping(
    server: SandboxServer, world: dict[str, Any], bot: commands.Bot
) -> None:
    assert server.identify_count == 1
    assert {c["name"] for c in server.commands()} >= {"ping", "snippet", "Save as snippet"}
    result = await server.invoke("/ping", user=world["alice"], channel=world["channel"])
    assert result.content == "pong"
    assert not result.ephemeral
    assert result.type == 4
    assert result.latency is not None
    assert not server.unhandled_routes
