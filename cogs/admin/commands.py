"""/admin: setup, config, stats, audit, export, forget, block, sync and reload (moderators).

Every command is moderator-only twice over: the group is hidden with `default_permissions`
(Manage Server) and each command carries `@require(Tier.MODERATOR)`, enforced at run time.
The cog parses, calls and replies: the changes and their audit records are flows.py's, the
automatic forget after a member leaves is leave_flow.py's, and the wording is render.py's.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import AuditRecord
from bot.formatters import plural
from bot.guild_settings import parse_value
from bot.markdown import safe, safe_truncate
from bot.permissions import Tier, guild_of, has_tier, require
from bot.settings_changes import SettingChanges
from bot.text import AUTOCOMPLETE_CHOICES_MAX, one_line
from bot.timezones import TIMEZONE_OPTION_MAX, timezone_choices
from bot.ui import Page, confirm, send_paginated
from cogs.admin.audit_actions import AuditActions
from cogs.admin.autocomplete import choice, matching, value_choices
from cogs.admin.discord_checks import ensure_moderator
from cogs.admin.export import ExportService
from cogs.admin.flows import ModeratorActions
from cogs.admin.forget import ForgetService
from cogs.admin.leave_flow import ForgetOnLeave
from cogs.admin.pending_forgets import PendingForgets
from cogs.admin.render import (
    audit_embed,
    describe_value,
    forget_embed,
    forget_prompt,
    settings_embed,
    settings_report,
    stats_embed,
)
from cogs.admin.rules import AdminError
from cogs.admin.views import ROLE_TIERS, SetupChoices, SetupView

if TYPE_CHECKING:
    from bot.app import NexusBot

AUDIT_PAGE_SIZE = 10


class AdminCog(commands.Cog):
    """The /admin commands and the automatic forget after a member leaves.

    Autocomplete callbacks run without the command's checks, so each one answers moderators
    only: a member who can see the command (an admin may show it to everyone) learns nothing
    from its suggestions.
    """

    admin = app_commands.Group(
        name="admin",
        description="Set up and moderate Nexus (moderators)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    config = app_commands.Group(
        name="config", description="Read and change this server's Nexus settings", parent=admin
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.forgetter = ForgetService(bot.db.sessions)
        self.audit_actions = AuditActions(
            bot.db.sessions, guilds_cached=bot.settings.memory.guilds_cached
        )
        self.exports = ExportService(bot.db.sessions)
        self.setting_changes = SettingChanges(bot.guild_settings, bot.audit)
        self.pending_forgets = PendingForgets(bot.db.sessions)
        self.forget_on_leave = ForgetOnLeave(bot, self.pending_forgets, self.forgetter)
        self.actions = ModeratorActions(bot, self.exports, self.forgetter, self.forget_on_leave)

    async def cog_load(self) -> None:
        await self.forget_on_leave.start()
        self._stop_counting = self.bot.guild_stats.count_also(self.pending_forgets.counts)

    async def cog_unload(self) -> None:
        self._stop_counting()
        await self.forget_on_leave.stop()

    def _channel_features(self) -> list[str]:
        """Features with a `channels.<feature>` setting, which /admin setup asks for."""
        keys = {spec.key for spec in self.bot.guild_settings.specs()}
        return [name for name in self.actions.feature_names() if f"channels.{name}" in keys]

    async def _feature_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        return [choice(name, name) for name in matching(self.actions.feature_names(), current)]

    # ---- /admin setup ---------------------------------------------------------------------

    @admin.command(
        name="setup", description="Set the feature channels, the roles and the time zone"
    )
    @app_commands.describe(timezone="the server's time zone, e.g. Europe/Berlin (IANA name)")
    @require(Tier.MODERATOR)
    async def setup(
        self,
        interaction: discord.Interaction,
        timezone: app_commands.Range[str, 1, TIMEZONE_OPTION_MAX] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        config = await self.bot.guild_settings.get(guild.id)
        chosen_zone = (
            parse_value(self.bot.guild_settings.spec("timezone"), timezone)
            if timezone
            else config.get("timezone")
        )
        choices = SetupChoices(
            channels={feature: config.channel_id(feature) for feature in self._channel_features()},
            roles={tier: config.get(f"roles.{tier}") for tier in ROLE_TIERS},
            timezone=chosen_zone,
        )
        view = SetupView(interaction.user.id, choices, self._save_setup)
        await interaction.response.send_message(view.text, view=view, ephemeral=True)
        view.remember(interaction)

    @setup.autocomplete("timezone")
    async def _setup_timezone(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        return timezone_choices(current)

    async def _save_setup(
        self, interaction: discord.Interaction, choices: SetupChoices
    ) -> discord.Embed:
        guild = guild_of(interaction)
        # The clicker is the view's owner, but their role may have changed since /admin setup.
        await ensure_moderator(interaction)
        return await self.actions.save_setup(
            guild, interaction.user.id, choices.channels, choices.roles, choices.timezone
        )

    # ---- /admin config --------------------------------------------------------------------

    @config.command(name="show", description="Every setting, its value and where it comes from")
    @require(Tier.MODERATOR)
    async def config_show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        config = await self.bot.guild_settings.get(guild.id)
        embed = settings_embed(settings_report(config))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @config.command(name="set", description="Change one setting of this server")
    @app_commands.describe(
        key="the setting (see /admin config show)",
        value="the new value; 'none' resets it to the default",
    )
    @require(Tier.MODERATOR)
    async def config_set(
        self,
        interaction: discord.Interaction,
        key: str,
        value: app_commands.Range[str, 1, 100],
    ) -> None:
        guild = guild_of(interaction)
        change = await self.setting_changes.change(guild, interaction.user.id, key, value)
        after, old = change.new, change.old
        await interaction.response.send_message(
            f"`{after.spec.key}` is now {describe_value(change.kind, after.value)} "
            f"(*{after.source.value}*; was {describe_value(change.kind, old.value)}).",
            ephemeral=True,
        )

    @config_set.autocomplete("key")
    async def _config_key(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        needle = current.strip().lower()
        return [
            choice(f"{spec.key} — {spec.description}", spec.key)
            for spec in self.bot.guild_settings.specs()
            if needle in spec.key or needle in spec.description.lower()
        ][:AUTOCOMPLETE_CHOICES_MAX]

    @config_set.autocomplete("value")
    async def _config_value(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        key = str(getattr(interaction.namespace, "key", "") or "")
        spec = next((s for s in self.bot.guild_settings.specs() if s.key == key), None)
        if spec is None or interaction.guild is None:
            return []
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        return value_choices(interaction.guild, spec.kind, spec.choices, current)

    # ---- /admin stats ---------------------------------------------------------------------

    @admin.command(name="stats", description="Counts per feature, uptime, latency, database size")
    @require(Tier.MODERATOR)
    async def stats(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        report = await self.bot.guild_stats.stats(guild.id, self.bot.features)
        latency = self.bot.latency
        size = await self.bot.db.size_bytes()
        embed = stats_embed(report, self.bot.uptime_seconds, latency, size)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ---- /admin audit ---------------------------------------------------------------------

    @admin.command(name="audit", description="The log of moderator actions, newest first")
    @app_commands.describe(user="only actions by this member", action="only this kind of action")
    @require(Tier.MODERATOR)
    async def audit(
        self,
        interaction: discord.Interaction,
        user: discord.User | None = None,
        action: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        actor_id = user.id if user else None
        wanted = action.strip() if action else None

        async def fetch(cursor: Any) -> Page[AuditRecord]:
            page = await self.bot.audit.list(
                guild.id,
                actor_id=actor_id,
                action=wanted,
                before_id=cursor,
                limit=AUDIT_PAGE_SIZE,
            )
            return Page(page.records, page.next_before_id)

        filters = [f"by {user.name}" if user else "", f"action {wanted}" if wanted else ""]
        shown = ", ".join(f for f in filters if f)
        heading = "Audit log" + (f" — {safe_truncate(shown, 200)}" if shown else "")
        await send_paginated(
            interaction,
            fetch,
            lambda page, number: audit_embed(heading, page.items, number),
            empty_message="No audit entries match." if shown else "The audit log is empty.",
        )

    @audit.autocomplete("action")
    async def _audit_action(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await has_tier(interaction, Tier.MODERATOR):
            return []
        actions = await self.audit_actions.matching(interaction.guild_id, current)
        return [choice(action, action) for action in actions]

    # ---- /admin export --------------------------------------------------------------------

    @admin.command(name="export", description="This server's Nexus data as one JSON file")
    @require(Tier.MODERATOR)
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        upload = await self.actions.export(
            guild.id, interaction.user.id, interaction.filesize_limit
        )
        await interaction.followup.send(
            f"Exported {plural(upload.total_rows, 'row')} from {plural(upload.tables, 'table')}"
            + (
                " (gzip-compressed: it was too large for one upload)." if upload.compressed else "."
            ),
            file=discord.File(io.BytesIO(upload.data), filename=upload.filename),
            ephemeral=True,
        )

    # ---- /admin forget --------------------------------------------------------------------

    @admin.command(name="forget", description="Remove a member's personal data from Nexus")
    @app_commands.describe(user="whose data to remove (they may have left the server)")
    @require(Tier.MODERATOR)
    async def forget(self, interaction: discord.Interaction, user: discord.User) -> None:
        guild = guild_of(interaction)
        previews = [
            preview
            for feature in self.bot.features
            if (preview := await feature.forget_preview(guild.id))
        ]
        prompt = forget_prompt(user.mention, previews)
        if not await confirm(interaction, prompt, confirm_label="Forget"):
            if not interaction.is_expired():
                await interaction.followup.send("Nothing was changed.", ephemeral=True)
            return
        outcome = await self.actions.forget(guild.id, interaction.user.id, user.id)
        await interaction.followup.send(embed=forget_embed(user.mention, outcome), ephemeral=True)

    # ---- /admin block, /admin unblock -----------------------------------------------------

    @admin.command(name="block", description="Bar a member from one feature")
    @app_commands.describe(user="who to block", feature="which feature", reason="why (optional)")
    @app_commands.autocomplete(feature=_feature_choices)
    @require(Tier.MODERATOR)
    async def block(
        self,
        interaction: discord.Interaction,
        user: discord.User,
        feature: str,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        await self.actions.block(guild.id, interaction.user.id, user, feature, reason)
        await interaction.response.send_message(
            f"{user.mention} is now blocked from {feature}"
            + (f" ({safe(reason)})." if reason else ".")
            + " Undo with `/admin unblock`.",
            ephemeral=True,
        )

    @admin.command(name="unblock", description="Let a blocked member use a feature again")
    @app_commands.describe(user="who to unblock", feature="which feature")
    @app_commands.autocomplete(feature=_feature_choices)
    @require(Tier.MODERATOR)
    async def unblock(
        self, interaction: discord.Interaction, user: discord.User, feature: str
    ) -> None:
        guild = guild_of(interaction)
        await self.actions.unblock(guild.id, interaction.user.id, user, feature)
        await interaction.response.send_message(
            f"{user.mention} can use {feature} again.", ephemeral=True
        )

    # ---- /admin sync, /admin reload -------------------------------------------------------

    @admin.command(name="sync", description="Re-send Nexus's commands to Discord now")
    @require(Tier.MODERATOR)
    async def sync(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        scopes = await self.actions.sync(guild.id, interaction.user.id)
        await interaction.followup.send(
            f"Commands synced ({plural(scopes, 'scope')}). Discord may take a minute to show "
            "changes in the command list.",
            ephemeral=True,
        )

    @admin.command(name="reload", description="Reload one feature's code without a restart")
    @app_commands.describe(extension="the extension to reload, e.g. cogs.snippets")
    @require(Tier.MODERATOR)
    async def reload(self, interaction: discord.Interaction, extension: str) -> None:
        guild = guild_of(interaction)
        name = extension.strip()
        if name not in self.bot.extensions:
            loaded = ", ".join(f"`{n}`" for n in sorted(self.bot.extensions))
            raise AdminError(
                f"No extension called {safe_truncate(one_line(name, 100), 120)} is loaded, so "
                f"nothing was reloaded. Loaded: {loaded}."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        synced = await self.actions.reload(guild.id, interaction.user.id, name)
        await interaction.followup.send(
            f"Reloaded `{name}`." + (" Its commands changed and were synced." if synced else ""),
            ephemeral=True,
        )

    @reload.autocomplete("extension")
    async def _reload_extension(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        return [choice(name, name) for name in matching(sorted(self.bot.extensions), current)]

    # ---- automatic forget after a member leaves -------------------------------------------

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        await self.forget_on_leave.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.forget_on_leave.member_returned(member.guild.id, member.id)
