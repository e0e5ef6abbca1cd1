"""A bot stopped and another started in the same process (as every restart in these tests is):
the features' modules are executed once, and the new bot's features work."""

from __future__ import annotations

import sys

from bot.sandbox import SandboxServer
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
