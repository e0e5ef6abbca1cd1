"""/run, the "Run code" menu and the result's buttons through the real bot, the sandbox and the
real jail: output shown (stdout and stderr apart), policy (channels, tier, rate, visibility),
the queue, Run again, Save as snippet, Delete, and forgetting."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.code_blocks import unescape_code_block
from bot.sandbox import SandboxServer
from cogs.run.models import CodeRun
from cogs.run.rules import RETENTION
from cogs.snippets.models import Snippet
from tests.e2e.conftest import StartBot, World
from tests.probe_feature import loaded_feature

FENCE = "```"
# Small limits keep hostile-looking tests quick; the jail's own suite tests the defaults.
RUNNER = {"wall_seconds": 3, "cpu_seconds": 2, "pool_size": 2}


async def runs(bot: NexusBot) -> list[CodeRun]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(CodeRun).order_by(CodeRun.id))).all())


async def count(bot: NexusBot, model: type) -> int:
    async with bot.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def need_jail(bot: NexusBot) -> None:
    reason = bot.runner.unavailable_reason
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the jail must run in CI: {reason}")
        pytest.skip(f"the jail cannot start here: {reason}")


@pytest.fixture
async def nexus(start_nexus: StartBot) -> NexusBot:
    bot = await start_nexus(runner=RUNNER)
    need_jail(bot)
    return bot


def stream(embed: dict[str, Any], name: str) -> str | None:
    """The text a reader sees under **stdout** or **stderr**, escapes removed."""
    description = embed["description"]
    marker = f"**{name}**\n{FENCE}\n"
    if marker not in description:
        return None
    start = description.index(marker) + len(marker)
    end = description.index(f"\n{FENCE}", start)
    return unescape_code_block(description[start:end])


def field(embed: dict[str, Any], name: str) -> str | None:
    return next((f["value"] for f in embed.get("fields", []) if f["name"] == name), None)


async def run_typed(
    sandbox: SandboxServer,
    world: World,
    code: str,
    language: str = "python",
    stdin: str = "",
    user: Any = None,
    channel: Any = None,
) -> Any:
    form = await sandbox.invoke(
        "/run", user=user or world.alice, guild=world.guild, channel=channel or world.general
    )
    assert form.modal is not None
    return await form.submit_modal({"language": language, "code": code, "stdin": stdin})


# ---- running -----------------------------------------------------------------------------------


async def test_run_modal_runs_python_and_shows_its_output_with_buttons(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(
        sandbox,
        world,
        "import sys\nprint(input().upper())\nprint('oops', file=sys.stderr)",
        stdin="hi",
    )
    assert not result.ephemeral
    assert stream(result.embed, "stdout") == "HI"
    assert stream(result.embed, "stderr") == "oops"
    assert field(result.embed, "Result") == "exit code 0"
    assert [b["label"] for b in result.buttons] == ["Run again", "Save as snippet", "Delete"]
    [stored] = await runs(nexus)
    assert (stored.user_id, stored.language, stored.exit_code) == (world.alice.id, "python", 0)
    assert stored.message_id == result.message.id
    assert stored.output_excerpt == "HI\n"


async def test_a_failing_program_shows_its_exit_code_and_error(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "echo broken >&2; exit 3", language="bash")
    assert field(result.embed, "Result") == "exit code 3"
    assert stream(result.embed, "stderr") == "broken"
    assert stream(result.embed, "stdout") is None


async def test_a_program_past_its_wall_limit_is_stopped_and_says_which_limit(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "import time\ntime.sleep(30)")
    assert "wall time (3 s)" in (field(result.embed, "Limit hit") or "")
    [stored] = await runs(nexus)
    assert stored.limits_hit == "wall time"


async def test_run_code_menu_runs_the_first_fenced_block_in_its_language(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    message = sandbox.send_user_message(
        world.general,
        world.bob,
        "Try:\n```js\nconsole.log([1, 2, 3].map(n => n * 2).join(','))\n```\n```py\nprint(1)\n```",
    )
    result = await sandbox.invoke_message_command("Run code", message=message, user=world.carol)
    assert stream(result.embed, "stdout") == "2,4,6"
    [stored] = await runs(nexus)
    assert (stored.language, stored.user_id) == ("javascript", world.carol.id)


async def test_run_code_menu_without_a_fence_explains_and_stores_nothing(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    message = sandbox.send_user_message(world.general, world.bob, "print(1) without a fence")
    result = await sandbox.invoke_message_command("Run code", message=message, user=world.carol)
    assert result.ephemeral
    assert "fenced code block" in result.text
    assert await count(nexus, CodeRun) == 0


async def test_an_unknown_language_is_refused_with_the_ones_that_run(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "fn main() {}", language="rust")
    assert result.ephemeral
    assert "can't run rust" in result.text and "python" in result.text
    assert await count(nexus, CodeRun) == 0


async def test_output_cannot_ping_or_break_out_of_its_code_block(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    hostile = f"@everyone <@&{world.moderator_role.id}> {FENCE} **bold**"
    result = await run_typed(sandbox, world, f"print({hostile!r})")
    assert stream(result.embed, "stdout") == hostile
    assert not result.message.pinged


async def test_long_output_is_shown_in_part_and_attached_whole(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "for n in range(2000):\n    print(n)")
    shown = stream(result.embed, "stdout") or ""
    assert shown.startswith("0\n1\n") and "1999" not in shown
    [file] = result.files
    assert file.filename == "stdout.txt"
    assert file.data.decode().splitlines() == [str(n) for n in range(2000)]


# ---- the guild's policy ------------------------------------------------------------------------


async def test_runs_outside_the_allowed_channels_are_refused_naming_them(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "run.channels", [world.snippets.id], None)
    refused = await run_typed(sandbox, world, "print(1)", channel=world.general)
    assert refused.ephemeral and f"<#{world.snippets.id}>" in refused.text
    assert await count(nexus, CodeRun) == 0
    allowed = await run_typed(sandbox, world, "print(1)", channel=world.snippets)
    assert stream(allowed.embed, "stdout") == "1"


async def test_a_tier_setting_keeps_members_from_running(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "run.tier", "triager", None)
    refused = await run_typed(sandbox, world, "print(1)", user=world.alice)
    assert refused.ephemeral and "triagers" in refused.text
    allowed = await run_typed(sandbox, world, "print(1)", user=world.triager)
    assert stream(allowed.embed, "stdout") == "1"
    assert await count(nexus, CodeRun) == 1


async def test_the_rate_limit_refuses_a_run_too_many_and_stores_nothing(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "run.runs_per_minute", 1, None)
    await run_typed(sandbox, world, "print(1)")
    refused = await run_typed(sandbox, world, "print(2)")
    assert refused.ephemeral and "1 run a minute" in refused.text and "<t:" in refused.text
    assert await count(nexus, CodeRun) == 1
    other = await run_typed(sandbox, world, "print(3)", user=world.bob)
    assert stream(other.embed, "stdout") == "3"


async def test_ephemeral_visibility_shows_the_result_only_to_the_runner(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "run.visibility", "ephemeral", None)
    result = await run_typed(sandbox, world, "print(1)")
    assert result.ephemeral
    assert "Delete" not in [b["label"] for b in result.buttons]
    [stored] = await runs(nexus)
    assert stored.message_id is None


async def test_runs_wait_in_a_queue_and_see_their_place(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    bot = await start_nexus(runner={**RUNNER, "pool_size": 1})
    need_jail(bot)
    first = asyncio.create_task(run_typed(sandbox, world, "import time\ntime.sleep(1)\nprint(1)"))
    await asyncio.sleep(0.3)
    form = await sandbox.invoke("/run", user=world.bob, guild=world.guild, channel=world.general)
    second = await form.submit_modal({"language": "python", "code": "print(2)", "stdin": ""})
    assert "next in the queue" in second.text
    finished = await second.wait_edit(timeout=10)
    assert finished.embeds and "2" in finished.embeds[0]["description"]
    assert stream((await first).embed, "stdout") == "1"


async def test_running_turned_off_in_the_config_says_so(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    bot = await start_nexus(runner={"backend": "off"})
    result = await run_typed(sandbox, world, "print(1)")
    assert result.ephemeral and "turned off" in result.text
    assert await count(bot, CodeRun) == 0


# ---- the buttons -------------------------------------------------------------------------------


async def test_run_again_runs_the_same_code_as_the_clicker(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "print(input())", stdin="same input")
    again = await result.click("Run again", user=world.bob)
    assert stream(again.embed, "stdout") == "same input"
    first, second = await runs(nexus)
    assert (first.user_id, second.user_id) == (world.alice.id, world.bob.id)
    assert second.code == first.code


async def test_save_as_snippet_opens_the_share_form_with_code_and_output(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "print(6 * 7)")
    form = await result.click("Save as snippet", user=world.alice)
    assert form.modal is not None
    assert form.modal.fields["code"]["value"] == "print(6 * 7)"
    assert form.modal.fields["description"]["value"] == "Output:\n42\n"
    await form.submit_modal({"title": "Six times seven"})
    async with nexus.db.sessions() as session:
        [snippet] = (await session.scalars(select(Snippet))).all()
    assert (snippet.title, snippet.language, snippet.code) == (
        "Six times seven",
        "python",
        "print(6 * 7)",
    )


async def test_delete_is_for_the_runner_or_a_moderator(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await run_typed(sandbox, world, "print(1)")
    refused = await result.click("Delete", user=world.bob)
    assert refused.ephemeral and "Only the member who ran" in refused.text
    assert not result.message.deleted
    done = await result.click("Delete", user=world.mod)
    assert done.ephemeral and "Deleted" in done.text
    assert result.message.deleted


# ---- the contract ------------------------------------------------------------------------------


async def test_forget_deletes_a_members_runs_and_stats_count_them(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await run_typed(sandbox, world, "print(1)", user=world.alice)
    await run_typed(sandbox, world, "print(2)", user=world.bob)
    feature = loaded_feature(nexus.features, "run")
    assert await feature.stats(world.guild.id) == {"code runs": 2}
    assert await feature.forget_member(world.guild.id, world.alice.id) == {"code runs deleted": 1}
    assert [run.user_id for run in await runs(nexus)] == [world.bob.id]


async def test_a_runner_still_starting_is_said_within_discords_deadline(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    # A Piston server on loopback that takes the connection and never answers: the runner's
    # start (asking it for its runtimes) hangs, and a member must still hear back in time.
    released = asyncio.Event()

    async def never(request: web.Request) -> web.Response:
        await released.wait()
        return web.Response()

    app = web.Application()
    app.router.add_get("/api/v2/runtimes", never)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        bot = await start_nexus(runner={"backend": "piston", "url": f"http://127.0.0.1:{port}"})
        result = await run_typed(sandbox, world, "print(1)")
        assert result.ephemeral and "still starting" in result.text
        assert await count(bot, CodeRun) == 0
    finally:
        released.set()
        await runner.cleanup()


async def test_runs_older_than_the_retention_are_pruned_and_their_buttons_say_so(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    bot = await start_nexus(clock=clock, runner=RUNNER)
    need_jail(bot)
    result = await run_typed(sandbox, world, "print(1)")
    clock.advance(RETENTION + timedelta(days=1))
    run_feature = cast(Any, loaded_feature(bot.features, "run"))
    assert await run_feature.flow.prune() == 1
    again = await result.click("Run again", user=world.bob)
    assert again.ephemeral and "no longer kept" in again.text
    assert await count(bot, CodeRun) == 0
