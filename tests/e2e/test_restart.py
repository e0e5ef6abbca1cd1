"""Stopping and starting again: a question waiting for a click does not hold a stop up, and a
bot started again in the same process (as every restart in these tests is) executes the
features' modules once, its features working."""

from __future__ import annotations

import sys
import time

from bot.sandbox import SandboxServer
from bot.ui.confirm import RESTARTING
from tests.e2e.conftest import StartBot, World


async def test_a_restart_in_the_same_process_reuses_the_features_modules(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    first = await start_nexus()
    modules = {
        name: sys.modules[name] for name in ("cogs.snippets.commands", "cogs.feedback.models")
    }
    await first.close()
    assert first.get_cog("SnippetsCog") is None  # removed, its cog_unload run
    second = await start_nexus()
    assert {name: sys.modules[name] for name in modules} == modules
    reply = await sandbox.invoke(
        "/snippet top", user=world.alice, guild=world.guild, channel=world.snippets
    )
    assert reply.text == "No starred snippets yet."
    assert second.get_cog("SnippetsCog") is not None


async def test_a_stop_withdraws_an_unanswered_confirmation_at_once(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    nexus = await start_nexus()
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    reply = await sandbox.invoke(
        "/admin forget",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"user": world.alice},
    )
    assert "Forget everything Nexus holds about" in reply.text
    assert len(reply.buttons) == 2
    started = time.monotonic()
    await nexus.close()
    # The stop waits for work in flight (up to 10 s), not for the moderator to decide.
    assert time.monotonic() - started < 5
    assert reply.content == RESTARTING
    assert reply.buttons == []  # both disabled
    [said] = await reply.followups(1)
    assert said.content == "Nothing was changed."
    again = await start_nexus(configure=False)
    assert await again.blocks.is_blocked(world.guild.id, world.alice.id, "snippets")
