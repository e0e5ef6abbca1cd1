"""/nexus ping, help, about, web (a one-time sign-in link), and token create|list|revoke
(personal API tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import format_duration, format_latency
from bot.permissions import guild_of
from bot.text import EMBED_FIELD_VALUE_LIMIT, truncate
from bot.web.refresh_tokens import RefreshTokens
from bot.web.sign_in_links import LINK_PATH, SignInLinks
from bot.web.tokens import API_FEATURE, ApiTokens
from cogs.meta.service import CommandLine, build_help
from cogs.meta.token_text import WEB_OFF, created_text, sign_in_text, token_list_text

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


class MetaCog(FeatureCog):
    """About Nexus, and the personal API tokens (the `api` feature: /admin block api bars a
    member from the API and from making tokens, /admin forget revokes their tokens)."""

    feature = API_FEATURE
    nexus = app_commands.Group(name="nexus", description="About Nexus itself")
    token = app_commands.Group(name="token", description="Personal API tokens", parent=nexus)

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.tokens = ApiTokens(bot.db.sessions, bot.clock)
        self.links = SignInLinks(bot.db.sessions, bot.clock)
        self.refresh_tokens = RefreshTokens(bot.db.sessions, bot.clock)

    def blockable(self, command_name: str) -> bool:
        # Only the API's commands (tokens, web sign-in); ping, help and about stay open to all.
        return command_name.startswith(("nexus token", "nexus web"))

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        await self.links.forget(guild_id, user_id)
        return {
            "API tokens revoked": await self.tokens.forget(guild_id, user_id),
            "web sign-ins ended": await self.refresh_tokens.forget(guild_id, user_id),
        }

    async def forget_preview(self, guild_id: int) -> str:
        return "their API tokens are revoked and their web sign-ins ended"

    @nexus.command(name="web", description="A one-time link that signs you in to Nexus's web")
    async def web(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        base = self._web_base()
        if base is None:
            await interaction.response.send_message(WEB_OFF, ephemeral=True)
            return
        code = await self.links.create(guild.id, interaction.user.id)
        # Without embeds: Discord's link preview would fetch the URL, and spend the link.
        await interaction.response.send_message(
            sign_in_text(f"{base}{LINK_PATH}{code}"), ephemeral=True, suppress_embeds=True
        )

    def _web_base(self) -> str | None:
        """Where people reach Nexus's web server: web.public_url, else its host and port."""
        if self.bot.web_port is None:
            return None
        web = self.bot.settings.web
        return web.public_url or f"http://{web.host}:{self.bot.web_port}"

    async def stats(self, guild_id: int) -> FeatureStats:
        return {"API tokens": await self.tokens.count(guild_id)}

    @token.command(name="create", description="Make a personal API token (shown once)")
    @app_commands.describe(name="a name to tell it apart", scope="read: GET only; write: all")
    async def token_create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        scope: Literal["read", "write"],
    ) -> None:
        guild = guild_of(interaction)
        made = await self.tokens.create(guild.id, interaction.user.id, name, scope)
        await interaction.response.send_message(created_text(made, guild.id), ephemeral=True)

    @token.command(name="list", description="Your API tokens here: name, scope, when made and used")
    async def token_list(self, interaction: discord.Interaction) -> None:
        found = await self.tokens.list(guild_of(interaction).id, interaction.user.id)
        await interaction.response.send_message(token_list_text(found), ephemeral=True)

    @token.command(name="revoke", description="Revoke one of your API tokens")
    @app_commands.describe(name="the token's name")
    async def token_revoke(self, interaction: discord.Interaction, name: str) -> None:
        await self.tokens.revoke(guild_of(interaction).id, interaction.user.id, name)
        await interaction.response.send_message(
            f"Revoked `{name.strip()[:32]}`: it no longer works.", ephemeral=True
        )

    @token_revoke.autocomplete("name")
    async def _token_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.tokens.list(interaction.guild_id, interaction.user.id)
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=token.name, value=token.name)
            for token in found
            if typed in token.name.lower()
        ][:25]

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
