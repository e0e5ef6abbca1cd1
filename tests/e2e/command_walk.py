"""Walking the live command tree: every slash command and context menu the running bot synced.

Shared by the permission walk and the fuzz, so a command added later falls under both without
anyone listing it, in a server and, where Discord offers it, outside one (a DM with the bot, a
private channel reached through a member's install). Also the backend-agnostic database
snapshot both compare against.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

import discord
from discord import app_commands
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import NexusBot
from bot.db import Base
from bot.sandbox import SandboxServer
from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import SandboxError
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


# Table names per engine: the schema does not change while a bot runs, and inspecting it costs
# more round trips than reading a small test database.
_TABLES: weakref.WeakKeyDictionary[AsyncEngine, list[str]] = weakref.WeakKeyDictionary()


async def dump_database(bot: NexusBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, the core's included (and FTS shadow tables on SQLite)."""
    # The weekly search counts wait in memory a few seconds before they are written
    # (cogs/snippets/search_counts.py): written now, they are part of this snapshot, rather
    # than landing in a later command's.
    snippets = bot.get_cog("SnippetsCog")
    if snippets is not None:
        await snippets.parts.search_counts.write()  # type: ignore[attr-defined]
    engine = bot.db.engine
    async with engine.connect() as connection:
        if engine not in _TABLES:
            _TABLES[engine] = await connection.run_sync(table_names)
        names = _TABLES[engine]
        path = engine.url.database
        if connection.dialect.name == "sqlite" and path not in (None, "", ":memory:"):
            # One plain connection in one worker thread reads every table: through the async
            # driver each statement would be a round trip to its thread (the fuzz snapshots
            # thousands of times). It sees the same committed rows.
            return await asyncio.to_thread(_read_sqlite_file, str(path), names)
        dump = {}
        for name in names:
            rows = (await connection.execute(text(f'SELECT * FROM "{name}"'))).all()
            dump[name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def _read_sqlite_file(path: str, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }
    finally:
        connection.close()


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


def outside_refusal(command: AnyCommand) -> str | None:
    """What a `server_only` subcommand answers outside a server (None: it is not one)."""
    if not getattr(command.callback, "__nexus_server_only__", False):
        return None
    return f"Use /{command.qualified_name} in a server where Nexus is; it doesn't work here."


def offered_in(sandbox: SandboxServer, command: AnyCommand, user: Any, channel: Any) -> bool:
    """Whether Discord's client offers `command` to `user` in `channel` (a DM, a group DM)."""
    kind = 1 if isinstance(command, app_commands.Command) else int(command.type.value)
    name = command.qualified_name.split()[0] if kind == 1 else command.name
    try:
        synced, _ = sandbox.builder.find_command(name, kind, None)
        sandbox.builder.check_usable(synced, None, channel, user)
    except SandboxError:
        return False
    return True


def takes_server_things(command: AnyCommand) -> bool:
    """Options naming a server's channel or role: the client offers none outside a server."""
    if not isinstance(command, app_commands.Command):
        return False
    server_kinds = (discord.AppCommandOptionType.channel, discord.AppCommandOptionType.role)
    return any(p.required and p.type in server_kinds for p in command.parameters)


async def invoke_outside(
    sandbox: SandboxServer, world: World, command: AnyCommand, user: Any, channel: Any
) -> Any:
    """`command` as `user` in `channel` outside a server, with the walk's plain values; a
    message menu acts on a message of theirs there."""
    if isinstance(command, app_commands.ContextMenu):
        if command.type is discord.AppCommandType.message:
            message = sandbox.send_user_message(channel, user, "```py\nprint(1)\n```")
            return await sandbox.invoke_message_command(command.name, message=message, user=user)
        return await sandbox.invoke_user_command(
            command.name, target=world.bob, user=user, channel=channel
        )
    return await sandbox.invoke(
        f"/{command.qualified_name}",
        user=user,
        channel=channel,
        options=options_for(command, world),
    )
