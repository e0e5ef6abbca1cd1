"""`python -m bot check`: log in, and report what every configured guild is missing, then exit.

It uses REST only (no gateway session): the guild, its channels and the bot's own member are
fetched, and the bot's permissions are computed from them the way Discord does. Exit 0 when every
configured guild is in order, 1 otherwise (or when the token is refused).

The list of channel permissions the bot needs lives here so `/admin setup` checks the same ones.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import discord
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.db import Database
from bot.extensions import discover_extensions
from bot.feature import feature_classes, feature_intents, guild_settings_without_a_bot
from bot.guild_settings import GuildConfig, Kind
from bot.models import GuildSetting
from bot.runner.report import describe_runner

if TYPE_CHECKING:
    from bot.config import Settings

# (discord.Permissions attribute, the name Discord's UI shows). Every feature channel needs all.
REQUIRED_CHANNEL_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
    ("create_public_threads", "Create Public Threads"),
    ("create_private_threads", "Create Private Threads"),
    ("manage_threads", "Manage Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)

EXIT_OK = 0
EXIT_PROBLEMS = 1


def missing_channel_permissions(permissions: discord.Permissions) -> list[str]:
    """The names of the required permissions `permissions` lacks, in a stable order."""
    return [label for attr, label in REQUIRED_CHANNEL_PERMISSIONS if not getattr(permissions, attr)]


@dataclass
class GuildReport:
    guild_id: int
    name: str | None = None
    problems: list[str] = field(default_factory=list)


def _configured(config: GuildConfig, kind: Kind) -> list[tuple[str, int]]:
    return [
        (key, int(value.value))
        for key, value in config.values.items()
        if value.spec.kind is kind and value.value is not None
    ]


async def check_guild(client: discord.Client, config: GuildConfig) -> GuildReport:
    report = GuildReport(config.guild_id)
    assert client.user is not None
    try:
        guild = await client.fetch_guild(config.guild_id)
        channels = {channel.id: channel for channel in await guild.fetch_channels()}
        me = await guild.fetch_member(client.user.id)
    except (discord.NotFound, discord.Forbidden):
        report.problems.append("the bot is not a member of this server (or cannot see it)")
        return report
    report.name = guild.name
    for key, channel_id in _configured(config, Kind.TEXT_CHANNEL):
        channel = channels.get(channel_id)
        if channel is None:
            report.problems.append(f"{key}: channel {channel_id} no longer exists")
            continue
        if not isinstance(channel, discord.TextChannel):
            report.problems.append(f"{key}: #{channel.name} is not a text channel")
            continue
        missing = missing_channel_permissions(channel.permissions_for(me))
        if missing:
            report.problems.append(f"{key}: in #{channel.name} the bot lacks {', '.join(missing)}")
    for key, role_id in _configured(config, Kind.ROLE):
        if guild.get_role(role_id) is None:
            report.problems.append(f"{key}: role {role_id} no longer exists")
    for feature in feature_classes(discover_extensions()):
        report.problems.extend(feature.preflight_problems(config, channels, me))
    return report


async def message_content_problem(client: discord.Client, settings: Settings, out: TextIO) -> bool:
    """Whether a feature's configuration asks for the privileged Message Content intent that the
    application's Developer Portal switch does not grant (said on `out` either way)."""
    askers = sorted(
        name
        for name, intents in feature_intents(settings, discover_extensions()).items()
        if intents.message_content
    )
    if not askers:
        return False
    flags = (await client.application_info()).flags
    if flags.gateway_message_content or flags.gateway_message_content_limited:
        print(f"OK    Message Content intent enabled (asked for by {', '.join(askers)})", file=out)
        return False
    print(
        f"FAIL  Message Content intent not enabled, yet {', '.join(askers)} asks for it: the bot "
        "starts without it and reads no member's message text. Turn it on in the Developer "
        "Portal → your application → Bot → Privileged Gateway Intents → MESSAGE CONTENT INTENT.",
        file=out,
    )
    return True


async def configured_guilds(database: Database, settings: Settings) -> list[GuildConfig]:
    service = guild_settings_without_a_bot(database.sessions, settings, discover_extensions())
    async with database.sessions() as session:
        ids = (await session.scalars(select(GuildSetting.guild_id).distinct())).all()
    return [await service.get(int(guild_id)) for guild_id in sorted(ids)]


def print_report(reports: list[GuildReport], out: TextIO) -> None:
    for report in reports:
        title = f"{report.name} ({report.guild_id})" if report.name else str(report.guild_id)
        if not report.problems:
            print(f"OK    {title}", file=out)
            continue
        print(f"FAIL  {title}", file=out)
        for problem in report.problems:
            print(f"      - {problem}", file=out)


async def run_check(settings: Settings, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    for line in await describe_runner(settings.runner):
        print(line, file=out)
    if settings.discord_token is None:
        print(
            "nexus check: DISCORD_TOKEN is not set, so there is nothing to log in with. "
            "Set it to the bot's token (Developer Portal → your application → Bot).",
            file=out,
        )
        return EXIT_PROBLEMS
    from bot.app import point_discord_py_at

    point_discord_py_at(settings.discord.api_url, settings.discord.gateway_url)
    # REST only; the guilds intent just keeps discord.py from warning that state looks odd.
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        if not await _log_in(client, settings.discord_token.get_secret_value(), out):
            return EXIT_PROBLEMS
        intents_missing = await message_content_problem(client, settings, out)
        configs = await _stored_configs(settings, out)
        if configs is None:
            return EXIT_PROBLEMS
        if not configs:
            print(
                "nexus check: logged in; no server has Nexus settings yet (run /admin setup).",
                file=out,
            )
            return EXIT_PROBLEMS if intents_missing else EXIT_OK
        reports = [await check_guild(client, config) for config in configs]
    finally:
        await client.close()
    print_report(reports, out)
    failing = sum(1 for report in reports if report.problems)
    print(f"{len(reports) - failing} of {len(reports)} configured server(s) in order.", file=out)
    return EXIT_PROBLEMS if failing or intents_missing else EXIT_OK


async def _log_in(client: discord.Client, token: str, out: TextIO) -> bool:
    try:
        await client.login(token)
    except discord.LoginFailure:
        print(
            "nexus check: Discord refused the token (401 Unauthorized). Copy it again from "
            "the Developer Portal's Bot page into DISCORD_TOKEN.",
            file=out,
        )
        return False
    except (OSError, discord.HTTPException) as error:
        print(f"nexus check: cannot reach Discord: {error}", file=out)
        return False
    return True


async def _stored_configs(settings: Settings, out: TextIO) -> list[GuildConfig] | None:
    """Every guild with stored settings, or None (explained) when the database is not ready."""
    database = Database(settings.database)
    try:
        return await configured_guilds(database, settings)
    except SQLAlchemyError:
        print(
            "nexus check: the database has no Nexus tables yet. Start the bot once or run "
            "`python -m bot db upgrade`.",
            file=out,
        )
        return None
    finally:
        await database.close()
