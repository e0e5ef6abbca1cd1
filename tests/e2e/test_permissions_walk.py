"""The permission model, proven on the live command tree.

Every slash command and context menu the running bot registered is found by walking its tree, so
a command added later falls under these tests without anyone listing it. Discord lets server
admins show hidden commands to anyone (Server Settings → Integrations), so the walk first opens
every command to everyone in the sandbox, then invokes each moderator and triager command as a
plain member: each must refuse ephemerally and leave every table of the database as it was.
Member commands must not meet the tier refusal.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import Connection, inspect, text

from bot.app import NexusBot
from bot.db import Base
from bot.permissions import Tier, command_tier
from bot.sandbox import SandboxServer
from bot.sandbox.errors import SandboxError
from bot.sandbox.state import Attachment
from tests.e2e.conftest import World

AnyCommand = app_commands.Command[Any, Any, Any] | app_commands.ContextMenu
REFUSALS = ("This command is for moderators only.", "This command is for triagers only.")
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


def slash_commands(bot: NexusBot) -> list[app_commands.Command[Any, Any, Any]]:
    return [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def context_menus(bot: NexusBot) -> list[app_commands.ContextMenu]:
    return [
        menu
        for kind in (discord.AppCommandType.message, discord.AppCommandType.user)
        for menu in bot.tree.get_commands(type=kind)
        if isinstance(menu, app_commands.ContextMenu)
    ]


def hidden(synced: dict[str, Any]) -> bool:
    """Discord shows the command only to members with Manage Server (or Administrator)."""
    required = synced.get("default_member_permissions")
    return required is not None and int(required) & MANAGE_GUILD == MANAGE_GUILD


def open_every_command_to_everyone(sandbox: SandboxServer) -> None:
    """What a server admin does in Integrations: members see commands default_permissions hid."""
    scopes = [sandbox.state.global_commands, *sandbox.state.guild_commands.values()]
    for synced in scopes:
        for command in synced:
            command["default_member_permissions"] = None


def table_names(connection: Connection) -> list[str]:
    """Every table in the database, by SQLAlchemy's inspection (works on every backend).

    On SQLite this includes the FTS5 virtual tables and their shadow tables; SQLite's own
    bookkeeping tables (sqlite_sequence: the AUTOINCREMENT counters) are added in the SQLite
    branch below, since no other backend has them.
    """
    names = set(inspect(connection).get_table_names())
    missing = set(Base.metadata.tables) - names
    assert not missing, f"inspection did not find the mapped tables {sorted(missing)}"
    if connection.dialect.name == "sqlite":
        # SQLite-only: its internal tables, which inspection leaves out.
        internal = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sqlite~_%'"
        names.update(connection.execute(text(internal + " ESCAPE '~'")).scalars())
    return sorted(names)


async def dump_database(bot: NexusBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, the core's included (and FTS shadow tables on SQLite)."""
    async with bot.db.engine.connect() as connection:
        names = await connection.run_sync(table_names)
        dump = {}
        for name in names:
            rows = (await connection.execute(text(f'SELECT * FROM "{name}"'))).all()
            dump[name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def plausible_value(parameter: app_commands.Parameter, world: World) -> Any:
    """A value of the right type for an option: its first choice, or something in range.

    Options backed by autocomplete take any id-like string; the tier check runs before any
    parsing, so a moderator command must refuse whatever the values are.
    """
    if parameter.choices:
        return parameter.choices[0].value
    kind = parameter.type
    low = parameter.min_value
    if kind is discord.AppCommandOptionType.string:
        return "1" * max(int(low or 1), 1)
    if kind is discord.AppCommandOptionType.integer:
        return int(low) if low is not None else 1
    if kind is discord.AppCommandOptionType.number:
        return float(low) if low is not None else 1.0
    if kind is discord.AppCommandOptionType.boolean:
        return False
    if kind in (discord.AppCommandOptionType.user, discord.AppCommandOptionType.mentionable):
        return world.bob
    if kind is discord.AppCommandOptionType.role:
        return world.triager_role
    if kind is discord.AppCommandOptionType.channel:
        return world.general
    if kind is discord.AppCommandOptionType.attachment:
        return Attachment("example.py", b"print('hello')\n", "text/x-python")
    raise AssertionError(f"no plausible value for option type {kind}")


def options_for(command: app_commands.Command[Any, Any, Any], world: World) -> dict[str, Any]:
    return {
        parameter.display_name: plausible_value(parameter, world)
        for parameter in command.parameters
        if parameter.required
    }


def source_message(sandbox: SandboxServer, world: World) -> Any:
    """A message for message menus to act on: posted once, before any database snapshot, in
    case a feature reacts to messages."""
    found = [m for m in world.general.messages if m.author_id == world.bob.id]
    if found:
        return found[-1]
    return sandbox.send_user_message(world.general, world.bob, "```py\nprint(1)\n```")


async def invoke_as(sandbox: SandboxServer, world: World, command: AnyCommand, user: Any) -> Any:
    if isinstance(command, app_commands.ContextMenu):
        if command.type is discord.AppCommandType.message:
            message = source_message(sandbox, world)
            return await sandbox.invoke_message_command(command.name, message=message, user=user)
        return await sandbox.invoke_user_command(
            command.name, target=world.bob, user=user, guild=world.guild, channel=world.general
        )
    return await sandbox.invoke(
        f"/{command.qualified_name}",
        user=user,
        guild=world.guild,
        channel=world.general,
        options=options_for(command, world),
    )


def label(command: AnyCommand) -> str:
    return (
        f"/{command.qualified_name}" if isinstance(command, app_commands.Command) else command.name
    )


async def test_the_walk_finds_the_admin_commands(nexus: NexusBot) -> None:
    # Guards the walk itself: if it found nothing, every other test here would pass vacuously.
    found = {label(c): command_tier(c) for c in [*slash_commands(nexus), *context_menus(nexus)]}
    assert found["/admin forget"] is Tier.MODERATOR
    assert found["/admin config set"] is Tier.MODERATOR
    assert found["/nexus ping"] is Tier.MEMBER


async def test_groups_of_only_moderator_commands_are_hidden_from_members(
    nexus: NexusBot, sandbox: SandboxServer
) -> None:
    tiers: dict[str, set[Tier]] = {}
    for command in slash_commands(nexus):
        root = command.qualified_name.split()[0]
        tiers.setdefault(root, set()).add(command_tier(command))
    synced = {command["name"]: command for command in sandbox.commands()}
    moderator_only = [root for root, found in tiers.items() if found == {Tier.MODERATOR}]
    assert "admin" in moderator_only
    for root in moderator_only:
        assert hidden(synced[root]), root
    for menu in context_menus(nexus):
        if command_tier(menu) is Tier.MODERATOR:
            assert hidden(synced[menu.name]), menu.name


async def refusal_failures(
    bot: NexusBot, sandbox: SandboxServer, world: World, commands: list[AnyCommand]
) -> list[str]:
    """Invoke each command as a plain member; describe every one that did not refuse cleanly."""
    failures = []
    source_message(sandbox, world)
    await asyncio.sleep(0.1)  # let any listener finish with it before the first snapshot
    for command in commands:
        before = await dump_database(bot)
        reply = await invoke_as(sandbox, world, command, world.alice)
        after = await dump_database(bot)
        changed = sorted(name for name, rows in after.items() if before.get(name) != rows)
        refused = reply.ephemeral and reply.text.strip() in REFUSALS and reply.modal is None
        if not refused or changed:
            failures.append(f"{label(command)}: reply {reply.text[:120]!r}, changed {changed}")
    return failures


async def test_every_moderator_and_triager_command_refuses_a_member_and_changes_nothing(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    open_every_command_to_everyone(sandbox)
    walked = [*slash_commands(nexus), *context_menus(nexus)]
    restricted = [c for c in walked if command_tier(c) >= Tier.TRIAGER]
    assert len(restricted) >= 12, [label(c) for c in restricted]  # /admin alone has 12
    assert await refusal_failures(nexus, sandbox, world, restricted) == []


class LeakyCog(commands.Cog):
    """A moderator command whose author forgot the run-time check (only hidden, not enforced)."""

    leaky = app_commands.Group(
        name="leaky",
        description="test-only",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @leaky.command(name="wipe", description="test-only")
    async def wipe(self, interaction: discord.Interaction, target: str) -> None:
        await interaction.response.send_message(f"wiped {target}", ephemeral=True)

    wipe.callback.__nexus_tier__ = Tier.MODERATOR  # type: ignore[attr-defined]


async def test_the_walk_catches_a_command_that_is_only_hidden(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await nexus.add_cog(LeakyCog())
    await nexus.sync_commands()
    open_every_command_to_everyone(sandbox)
    leaky = [c for c in slash_commands(nexus) if c.qualified_name == "leaky wipe"]
    failures = await refusal_failures(nexus, sandbox, world, leaky)
    assert failures == ["/leaky wipe: reply 'wiped 1', changed []"]


async def test_member_commands_do_not_meet_the_tier_refusal(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    members = [
        c for c in [*slash_commands(nexus), *context_menus(nexus)] if command_tier(c) is Tier.MEMBER
    ]
    assert members, "the walk found no member command"
    refused = []
    for command in members:
        try:
            reply = await invoke_as(sandbox, world, command, world.alice)
        except SandboxError as error:
            # A feature still being built may not answer yet; that is its own test's business.
            # The tier check answers at once, so a silent command was not refused by tier.
            assert "cannot see" not in str(error), f"{label(command)} is hidden: {error}"
            continue
        if any(refusal in reply.text for refusal in REFUSALS):
            refused.append(label(command))
    assert refused == []
