"""Followups and edits, modals from buttons, REST routes used through discord.py, the REPL."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from bot.sandbox import SandboxError, SandboxServer
from bot.sandbox.repl import parse_command_line, run_repl

World = dict[str, Any]


async def test_edits_and_followups(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    result = await server.invoke("/progress", user=world["alice"], quiet=0.1)
    assert result.deferred
    assert result.content == "step 1"
    assert [m.content for m in await result.followups(2)] == ["extra 1", "extra 2"]
    assert (await result.wait_edit()).content == "step 2"
    assert [m.ephemeral for m in result.messages] == [False, False, True]


async def test_double_ack_is_rejected(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/ping", user=world["alice"])
    url = f"{server.api_url}/interactions/{result.interaction_id}/{result.pending.token}/callback"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "again"}}) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 40060


async def test_modal_from_button_edits_message(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/star", user=world["alice"])
    opened = await result.click("Rename")
    assert opened.modal is not None and opened.modal.title == "Rename"
    renamed = await opened.submit_modal({"name": "Gold"})
    assert renamed.type == 7
    assert result.message is not None and result.message.content == "renamed to Gold"
    assert result.message.components == []


async def test_rest_routes_through_discord_py(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    channel = bot.get_channel(world["channel"].id)
    assert isinstance(channel, discord.TextChannel)
    since = time.time()
    sent = await channel.send("hello")
    posted = await server.wait_for_message(world["channel"], since=since)
    assert posted.id == sent.id
    await sent.add_reaction("⭐")
    assert posted.reactions["⭐"] == {server.bot_user.id}
    thread = await sent.create_thread(name="discussion")
    assert posted.thread is not None and posted.thread.id == thread.id
    await thread.send("in thread")
    await thread.edit(archived=True, locked=True)
    assert posted.thread.archived and posted.thread.locked
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["hello"]
    fetched = await channel.fetch_message(sent.id)
    await fetched.edit(content="hello again")
    assert posted.content == "hello again" and posted.edited_at is not None
    await fetched.delete()
    assert posted.deleted and world["channel"].messages == []
    with pytest.raises(discord.NotFound) as missing:
        await channel.fetch_message(sent.id)
    assert missing.value.code == 10008
    with pytest.raises(discord.NotFound) as unknown:
        await bot.fetch_channel(42)
    assert unknown.value.code == 10003
    member = await bot.get_guild(world["guild"].id).fetch_member(world["alice"].id)
    await member.send("a DM")
    assert [m.content for m in server.dms(world["alice"])] == ["a DM"]
    assert not server.unhandled_routes


async def test_user_messages_reach_listeners(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    seen: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    bot.add_listener(on_message)
    server.send_user_message(world["channel"], world["alice"], "hi bot")
    await server.wait_until(lambda: bool(seen), 5)
    # Without the MESSAGE_CONTENT intent Discord blanks other people's content.
    assert seen[0].content == ""
    assert seen[0].author.id == world["alice"].id


async def test_repl_runs_commands_and_buttons(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    lines = iter(
        [
            "help",
            '/snippet search query:"two words" limit:2',
            "/star",
            "1",
            "/feedback",
            "sum",
            "",
            "/nope",
            "quit",
        ]
    )
    out: list[str] = []
    await run_repl(
        server,
        world["guild"],
        world["channel"],
        world["alice"],
        input_fn=lambda _: next(lines),
        output=out.append,
    )
    text = "\n".join(out)
    assert "/snippet search query:text limit?:integer" in text
    assert "search two words limit=2" in text
    assert "[1] ⭐ Star" in text
    assert "stars: 1" in text
    assert "got sum / prefilled" in text
    assert "error: no synced command 'nope'" in text


def test_parse_command_line() -> None:
    assert parse_command_line('/a b x:1 title:"hello world"') == (
        "/a b",
        {"x": "1", "title": "hello world"},
    )
    with pytest.raises(SandboxError):
        parse_command_line("/a x:1 stray")


async def test_entity_select_and_dm_invoke(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/partner", user=world["alice"])
    picked = await result.select("Pick a partner", [world["bob"]])
    assert picked.content == "partner: bob"
    dm = server.state.dm_channel(world["alice"])
    in_dm = await server.invoke("/ping", user=world["alice"], channel=dm)
    assert in_dm.content == "pong"
    assert server.dms(world["alice"])[0].content == "pong"


async def test_thread_members(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    await server.invoke("/thread", user=world["alice"], channel=world["channel"])
    [thread] = world["channel"].threads
    cached = bot.get_channel(thread.id)
    assert isinstance(cached, discord.Thread)
    await cached.add_user(discord.Object(world["bob"].id))
    await cached.remove_user(discord.Object(world["alice"].id))
    assert thread.members == [server.bot_user.id, world["bob"].id]
    await cached.edit(name="renamed")
    assert thread.name == "renamed"
