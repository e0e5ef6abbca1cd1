"""Each kind of interaction a discord.py bot can answer, end to end against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from discord.ext import commands

from bot.sandbox import Attachment, SandboxError, SandboxServer

World = dict[str, Any]


async def test_subcommand_options_are_converted(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/snippet search", user=world["alice"], query="retry", limit=3)
    assert result.ephemeral
    assert result.text == "search retry limit=3"


async def test_wrong_options_fail_before_sending(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    with pytest.raises(SandboxError, match="unknown option"):
        await server.invoke("/snippet search", user=world["alice"], query="x", colour="red")
    with pytest.raises(SandboxError, match="missing required"):
        await server.invoke("/snippet search", user=world["alice"])
    with pytest.raises(SandboxError, match="no synced command"):
        await server.invoke("/nope", user=world["alice"])
    with pytest.raises(SandboxError, match="incomplete"):
        await server.invoke("/snippet", user=world["alice"])


async def test_defer_then_followup(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    result = await server.invoke("/slow", user=world["alice"], ephemeral=True)
    assert result.deferred
    assert result.ephemeral
    assert result.content == "done after defer"
    assert len(result.messages) == 1


async def test_modal_prefill_and_submit(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/feedback", user=world["alice"])
    modal = result.modal
    assert modal is not None
    assert modal.title == "Send feedback"
    assert modal.fields["details"]["value"] == "prefilled"
    submitted = await result.submit_modal({"Summary": "slow API"})
    assert submitted.content == "got slow API / prefilled"
    with pytest.raises(SandboxError, match="required"):
        await result.submit_modal({"details": "no summary"})


async def test_button_click_updates_message(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/star", user=world["alice"], channel=world["channel"])
    assert "⭐ Star" in result.text
    clicked = await result.click("Star", user=world["bob"])
    assert clicked.type == 7
    assert clicked.message is result.message
    assert result.content == "stars: 1"
    again = await clicked.click("⭐ Star")
    assert again.content == "stars: 2"
    assert world["channel"].messages[-1].content == "stars: 2"
    picked = await result.select("Pick a colour", ["blue"])
    assert picked.ephemeral and picked.content == "colour: blue"
    with pytest.raises(SandboxError, match="no button"):
        await result.click("Nope")


async def test_autocomplete(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    choices = await server.autocomplete("/lookup", "term", "re", user=world["alice"])
    assert [c["value"] for c in choices] == ["retry", "rest", "redis"]


async def test_context_menus(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    message = server.send_user_message(world["channel"], world["alice"], "```py\nprint(1)\n```")
    saved = await server.invoke_message_command(
        "Save as snippet", message=message, user=world["bob"]
    )
    assert saved.content == f"saved {len(message.content)} chars"
    profile = await server.invoke_user_command("Profile", target=world["bob"], user=world["alice"])
    assert profile.content == "profile of bob"


async def test_private_thread(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    channel = world["channel"]
    result = await server.invoke("/thread", user=world["alice"], channel=channel)
    assert result.ephemeral
    [thread] = channel.threads
    assert thread.private and thread.name == "pair-session"
    assert world["alice"].id in thread.members
    assert thread.messages[0].content == f"hello {world['alice'].mention}"
    assert world["alice"].id in thread.messages[0].pinged
    assert f"<#{thread.id}>" in result.content


async def test_files_round_trip(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    sent = await server.invoke("/file", user=world["alice"])
    assert [(f.filename, f.data) for f in sent.files] == [("hi.py", b"print('hi')\n")]
    upload = Attachment("notes.txt", b"abc", "text/plain")
    echoed = await server.invoke("/echo", user=world["alice"], upload=upload)
    assert echoed.content == "notes.txt: 3 bytes"
    assert echoed.files[0].data == b"cba"
    assert "📎 back.txt" in echoed.text


async def test_mentions_follow_allowed_mentions(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    channel = world["channel"]
    await server.invoke("/say", user=world["alice"], channel=channel, text="@everyone look")
    assert channel.messages[-1].pinged.everyone
    text = f"@everyone {world['bob'].mention}"
    await server.invoke("/say", user=world["alice"], channel=channel, text=text, safe=True)
    pinged = channel.messages[-1].pinged
    assert not pinged.everyone
    assert pinged.users == {world["bob"].id}


async def test_missing_permissions_is_forbidden(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    channel = world["channel"]
    channel.set_permissions(server.bot_user, deny=1 << 11)
    result = await server.invoke("/say", user=world["alice"], channel=channel, text="hi")
    assert result.content == "forbidden 50013"
    assert channel.messages == []


@pytest.mark.slow
async def test_late_ack_is_recorded(server: SandboxServer, world: World, bot: commands.Bot) -> None:
    with pytest.raises(SandboxError, match="deadline"):
        await server.invoke("/late", user=world["alice"], timeout=5)
    [late] = server.late_acks
    assert late.name == "/late" and late.elapsed > 3


async def test_options_named_like_parameters(
    server: SandboxServer, world: World, bot: commands.Bot
) -> None:
    result = await server.invoke("/say", user=world["alice"], options={"text": "plain"})
    assert result.content == "sent"
    assert world["guild"].text_channels[0].messages[-1].content == "plain"
