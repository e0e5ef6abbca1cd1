"""The core through the real bot and the sandbox: login, sync, /nexus, errors, tiers, views,
reconnects, shutdown and the web endpoints."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.app import NexusBot
from bot.errors import UserFacingError
from bot.permissions import Tier, require
from bot.sandbox import SandboxServer
from bot.ui import Page, confirm, send_paginated
from tests.e2e.conftest import StartBot, World


async def test_bot_logs_in_syncs_and_answers_ping(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/nexus ping", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    assert "Pong!" in reply.text
    assert re.search(r"database \d+\.\d ms", reply.text)
    synced = {command["name"] for command in sandbox.commands()}
    assert "nexus" in synced
    assert sandbox.unhandled_routes == []


async def test_help_lists_every_command_of_the_live_tree(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/nexus help", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    for command in nexus.tree.walk_commands():
        if isinstance(command, app_commands.Command):
            assert f"/{command.qualified_name}" in reply.text


async def test_about_shows_version_and_uptime(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/nexus about", user=world.alice, guild=world.guild, channel=world.general
    )
    assert nexus.version in reply.text
    assert "Uptime" in reply.text


async def test_about_lists_the_languages_that_can_run_and_why_others_cannot(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus()
    await bot.runner.start()
    reply = await sandbox.invoke(
        "/nexus about", user=world.alice, guild=world.guild, channel=world.general
    )
    for status in bot.runner.languages():
        marker = "✅" if status.available else "❌"
        assert f"{marker} {status.label}" in reply.text
    await bot.close()
    off = await start_nexus(runner={"backend": "off"})
    reply = await sandbox.invoke(
        "/nexus about", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "none: running code is turned off" in reply.text
    assert off.runner.languages() == []


async def test_unchanged_commands_are_not_synced_again_on_restart(
    start_nexus: StartBot, sandbox: SandboxServer
) -> None:
    first = await start_nexus()
    assert first.command_sync.synced_this_run
    await first.close()
    second = await start_nexus()
    assert not second.command_sync.synced_this_run


async def test_bot_resumes_after_the_gateway_drops(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await sandbox.drop_gateway()
    reply = await sandbox.invoke(
        "/nexus ping", user=world.alice, guild=world.guild, channel=world.general, timeout=15
    )
    assert "Pong!" in reply.text
    assert sandbox.resume_count >= 1


async def test_bot_identifies_afresh_after_an_invalid_session(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    identified = sandbox.identify_count
    await sandbox.invalidate_session()
    await sandbox.wait_until(lambda: sandbox.identify_count == identified + 1, timeout=10)
    reply = await sandbox.invoke(
        "/nexus ping", user=world.alice, guild=world.guild, channel=world.general, timeout=15
    )
    assert "Pong!" in reply.text
    assert sandbox.identify_count == identified + 1


# ---- the one error handler, tiers and views, through a small test cog ----------------------


@dataclass(frozen=True)
class Row:
    number: int


class ProbeCog(commands.Cog):
    probe = app_commands.Group(name="probe", description="test-only commands")

    def __init__(self) -> None:
        self.slow_started = asyncio.Event()

    @probe.command(name="boom", description="fails with a bug")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("secret internal detail /srv/db.sqlite")

    @probe.command(name="mistake", description="fails with the user's mistake")
    async def mistake(self, interaction: discord.Interaction) -> None:
        raise UserFacingError("That id names no snippet.")

    @probe.command(name="limited", description="one use a minute")
    @app_commands.checks.cooldown(1, 60)
    async def limited(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("done", ephemeral=True)

    @probe.command(name="moderate", description="moderators only")
    @require(Tier.MODERATOR)
    async def moderate(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("moderated", ephemeral=True)

    @probe.command(name="triage", description="triagers only")
    @require(Tier.TRIAGER)
    async def triage(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("triaged", ephemeral=True)

    @app_commands.command(name="probemod", description="a top-level moderator command")
    @require(Tier.MODERATOR)
    async def probemod(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("moderated", ephemeral=True)

    @probe.command(name="pages", description="25 rows, 10 a page")
    async def pages(self, interaction: discord.Interaction) -> None:
        async def fetch(cursor: object) -> Page[Row]:
            start = cursor if isinstance(cursor, int) else 0
            rows = [Row(n) for n in range(start, min(start + 10, 25))]
            return Page(rows, start + 10 if start + 10 < 25 else None)

        def render(page: Page[Row], number: int) -> discord.Embed:
            return discord.Embed(
                title=f"Rows, page {number}",
                description="\n".join(f"row {row.number}" for row in page.items),
            )

        await send_paginated(interaction, fetch, render)

    @probe.command(name="erase", description="asks first")
    async def erase(self, interaction: discord.Interaction) -> None:
        if await confirm(interaction, "Erase it?", timeout=5):
            await interaction.followup.send("Erased.", ephemeral=True)
        else:
            await interaction.followup.send("Kept.", ephemeral=True)

    @probe.command(name="slow", description="takes a while")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        self.slow_started.set()
        await asyncio.sleep(0.5)
        await interaction.followup.send("finished slowly", ephemeral=True)


@pytest.fixture
async def probe(nexus: NexusBot, sandbox: SandboxServer) -> ProbeCog:
    cog = ProbeCog()
    await nexus.add_cog(cog)
    await nexus.tree.sync()
    return cog


async def test_a_bug_shows_an_error_id_and_logs_the_traceback(
    probe: ProbeCog,
    sandbox: SandboxServer,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.errors")
    reply = await sandbox.invoke(
        "/probe boom", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    match = re.search(r"`([0-9a-f]{8})`", reply.text)
    assert match is not None
    assert "secret" not in reply.text
    assert "/srv" not in reply.text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None


async def test_a_user_mistake_is_shown_as_is(
    probe: ProbeCog, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/probe mistake", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    assert reply.text.strip() == "That id names no snippet."


async def test_a_cooldown_says_how_long_to_wait(
    probe: ProbeCog, sandbox: SandboxServer, world: World
) -> None:
    await sandbox.invoke(
        "/probe limited", user=world.alice, guild=world.guild, channel=world.general
    )
    reply = await sandbox.invoke(
        "/probe limited", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    assert re.search(r"use this again in \d+ s", reply.text)


@pytest.mark.parametrize(
    ("command", "user", "allowed"),
    [
        ("/probe moderate", "alice", False),
        ("/probe moderate", "triager", False),
        ("/probe moderate", "mod", True),
        ("/probe moderate", "admin", True),
        ("/probe triage", "alice", False),
        ("/probe triage", "triager", True),
        ("/probe triage", "mod", True),
    ],
)
async def test_tiers_are_enforced_at_run_time(
    probe: ProbeCog, sandbox: SandboxServer, world: World, command: str, user: str, allowed: bool
) -> None:
    reply = await sandbox.invoke(
        command, user=getattr(world, user), guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    if allowed:
        assert reply.text.strip() in ("moderated", "triaged")
    else:
        assert "only" in reply.text
        assert "moderated" not in reply.text


async def test_moderator_commands_are_hidden_by_default_permissions(
    probe: ProbeCog, sandbox: SandboxServer
) -> None:
    synced = {command["name"]: command for command in sandbox.commands()}
    manage_guild = str(discord.Permissions(manage_guild=True).value)
    assert str(synced["probemod"]["default_member_permissions"]) == manage_guild
    assert synced["probe"].get("default_member_permissions") is None


async def test_paginator_turns_pages_for_its_owner_only(
    probe: ProbeCog, sandbox: SandboxServer, world: World
) -> None:
    first = await sandbox.invoke(
        "/probe pages", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "row 0" in first.text
    assert "row 10" not in first.text
    stranger = await first.click("Next", user=world.bob)
    assert stranger.ephemeral
    assert "Only the person" in stranger.text
    second = await first.click("Next", user=world.alice)
    assert "row 10" in second.text
    assert "row 0\n" not in second.text
    third = await second.click("Next", user=world.alice)
    assert "row 24" in third.text
    back = await third.click("Previous", user=world.alice)
    assert "row 10" in back.text


async def test_confirm_view_acts_only_when_confirmed(
    probe: ProbeCog, sandbox: SandboxServer, world: World
) -> None:
    prompt = await sandbox.invoke(
        "/probe erase", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "Erase it?" in prompt.text
    await prompt.click("Confirm", user=world.alice)
    done = await prompt.followups(1, timeout=5)
    assert any("Erased." in message.text for message in done)


async def test_shutdown_finishes_interactions_in_flight(
    probe: ProbeCog, nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    pending = asyncio.create_task(
        sandbox.invoke("/probe slow", user=world.alice, guild=world.guild, channel=world.general)
    )
    await asyncio.wait_for(probe.slow_started.wait(), timeout=5)
    await nexus.close()
    reply = await pending
    assert "finished slowly" in reply.text
    assert nexus.db.engine.pool.checkedout() == 0


class SlowButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template="probe:slow"):
    """A persistent button (a dynamic item, like the buttons on snippet posts) that works slowly."""

    started = asyncio.Event()

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Slow", custom_id="probe:slow"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> SlowButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        SlowButton.started.set()
        await asyncio.sleep(0.5)
        await interaction.response.send_message("clicked slowly", ephemeral=True)


async def test_shutdown_finishes_a_click_on_a_persistent_button_in_flight(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    # Found by the fuzz: discord.py names the tasks of dynamic items (the buttons on posts)
    # apart from a view's, and shutdown did not wait for them.
    SlowButton.started = asyncio.Event()
    nexus.add_dynamic_items(SlowButton)
    view = discord.ui.View(timeout=None)
    view.add_item(SlowButton())
    channel = nexus.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("a post with a button", view=view)
    post = await sandbox.wait_for_message(world.general, since=0)
    click = {"custom_id": "probe:slow", "component_type": 2}
    pending = asyncio.create_task(sandbox.send_component(post, click, user=world.alice))
    await asyncio.wait_for(SlowButton.started.wait(), timeout=5)
    await nexus.close()
    reply = await pending
    assert "clicked slowly" in reply.text


async def test_web_endpoints_report_health_readiness_and_metrics(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(web={"enabled": True, "host": "127.0.0.1", "port": 0})
    assert bot.web is not None
    await sandbox.invoke("/nexus ping", user=world.alice, guild=world.guild, channel=world.general)
    base = f"http://127.0.0.1:{bot.web.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as health:
            assert health.status == 200
        async with http.get(f"{base}/readyz") as ready:
            assert ready.status == 200
            assert (await ready.json())["checks"] == {"gateway": True, "database": True}
        async with http.get(f"{base}/metrics") as metrics:
            body = await metrics.text()
    assert 'nexus_interactions_total{command="nexus ping",outcome="ok"} 1.0' in body
    assert "nexus_interaction_seconds_bucket" in body
    assert "nexus_gateway_latency_seconds" in body


async def test_the_web_server_answers_without_waiting_for_the_clients_ack(
    start_nexus: StartBot,
) -> None:
    # With Nagle's algorithm on, each response's body (written after its headers) waited for
    # the client's delayed ACK: ~40 ms on every API request with a body.
    bot = await start_nexus(web={"enabled": True, "host": "127.0.0.1", "port": 0})
    assert bot.web is not None and bot.web._server is not None
    url = f"http://127.0.0.1:{bot.web.port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as health:
        assert health.status == 200
        # Asked while the kept-alive connection is still open.
        nagle_off = [
            connection.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY
            )
            for connection in bot.web._server.server_state.connections
        ]
    assert nagle_off and all(nagle_off)
