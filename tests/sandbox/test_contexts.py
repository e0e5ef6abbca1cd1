"""Interaction contexts in the sandbox: a server, the DM with the bot and a private channel (a
group DM reached through a user's install), as Discord sends them and as its client offers
commands; and the synced commands' contexts, installations and localizations."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.sandbox import SandboxError, SandboxServer

EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
BOTH_INSTALLS = app_commands.AppInstallationType(guild=True, user=True)


async def where(interaction: discord.Interaction) -> None:
    # What discord.py parsed from authorizing_integration_owners (its public API only answers
    # is_guild_integration / is_user_integration).
    owners = interaction._integration_owners
    await interaction.response.send_message(
        f"guild={interaction.guild_id} dm={interaction.context.dm_channel} "
        f"private={interaction.context.private_channel} owners={sorted(owners.items())} "
        f"member={isinstance(interaction.user, discord.Member)} "
        f"channel={type(interaction.channel).__name__}"
    )


@pytest.fixture
async def anywhere_bot(bot: commands.Bot) -> commands.Bot:
    """The test bot with /where (usable everywhere, both installs) and /serveronly."""
    bot.tree.add_command(
        app_commands.Command(
            name="where",
            description="Where am I",
            callback=where,
            allowed_contexts=EVERYWHERE,
            allowed_installs=BOTH_INSTALLS,
        )
    )
    bot.tree.add_command(
        app_commands.Command(
            name="serveronly",
            description="Only in servers",
            callback=where,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )
    )
    synced = await bot.tree.sync()
    assert {c.name for c in synced} >= {"where", "serveronly"}
    return bot


async def test_the_synced_commands_keep_their_contexts_and_installations(
    server: SandboxServer, anywhere_bot: commands.Bot
) -> None:
    synced = {c["name"]: c for c in server.commands()}
    assert synced["where"]["contexts"] == [0, 1, 2]
    assert synced["where"]["integration_types"] == [0, 1]
    assert synced["serveronly"]["contexts"] == [0]
    assert synced["ping"]["contexts"] is None


async def test_a_dm_with_the_bot_sends_user_context_one_and_no_guild(
    server: SandboxServer, world: dict[str, Any], anywhere_bot: commands.Bot
) -> None:
    alice = world["alice"]
    dm = server.state.dm_channel(alice)
    reply = await server.invoke("/where", user=alice, channel=dm)
    assert reply.text == (
        "guild=None dm=True private=False owners=[(0, 0)] member=False channel=DMChannel"
    )
    server.install_app(alice)
    reply = await server.invoke("/where", user=alice, channel=dm)
    assert f"owners=[(0, 0), (1, {alice.id})]" in reply.text
    with pytest.raises(SandboxError, match="not available in DMs"):
        await server.invoke("/serveronly", user=alice, channel=dm)


async def test_a_private_channel_needs_a_user_install_and_sends_context_two(
    server: SandboxServer, world: dict[str, Any], anywhere_bot: commands.Bot
) -> None:
    alice, bob = world["alice"], world["bob"]
    group = server.create_group_dm(alice, bob, name="pair")
    with pytest.raises(SandboxError, match="not installed"):
        await server.invoke("/where", user=alice, channel=group)
    server.install_app(alice)
    reply = await server.invoke("/where", user=alice, channel=group)
    assert reply.text == (
        f"guild=None dm=False private=True owners=[(1, {alice.id})] member=False "
        "channel=GroupChannel"
    )
    with pytest.raises(SandboxError, match="not available in private channels"):
        await server.invoke("/serveronly", user=alice, channel=group)
    with pytest.raises(SandboxError, match="not installed"):  # a guild install only
        await server.invoke("/ping", user=alice, channel=group)
    assert reply.message is not None and reply.message.channel is group


async def test_the_bot_neither_sees_nor_posts_in_a_private_channel(
    server: SandboxServer, world: dict[str, Any], anywhere_bot: commands.Bot
) -> None:
    alice, bob = world["alice"], world["bob"]
    group = server.create_group_dm(alice, bob)
    seen: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    anywhere_bot.add_listener(on_message, "on_message")
    server.send_user_message(group, bob, "hello")
    channel = anywhere_bot.get_partial_messageable(group.id)
    with pytest.raises(discord.Forbidden):
        await channel.send("hi")
    reply = await server.invoke("/ping", user=alice, channel=world["channel"])
    assert reply.text == "pong"  # the gateway delivered everything before this
    assert seen == [m for m in seen if m.channel.id != group.id]
    assert group.messages[-1].content == "hello"


async def test_a_server_interaction_names_the_guild_installation(
    server: SandboxServer, world: dict[str, Any], anywhere_bot: commands.Bot
) -> None:
    reply = await server.invoke("/where", user=world["alice"], channel=world["channel"])
    guild = world["guild"]
    assert reply.text.startswith(
        f"guild={guild.id} dm=False private=False owners=[(0, {guild.id})]"
    )
    assert "member=True" in reply.text


@pytest.mark.parametrize(
    ("localizations", "accepted"),
    [
        ({"name_localizations": {"fr": "ou"}}, True),
        ({"name_localizations": {"fr": "Où Suis"}}, False),
        ({"name_localizations": {"xx": "ou"}}, False),
        ({"description_localizations": {"fr": "x" * 101}}, False),
        ({"contexts": [0, 3]}, False),
    ],
)
async def test_localizations_and_contexts_are_validated_like_discord(
    server: SandboxServer, anywhere_bot: commands.Bot, localizations: dict[str, Any], accepted: bool
) -> None:
    body = {"name": "hello", "description": "Say hello", "type": 1, **localizations}
    app_id = anywhere_bot.application_id
    assert app_id is not None
    route = discord.http.Route("POST", "/applications/{app_id}/commands", app_id=app_id)
    if accepted:
        stored = await anywhere_bot.http.request(route, json=body)
        assert stored["name_localizations"] == {"fr": "ou"}
        assert any(c["name"] == "hello" for c in server.commands())
    else:
        with pytest.raises(discord.HTTPException) as refused:
            await anywhere_bot.http.request(route, json=body)
        assert refused.value.code == 50035
