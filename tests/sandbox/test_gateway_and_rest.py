"""Login, gateway session handling, sharding and REST behaviour of the sandbox."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from bot.sandbox import SandboxServer

from .conftest import build_bot, point_discord_at, running_bot

World = dict[str, Any]


async def test_bad_token_is_login_failure(server: SandboxServer, world: World) -> None:
    point_discord_at(server)
    client = build_bot()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("wrong")
    finally:
        await client.close()


async def test_zlib_stream_is_used_by_default(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    assert server.gateway.compressed_connections == 1
    assert server.gateway.plain_connections == 0


async def test_resume_after_drop_replays_events(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    await server.drop_gateway(close_code=None)
    # Created while the bot is disconnected: only a replay on RESUME can deliver it.
    late_channel = world["guild"].create_channel("created-offline")
    await server.wait_until(lambda: server.resume_count == 1, 10, "a RESUME")
    await server.wait_until(lambda: bot.get_channel(late_channel.id) is not None, 5, "the replay")
    result = await server.invoke("/ping", user=world["alice"])
    assert result.content == "pong"
    assert server.identify_count == 1
    await server.drop_gateway(close_code=4000)
    await server.wait_until(lambda: server.resume_count == 2, 10, "a second RESUME")


async def test_reconnect_request_resumes(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    await server.request_reconnect()
    await server.wait_until(lambda: server.resume_count == 1, 10, "a RESUME")
    assert (await server.invoke("/ping", user=world["alice"])).content == "pong"


async def test_invalid_session_forces_identify(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    await server.invalidate_session(resumable=False)
    await server.wait_until(lambda: server.identify_count == 2, 10, "a fresh IDENTIFY")
    assert (await server.invoke("/ping", user=world["alice"])).content == "pong"


async def test_member_events_reach_the_bot(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    guild = world["guild"]
    carol = server.create_user("carol")
    guild.add_member(carol)
    role = guild.create_role("Moderators", permissions=1 << 5)
    await server.wait_until(lambda: bot.get_guild(guild.id).get_role(role.id) is not None, 5)
    guild.delete_channel(world["channel"])
    await server.wait_until(lambda: bot.get_channel(world["channel"].id) is None, 5)


async def test_two_shards_each_get_their_guild(server: SandboxServer) -> None:
    guilds = [server.create_guild(f"g{i}", shard=(i, 2)) for i in range(2)]
    alice = server.create_user("alice")
    for guild in guilds:
        guild.add_member(alice)
    async with (
        running_bot(server, wait=False, shard_id=0, shard_count=2) as first,
        running_bot(server, shard_id=1, shard_count=2) as second,
    ):
        assert {g.id for g in first.guilds} == {guilds[0].id}
        assert {g.id for g in second.guilds} == {guilds[1].id}
        for guild in guilds:
            result = await server.invoke("/ping", user=alice, guild=guild)
            assert result.content == "pong"
        sessions = {s.shard_id: s for s in server.gateway.live_sessions()}
        assert any(f["t"] == "INTERACTION_CREATE" for f in sessions[0].buffer)
        assert any(f["t"] == "INTERACTION_CREATE" for f in sessions[1].buffer)


async def test_invalid_command_names_are_rejected(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bot {server.bot_token}"}
    url = f"{server.api_url}/applications/{server.application_id}/commands"
    body = [{"name": "Bad Name", "description": "x", "type": 1}]
    async with aiohttp.ClientSession(headers=headers) as http, http.put(url, json=body) as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/json"
        error = await response.json()
    assert error["code"] == 50035
    assert error["errors"]["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"


async def test_command_validation_rules(server: SandboxServer) -> None:
    from bot.sandbox.command_validation import validate_command_list

    ok = {
        "name": "snippet",
        "description": "d",
        "options": [
            {
                "type": 2,
                "name": "round",
                "description": "d",
                "options": [
                    {
                        "type": 1,
                        "name": "run",
                        "description": "d",
                        "options": [
                            {"type": 3, "name": "a", "description": "d", "required": True},
                        ],
                    },
                ],
            },
        ],
    }
    assert not validate_command_list([ok])
    optional_first = {
        "name": "x",
        "description": "d",
        "options": [
            {"type": 3, "name": "a", "description": "d"},
            {"type": 3, "name": "b", "description": "d", "required": True},
        ],
    }
    too_many = {
        "name": "y",
        "description": "d",
        "options": [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)],
    }
    nested_group = {
        "name": "z",
        "description": "d",
        "options": [
            {
                "type": 1,
                "name": "s",
                "description": "d",
                "options": [
                    {"type": 2, "name": "g", "description": "d", "options": []},
                ],
            },
        ],
    }
    for bad in (optional_first, too_many, nested_group, {"name": "w", "description": ""}):
        assert validate_command_list([bad]), bad
    assert validate_command_list([ok, ok])  # duplicate names


async def test_unhandled_routes_are_recorded(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bot {server.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{server.api_url}/guilds/1/audit-logs") as response:
            assert response.status == 404
        async with http.get(
            f"{server.api_url}/users/@me", headers={"Authorization": "Bot nope"}
        ) as response:
            assert response.status == 401
            assert await response.json() == {"message": "401: Unauthorized", "code": 0}
    assert server.unhandled_routes == ["GET /api/v10/guilds/1/audit-logs"]


async def test_rate_limit_answers_429_with_via(server: SandboxServer) -> None:
    server.rate_limit_per_second = 2
    headers = {"Authorization": f"Bot {server.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        statuses = []
        for _ in range(3):
            async with http.get(f"{server.api_url}/users/@me") as response:
                statuses.append(response.status)
                last = response
        assert statuses == [200, 200, 429]
        assert last.headers["Via"]
