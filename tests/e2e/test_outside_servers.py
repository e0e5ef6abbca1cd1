"""Nexus where members already are: /snippet get and search, Save as snippet, /run and Run code
in a DM with the bot and in a private channel (a user install), through the real bot and the
sandbox; the synced commands' contexts, installations and translations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import NexusBot
from bot.sandbox import SandboxError, SandboxServer
from bot.translator import LocaleFiles
from cogs.run.models import CodeRun
from cogs.snippets.models import Snippet
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_run import RUNNER, need_jail, stream

USABLE_OUTSIDE = {"snippet", "run", "Save as snippet", "Run code"}
EVERYWHERE = [0, 1, 2]
CODE = "```py\nprint('hi from a dm')\n```"


async def snippets(bot: NexusBot) -> list[Snippet]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(Snippet).order_by(Snippet.id))).all())


class Servers:
    """The demo guild, a second guild alice shares with Nexus, a third she is not in."""

    def __init__(self, sandbox: SandboxServer, world: World) -> None:
        self.home = world.guild
        self.other = sandbox.create_guild("Other place")
        self.other.add_member(world.alice)
        self.other.add_member(world.bob)
        self.closed = sandbox.create_guild("Closed club")
        self.closed.add_member(world.carol)


@pytest.fixture
async def servers(sandbox: SandboxServer, world: World, nexus: NexusBot) -> Servers:
    places = Servers(sandbox, world)
    await sandbox.wait_until(lambda: nexus.get_guild(places.closed.id) is not None, timeout=5)
    for guild, user, title in (
        (places.home, world.alice, "home loop"),
        (places.other, world.bob, "other loop"),
        (places.closed, world.carol, "closed loop"),
    ):
        reply = await sandbox.invoke(
            "/snippet share",
            user=user,
            channel=guild.text_channels[0],
            title=title,
            code="for i in range(3): print(i)",
            language="py",
        )
        assert reply.embeds or "Shared as snippet" in reply.text, reply.text
    return places


def by_title(rows: list[Snippet], title: str) -> Snippet:
    return next(s for s in rows if s.title == title)


# ---- what is synced ------------------------------------------------------------------------


async def test_exactly_these_commands_are_synced_as_usable_everywhere_and_user_installable(
    sandbox: SandboxServer, nexus: NexusBot
) -> None:
    synced = {c["name"]: c for c in sandbox.commands()}
    installable = {name for name, c in synced.items() if 1 in (c["integration_types"] or [])}
    assert installable == USABLE_OUTSIDE
    for name in USABLE_OUTSIDE:
        assert synced[name]["contexts"] == EVERYWHERE, name
        assert synced[name]["integration_types"] == [0, 1], name
    outside = {n for n, c in synced.items() if c["contexts"] and set(c["contexts"]) & {1, 2}}
    assert outside == USABLE_OUTSIDE


async def test_a_locale_file_adds_localizations_to_the_synced_commands(
    sandbox: SandboxServer, nexus: NexusBot, tmp_path: Path
) -> None:
    assert isinstance(nexus.tree.translator, LocaleFiles)  # installed at start
    (tmp_path / "fr.yaml").write_text(
        "commands:\n"
        "  snippet:\n    name: extrait\n    description: Partager et retrouver du code\n"
        "  snippet get:\n    options:\n      server: {name: serveur, description: le serveur}\n"
        "menus:\n  Save as snippet: Enregistrer l'extrait\n"
        "choices:\n  month: mois\n",
        encoding="utf-8",
    )
    await nexus.tree.set_translator(LocaleFiles(tmp_path))
    assert await nexus.sync_commands() == 1  # the translations changed the tree's hash
    synced = {c["name"]: c for c in sandbox.commands()}
    snippet = synced["snippet"]
    assert snippet["name_localizations"] == {"fr": "extrait"}
    assert snippet["description_localizations"] == {"fr": "Partager et retrouver du code"}
    get = next(o for o in snippet["options"] if o["name"] == "get")
    server = next(o for o in get["options"] if o["name"] == "server")
    assert server["name_localizations"] == {"fr": "serveur"}
    top = next(o for o in snippet["options"] if o["name"] == "top")
    [period] = top["options"]
    month = next(c for c in period["choices"] if c["value"] == "month")
    assert month["name_localizations"] == {"fr": "mois"}
    assert synced["Save as snippet"]["name_localizations"] == {"fr": "Enregistrer l'extrait"}
    assert not synced["run"].get("name_localizations")  # not in the file: English


# ---- snippets in a DM ----------------------------------------------------------------------


async def test_server_autocomplete_in_a_dm_lists_only_the_members_servers_that_keep_snippets(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    choices = await sandbox.autocomplete(
        "/snippet search", "server", "", user=world.alice, channel=dm
    )
    assert {c["name"] for c in choices} == {"ProDev Nexus", "Other place"}
    assert {c["value"] for c in choices} == {str(servers.home.id), str(servers.other.id)}


async def test_snippet_get_in_a_dm_posts_the_chosen_servers_snippet_without_buttons(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    wanted = by_title(await snippets(nexus), "other loop")
    ids = await sandbox.autocomplete(
        "/snippet get", "id", "loop", user=world.alice, channel=dm, server=str(servers.other.id)
    )
    assert [c["value"] for c in ids] == [wanted.id]
    reply = await sandbox.invoke(
        "/snippet get", user=world.alice, channel=dm, id=wanted.id, server=str(servers.other.id)
    )
    assert not reply.ephemeral
    assert "other loop" in reply.embed["title"]
    assert reply.components == []
    assert reply.message is not None and reply.message.channel is dm


async def test_snippet_get_in_a_dm_refuses_a_server_the_member_is_not_in(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    closed = by_title(await snippets(nexus), "closed loop")
    reply = await sandbox.invoke(
        "/snippet get", user=world.alice, channel=dm, id=closed.id, server=str(servers.closed.id)
    )
    assert reply.ephemeral
    assert "don't know that server as one of yours" in reply.text
    assert "closed loop" not in reply.text
    unnamed = await sandbox.invoke("/snippet get", user=world.alice, channel=dm, id=closed.id)
    assert unnamed.ephemeral and "choose one with the `server` option" in unnamed.text


async def test_snippet_search_in_a_dm_searches_the_chosen_server(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    reply = await sandbox.invoke(
        "/snippet search", user=world.alice, channel=dm, query="loop", server="Other place"
    )
    assert reply.ephemeral
    assert "other loop" in reply.text
    assert "home loop" not in reply.text and "closed loop" not in reply.text


async def test_a_blocked_member_cannot_choose_that_server_from_a_dm(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    await nexus.blocks.block(servers.other.id, world.alice.id, "snippets", None)
    dm = sandbox.state.dm_channel(world.alice)
    reply = await sandbox.invoke(
        "/snippet search", user=world.alice, channel=dm, server=str(servers.other.id)
    )
    assert reply.ephemeral and "blocked you from snippets there" in reply.text
    # With the other server gone from her list, the only one left is used.
    alone = await sandbox.invoke("/snippet search", user=world.alice, channel=dm, query="loop")
    assert "home loop" in alone.text and "other loop" not in alone.text


async def test_other_snippet_subcommands_refuse_in_a_dm_in_one_line(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    before = len(await snippets(nexus))
    mine = await sandbox.invoke("/snippet mine", user=world.alice, channel=dm)
    assert mine.ephemeral
    assert mine.text == "Use /snippet mine in a server where Nexus is; it doesn't work here."
    shared = await sandbox.invoke(
        "/snippet share", user=world.alice, channel=dm, title="x", code="print(1)"
    )
    assert shared.ephemeral and shared.text.startswith("Use /snippet share in a server")
    assert len(await snippets(nexus)) == before


async def test_save_as_snippet_in_a_dm_asks_which_server_then_saves_it_there(
    sandbox: SandboxServer, world: World, nexus: NexusBot, servers: Servers
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    message = sandbox.send_user_message(dm, world.alice, CODE)
    asked = await sandbox.invoke_message_command(
        "Save as snippet", message=message, user=world.alice
    )
    assert asked.ephemeral and "Which server keeps this snippet?" in asked.text
    form = await asked.select("Choose the server that keeps it", [str(servers.other.id)])
    assert form.modal is not None
    saved = await form.submit_modal({"title": "from my dm"})
    assert saved.ephemeral
    assert "Saved as snippet" in saved.text and "Other place" in saved.text
    row = by_title(await snippets(nexus), "from my dm")
    assert (row.guild_id, row.author_id) == (servers.other.id, world.alice.id)
    assert "hi from a dm" in row.code


async def test_save_as_snippet_in_a_private_channel_goes_straight_to_the_only_server(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await sandbox.invoke(
        "/snippet share", user=world.bob, channel=world.snippets, title="seed", code="print(1)"
    )
    group = sandbox.create_group_dm(world.alice, world.bob, name="study group")
    message = sandbox.send_user_message(group, world.bob, CODE)
    with pytest.raises(SandboxError, match="not installed"):
        await sandbox.invoke_message_command("Save as snippet", message=message, user=world.alice)
    sandbox.install_app(world.alice)
    form = await sandbox.invoke_message_command(
        "Save as snippet", message=message, user=world.alice
    )
    assert form.modal is not None  # one server keeps snippets: no question
    saved = await form.submit_modal({"title": "group code"})
    assert "Saved as snippet" in saved.text
    row = by_title(await snippets(nexus), "group code")
    assert row.guild_id == world.guild.id
    assert group.messages == [message]  # Nexus posted nothing into the group


# ---- /run outside servers --------------------------------------------------------------------


@pytest.fixture
async def runner_bot(start_nexus: StartBot) -> NexusBot:
    bot = await start_nexus(runner=RUNNER)
    need_jail(bot)
    return bot


async def run_in(sandbox: SandboxServer, user: Any, channel: Any, code: str) -> Any:
    form = await sandbox.invoke("/run", user=user, channel=channel)
    assert form.modal is not None, form.text
    return await form.submit_modal({"language": "python", "code": code})


async def test_run_in_a_dm_runs_with_the_defaults_and_belongs_to_no_server(
    sandbox: SandboxServer, world: World, runner_bot: NexusBot
) -> None:
    dm = sandbox.state.dm_channel(world.alice)
    result = await run_in(sandbox, world.alice, dm, "print(6 * 7)")
    assert stream(result.embed, "stdout") == "42"
    assert [b["label"] for b in result.buttons] == ["Run again", "Save as snippet"]
    async with runner_bot.db.sessions() as session:
        [run] = (await session.scalars(select(CodeRun))).all()
    assert (run.guild_id, run.user_id) == (0, world.alice.id)


async def test_run_in_a_private_channel_needs_the_members_install(
    sandbox: SandboxServer, world: World, runner_bot: NexusBot
) -> None:
    group = sandbox.create_group_dm(world.alice, world.bob)
    with pytest.raises(SandboxError, match="not installed"):
        await sandbox.invoke("/run", user=world.alice, channel=group)
    sandbox.install_app(world.alice)
    result = await run_in(sandbox, world.alice, group, "print('group')")
    assert stream(result.embed, "stdout") == "group"
    assert result.message is not None and result.message.channel is group


async def test_the_run_rate_outside_servers_counts_the_members_runs_everywhere(
    sandbox: SandboxServer, world: World, runner_bot: NexusBot
) -> None:
    await runner_bot.guild_settings.set_many(
        world.guild.id, {"run.runs_per_minute": 60}, actor_id=None
    )
    for _ in range(5):  # the default: five a minute
        await run_in(sandbox, world.alice, world.general, "print(1)")
    dm = sandbox.state.dm_channel(world.alice)
    form = await sandbox.invoke("/run", user=world.alice, channel=dm)
    refused = await form.submit_modal({"language": "python", "code": "print(2)"})
    assert refused.ephemeral and "a minute" in refused.text
