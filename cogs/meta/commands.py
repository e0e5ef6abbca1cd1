"""/nexus ping, /nexus help, /nexus about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatters import format_duration, format_latency
from bot.text import EMBED_FIELD_VALUE_LIMIT, truncate
from cogs.meta.service import CommandLine, build_help

if TYPE_CHECKING:
    from bot.app import NexusBot

PROJECT_URL = "https://github.com/prodevprojectnexus/nexus"
NEXUS_COLOUR = discord.Colour.blurple()


def walk_command_lines(tree: app_commands.CommandTree[Any]) -> list[CommandLine]:
    lines: list[CommandLine] = []
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            lines.append(CommandLine(f"/{command.qualified_name}", command.description))
    return lines


def context_menu_lines(tree: app_commands.CommandTree[Any]) -> list[CommandLine]:
    return [
        CommandLine(menu.name, "message menu")
        for menu in tree.get_commands(type=discord.AppCommandType.message)
    ]


class MetaCog(commands.Cog):
    nexus = app_commands.Group(name="nexus", description="About Nexus itself")

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot

    @nexus.command(name="ping", description="How fast Nexus hears Discord and its database")
    async def ping(self, interaction: discord.Interaction) -> None:
        # Both figures are the latest background measurements (heartbeats, the database probe),
        # so answering costs nothing that would distort them.
        gateway_text = format_latency(self.bot.latency)
        health = self.bot.database_health
        if health.seconds is None:
            database_text = "unreachable"
        else:
            database_text = f"{health.seconds * 1000:.1f} ms"
        if health.measured_at is not None:
            database_text += f" (checked <t:{int(health.measured_at.timestamp())}:R>)"
        await interaction.response.send_message(
            f"Pong! Gateway {gateway_text} · database {database_text}", ephemeral=True
        )

    @nexus.command(name="help", description="What Nexus does, and every command's purpose")
    async def help(self, interaction: discord.Interaction) -> None:
        sections = build_help(walk_command_lines(self.bot.tree), context_menu_lines(self.bot.tree))
        embed = discord.Embed(
            title="Nexus — what I can do",
            description="Slash commands, grouped by feature. Type `/` to see their options.",
            colour=NEXUS_COLOUR,
        )
        for section in sections[:25]:
            body = "\n".join(f"`{line.path}` — {line.description}" for line in section.commands)
            header = f"*{section.description}*\n" if section.description else ""
            embed.add_field(
                name=section.title,
                value=truncate(header + body, EMBED_FIELD_VALUE_LIMIT),
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @nexus.command(name="about", description="Version, uptime and links")
    async def about(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title="Nexus",
            description="The #ProDevProjectNexus bot: snippets, pairing, API feedback and "
            "announcements for backend and frontend learners.",
            colour=NEXUS_COLOUR,
        )
        embed.add_field(name="Version", value=self.bot.version)
        embed.add_field(name="Uptime", value=format_duration(self.bot.uptime_seconds))
        embed.add_field(name="discord.py", value=discord.__version__)
        embed.add_field(name="Source", value=PROJECT_URL, inline=False)
        embed.add_field(name="Code that can run", value=self._languages(), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def _languages(self) -> str:
        """Which languages /run takes here, and why the others are off (said once)."""
        runner = self.bot.runner
        if runner.unavailable_reason is not None:
            return truncate(f"none: {runner.unavailable_reason}", EMBED_FIELD_VALUE_LIMIT)
        lines = [
            f"✅ {status.label}" if status.available else f"❌ {status.label}: {status.reason}"
            for status in runner.languages()
        ]
        return truncate("\n".join(lines) or "none", EMBED_FIELD_VALUE_LIMIT)
