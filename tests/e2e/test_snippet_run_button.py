"""Snippets and the code runner, through the real bot and the sandbox: the ▶ Run button on
posts, /snippet run, and what the snippet library offers other features (KeepsSnippets).

The runner here is a stand-in feature offering `RunsCode` that records what it was handed and
answers: what is under test is the snippets' side of the hand-off (which posts get the button,
what reaches the runner, what a member sees when no runner is loaded). A real code runner that
is loaded is taken out first, so these tests say the same whichever features the tree holds.
The last test runs a snippet in the real jail, through the real run feature.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import select

from bot.app import NexusBot
from bot.capabilities import (
    CodeToRun,
    KeepsSnippets,
    RunsCode,
    SnippetOffer,
    capability,
    offered,
)
from bot.sandbox import SandboxServer
from cogs.snippets.models import Snippet
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_run import RUNNER, need_jail, stream

NO_RUNNER = "Running code isn't available right now."


class RecordingRunner(commands.Cog):
    """A feature that runs code, as far as the snippets can tell: it keeps what it was handed."""

    def __init__(self) -> None:
        self.handed: list[CodeToRun] = []

    async def run_for_member(self, interaction: discord.Interaction, code: CodeToRun) -> None:
        self.handed.append(code)
        await interaction.response.send_message(f"ran snippet #{code.snippet_id}")


class OfferingFeature(commands.Cog):
    """A feature offering code to save, as a run result's "Save as snippet" button does."""

    offer = SnippetOffer(
        code="SELECT 1;",
        language="sqlite",  # a name the snippets resolve, not their key
        title="T" * 150,
        description="D" * 1200,
    )

    @app_commands.command(name="offer-code", description="test-only")
    async def offer_code(self, interaction: discord.Interaction) -> None:
        keeper = capability(interaction, KeepsSnippets, "no snippets")
        await keeper.offer_snippet(interaction, self.offer)


async def without_runners(bot: NexusBot) -> None:
    for name, cog in list(bot.cogs.items()):
        if isinstance(cog, RunsCode):
            await bot.remove_cog(name)


async def with_recording_runner(bot: NexusBot) -> RecordingRunner:
    await without_runners(bot)
    runner = RecordingRunner()
    await bot.add_cog(runner)
    return runner


async def share(
    sandbox: SandboxServer, world: World, title: str, code: str, language: str, **options: Any
) -> Any:
    return await sandbox.invoke(
        "/snippet share",
        user=world.alice,
        guild=world.guild,
        channel=world.snippets,
        title=title,
        code=code,
        language=language,
        **options,
    )


async def stored(bot: NexusBot) -> list[Snippet]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(Snippet).order_by(Snippet.id))).all())


def labels(result: Any) -> list[str]:
    return [button["label"] for button in result.buttons]


# ---- the ▶ Run button ---------------------------------------------------------------------------


async def test_run_button_shows_on_runnable_languages_only_when_a_runner_is_loaded(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    nexus = await start_nexus(snippets={"shares_per_minute": 100})
    await without_runners(nexus)
    before = await share(sandbox, world, "Hello", "print('hi')", "python")
    assert labels(before) == ["Star (0)", "Raw", "Delete"]
    await with_recording_runner(nexus)
    python = await share(sandbox, world, "Hello again", "print('hi')", "py")
    assert labels(python) == ["Star (0)", "Run", "Raw", "Delete"]
    [run] = [b for b in python.buttons if b["label"] == "Run"]
    assert run["emoji"]["name"] == "▶️"
    rust = await share(sandbox, world, "Hello, Rust", 'fn main() { println!("hi"); }', "rust")
    assert labels(rust) == ["Star (0)", "Raw", "Delete"]
    for language, code in (("sql", "SELECT 1;"), ("js", "console.log(1)"), ("sh", "echo hi")):
        post = await share(sandbox, world, f"Hello in {language}", code, language)
        assert "Run" in labels(post), language


async def test_run_button_hands_the_snippet_to_the_code_runner(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    runner = await with_recording_runner(nexus)
    posted = await share(sandbox, world, "Sum", "print(sum(range(4)))", "python")
    [snippet] = await stored(nexus)
    ran = await posted.click("Run", user=world.bob)
    assert ran.text == f"ran snippet #{snippet.id}"
    assert runner.handed == [
        CodeToRun(
            code="print(sum(range(4)))",
            language="python",
            stdin="",
            snippet_id=snippet.id,
            title="Sum",
        )
    ]
    # Starring redraws the post: the Run button stays.
    await posted.click("Star", user=world.bob)
    assert "Run" in [b["label"] for b in posted.buttons]


async def test_run_button_without_a_runner_says_running_is_unavailable(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await with_recording_runner(nexus)
    posted = await share(sandbox, world, "Sum", "print(1)", "python")
    await without_runners(nexus)
    clicked = await posted.click("Run", user=world.bob)
    assert clicked.ephemeral and clicked.text == NO_RUNNER


# ---- /snippet run -------------------------------------------------------------------------------


async def test_snippet_run_hands_the_snippet_and_its_input_to_the_code_runner(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    runner = await with_recording_runner(nexus)
    await share(sandbox, world, "Echo", "print(input())", "python")
    [snippet] = await stored(nexus)
    ran = await sandbox.invoke(
        "/snippet run",
        user=world.bob,
        guild=world.guild,
        channel=world.general,
        id=snippet.id,
        input="42\n",
    )
    assert ran.text == f"ran snippet #{snippet.id}"
    [handed] = runner.handed
    assert (handed.code, handed.language, handed.stdin) == ("print(input())", "python", "42\n")
    assert (handed.snippet_id, handed.title) == (snippet.id, "Echo")


async def test_snippet_run_of_an_unknown_id_is_refused_kindly(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    runner = await with_recording_runner(nexus)
    missing = await sandbox.invoke(
        "/snippet run", user=world.bob, guild=world.guild, channel=world.general, id=99999
    )
    assert missing.ephemeral and "no snippet #99999" in missing.text
    assert runner.handed == []


async def test_snippet_run_without_a_runner_says_running_is_unavailable(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await without_runners(nexus)
    await share(sandbox, world, "Sum", "print(1)", "python")
    [snippet] = await stored(nexus)
    refused = await sandbox.invoke(
        "/snippet run", user=world.bob, guild=world.guild, channel=world.general, id=snippet.id
    )
    assert refused.ephemeral and refused.text == NO_RUNNER


async def test_snippet_run_ids_autocomplete_like_get(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world, "Parse JSON safely", "import json", "python")
    [snippet] = await stored(nexus)
    choices = await sandbox.autocomplete(
        "/snippet run", "id", "json", user=world.carol, guild=world.guild, channel=world.general
    )
    assert [c["value"] for c in choices] == [snippet.id]


# ---- what the library offers other features -----------------------------------------------------


async def test_an_offered_snippet_opens_the_share_modal_prefilled_and_saves_on_submit(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.add_cog(OfferingFeature())
    await nexus.sync_commands()
    form = await sandbox.invoke(
        "/offer-code", user=world.bob, guild=world.guild, channel=world.snippets
    )
    assert form.modal is not None
    fields = form.modal.fields
    assert fields["title"]["value"] == "T" * 100
    assert fields["language"]["value"] == "sql"
    assert fields["code"]["value"] == "SELECT 1;"
    assert fields["description"]["value"] == "D" * 1000
    assert await stored(nexus) == []
    await form.submit_modal({"title": "One", "tags": "fixture"})
    [snippet] = await stored(nexus)
    assert (snippet.title, snippet.language, snippet.code) == ("One", "sql", "SELECT 1;")
    assert (snippet.author_id, snippet.tags, snippet.description) == (
        world.bob.id,
        "fixture",
        "D" * 1000,
    )


async def test_an_offer_over_the_share_rate_is_refused_before_the_modal(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "snippets.shares_per_minute", 1, actor_id=None)
    await nexus.add_cog(OfferingFeature())
    await nexus.sync_commands()
    await sandbox.invoke(
        "/snippet share", user=world.bob, guild=world.guild, title="First", code="x = 1"
    )
    refused = await sandbox.invoke(
        "/offer-code", user=world.bob, guild=world.guild, channel=world.snippets
    )
    assert refused.modal is None
    assert refused.ephemeral and "1 snippet a minute" in refused.text


async def test_sql_fixture_is_the_newest_sql_snippet_tagged_fixture(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    keeper = offered(nexus, KeepsSnippets)
    assert keeper is not None
    assert await keeper.sql_fixture(world.guild.id) is None
    await share(sandbox, world, "Old seed", "CREATE TABLE a (x);", "sql", tags="fixture")
    await share(sandbox, world, "New seed", "CREATE TABLE b (y);", "sql", tags="db, fixture")
    await share(sandbox, world, "Not a seed", "SELECT 2;", "sql", tags="db")
    await share(sandbox, world, "Not SQL", "print(1)", "python", tags="fixture")
    assert await keeper.sql_fixture(world.guild.id) == "CREATE TABLE b (y);"
    assert await keeper.sql_fixture(world.guild.id + 1) is None


async def test_detect_language_names_the_snippet_language_key(nexus: NexusBot) -> None:
    keeper = offered(nexus, KeepsSnippets)
    assert keeper is not None
    assert keeper.detect_language("def add(a, b):\n    return a + b\n") == "python"
    assert keeper.detect_language("SELECT id FROM users WHERE id = 1;") == "sql"
    assert keeper.detect_language("just a few words") is None


# ---- with the real code runner ------------------------------------------------------------------


async def test_snippet_run_and_the_run_button_show_the_programs_output(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    nexus = await start_nexus(runner=RUNNER)
    need_jail(nexus)
    code = "import sys\nprint(sys.stdin.read()[::-1] or 'nothing')"
    posted = await share(sandbox, world, "Reverse", code, "py")
    [snippet] = await stored(nexus)
    ran = await sandbox.invoke(
        "/snippet run",
        user=world.bob,
        guild=world.guild,
        channel=world.general,
        id=snippet.id,
        input="olleh",
    )
    assert not ran.ephemeral
    assert stream(ran.embed, "stdout") == "hello"
    clicked = await posted.click("Run", user=world.bob)
    assert stream(clicked.embed, "stdout") == "nothing"
