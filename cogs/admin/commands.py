"""/admin: setup, config, stats, audit, export, forget, block, sync and reload (moderators).

Every command is moderator-only twice over: the group is hidden with `default_permissions`
(Manage Server) and each command carries `@require(Tier.MODERATOR)`, enforced at run time.
Discord-side validation (a channel is a text channel of this guild, a role sits below the bot's)
happens here because it needs the guild; the rest is in service.py.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import AuditRecord
from bot.code_blocks import truncate_code_block
from bot.errors import TierRequired
from bot.formatters import discord_timestamp, plural
from bot.guild_settings import Kind, parse_value
from bot.markdown import safe, safe_truncate
from bot.permissions import Tier, guild_of, has_tier, require
from bot.preflight import missing_channel_permissions
from bot.text import (
    AUTOCOMPLETE_CHOICES_MAX,
    AUTOCOMPLETE_NAME_LIMIT,
    CHOICE_VALUE_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    MESSAGE_LIMIT,
    one_line,
    truncate,
)
from bot.timezones import TIMEZONE_OPTION_MAX, timezone_choices
from bot.ui import Page, confirm, send_paginated
from cogs.admin.service import (
    FORGET_KIND,
    PENDING_REMOVED,
    AdminError,
    AdminService,
    ExportService,
    ForgetOutcome,
    NothingToForget,
    PendingForgetPlan,
    describe_value,
    format_bytes,
    format_duration,
    settings_report,
)
from cogs.admin.views import ROLE_TIERS, SetupChoices, SetupView

if TYPE_CHECKING:
    from bot.app import NexusBot

log = logging.getLogger(__name__)

ADMIN_COLOUR = discord.Colour.dark_teal()
AUDIT_PAGE_SIZE = 10
FORGET_RETRY = timedelta(hours=1)
FORGET_HANDLER = "admin.forget"


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(
        name=truncate(name, AUTOCOMPLETE_NAME_LIMIT), value=value[:CHOICE_VALUE_LIMIT]
    )


def _matching(names: list[str], current: str) -> list[str]:
    needle = current.strip().lower()
    return [name for name in names if needle in name.lower()][:AUTOCOMPLETE_CHOICES_MAX]


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
        self.service = AdminService(bot.db.sessions)
        self.exports = ExportService(bot.db.sessions)

    async def cog_load(self) -> None:
        self.bot.scheduler.handle(FORGET_HANDLER, self._forget_job)
        for plan in await self.service.pending_forgets():
            self.schedule(plan)

    async def cog_unload(self) -> None:
        for plan in await self.service.pending_forgets():
            self.bot.scheduler.cancel(plan.job_id)
        self.bot.scheduler.unhandle(FORGET_HANDLER)

    def _feature_names(self) -> list[str]:
        return [feature.feature for feature in self.bot.features]

    def _channel_features(self) -> list[str]:
        """Features with a `channels.<feature>` setting, which /admin setup asks for."""
        keys = {spec.key for spec in self.bot.guild_settings.specs()}
        return [name for name in self._feature_names() if f"channels.{name}" in keys]

    def _known_feature(self, feature: str) -> None:
        names = self._feature_names()
        if feature not in names:
            raise AdminError(
                f"{safe_truncate(one_line(feature, 50), 80)} is not a feature. Pick one of: "
                f"{', '.join(names)}. Nothing changed."
            )

    async def _feature_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not await has_tier(interaction, Tier.MODERATOR):
            return []
        return [_choice(name, name) for name in _matching(self._feature_names(), current)]

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
        await _ensure_moderator(interaction)
        channels = {
            feature: _text_channel(guild, f"channels.{feature}", channel_id)
            for feature, channel_id in choices.channels.items()
        }
        for tier, role_id in choices.roles.items():
            _assignable_role(guild, f"roles.{tier}", role_id)
        values: dict[str, Any] = {f"channels.{f}": c.id if c else None for f, c in channels.items()}
        values.update({f"roles.{tier}": role_id for tier, role_id in choices.roles.items()})
        values["timezone"] = choices.timezone
        await self.bot.guild_settings.set_many(guild.id, values, interaction.user.id)
        await self.bot.audit.record(
            guild.id, interaction.user.id, "admin.setup", None, dict(values)
        )
        return _setup_embed(guild, channels, choices)

    # ---- /admin config --------------------------------------------------------------------

    @config.command(name="show", description="Every setting, its value and where it comes from")
    @require(Tier.MODERATOR)
    async def config_show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        config = await self.bot.guild_settings.get(guild.id)
        lines = [
            f"**{line.key}** — {line.shown_value} · *{line.source.value}*\n{line.description}"
            for line in settings_report(config)
        ]
        embed = discord.Embed(
            title="Nexus settings",
            description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
            colour=ADMIN_COLOUR,
        )
        embed.set_footer(text="Change one with /admin config set key value (value 'none' resets)")
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
        spec = self.bot.guild_settings.spec(key)
        parsed = parse_value(spec, value)
        if spec.kind is Kind.TEXT_CHANNEL:
            _text_channel(guild, spec.key, parsed)
        elif spec.kind is Kind.ROLE:
            _assignable_role(guild, spec.key, parsed)
        before = await self.bot.guild_settings.get(guild.id)
        old = before.values[spec.key]
        await self.bot.guild_settings.set(guild.id, spec.key, parsed, interaction.user.id)
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "admin.config.set",
            spec.key,
            {"old": old.value, "new": parsed},
        )
        after = (await self.bot.guild_settings.get(guild.id)).values[spec.key]
        await interaction.response.send_message(
            f"`{spec.key}` is now {describe_value(spec.kind, after.value)} "
            f"(*{after.source.value}*; was {describe_value(spec.kind, old.value)}).",
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
            _choice(f"{spec.key} — {spec.description}", spec.key)
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
        report = await self.service.stats(guild.id, self.bot.features)
        embed = discord.Embed(title="Nexus statistics", colour=ADMIN_COLOUR)
        for feature, counters in sorted(report.features.items()):
            body = "\n".join(f"{name}: **{count}**" for name, count in counters.items())
            embed.add_field(
                name=feature, value=truncate(body or "nothing yet", EMBED_FIELD_VALUE_LIMIT)
            )
        for feature in report.failed:
            embed.add_field(name=feature, value="counts unavailable (see the log)")
        embed.add_field(
            name="core",
            value="\n".join(f"{name}: **{count}**" for name, count in report.core.items()),
        )
        latency = self.bot.latency
        size = await self.bot.db.size_bytes()
        embed.add_field(
            name="runtime",
            value=(
                f"uptime: **{format_duration(self.bot.uptime_seconds)}**\n"
                f"gateway latency: **{_latency_text(latency)}**\n"
                f"database size: **{format_bytes(size)}**"
            ),
            inline=False,
        )
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
            lambda page, number: _audit_embed(heading, page.items, number),
            empty_message="No audit entries match." if shown else "The audit log is empty.",
        )

    @audit.autocomplete("action")
    async def _audit_action(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await has_tier(interaction, Tier.MODERATOR):
            return []
        actions = await self.service.audit_actions(interaction.guild_id, current)
        return [_choice(action, action) for action in actions]

    # ---- /admin export --------------------------------------------------------------------

    @admin.command(name="export", description="This server's Nexus data as one JSON file")
    @require(Tier.MODERATOR)
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        result = await self.exports.export_guild(guild.id, now, self.bot.version)
        name = f"nexus-export-{guild.id}-{now:%Y%m%d-%H%M%S}.json"
        data, compressed = result.data, False
        limit = interaction.filesize_limit
        if len(data) > limit:
            data, name, compressed = gzip.compress(data), name + ".gz", True
        if len(data) > limit:
            raise AdminError(
                f"This server's data is {format_bytes(len(result.data))}, more than Discord lets "
                f"me upload here ({format_bytes(limit)}), even compressed. Run the export from "
                "the database directly."
            )
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "admin.export",
            None,
            {"rows": result.total_rows, "bytes": len(data), "compressed": compressed},
        )
        await interaction.followup.send(
            f"Exported {plural(result.total_rows, 'row')} from "
            f"{plural(len(result.table_rows), 'table')}"
            + (" (gzip-compressed: it was too large for one upload)." if compressed else "."),
            file=discord.File(io.BytesIO(data), filename=name),
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
        effects = f" {_clauses(previews)}." if previews else ""
        prompt = (
            f"Forget everything Nexus holds about {user.mention} in this server?{effects} "
            "This cannot be undone."
        )
        if not await confirm(interaction, prompt, confirm_label="Forget"):
            if not interaction.is_expired():
                await interaction.followup.send("Nothing was changed.", ephemeral=True)
            return
        outcome = await self.service.forget_member(guild.id, user.id, self.bot.features)
        self.bot.scheduler.cancel(PendingForgetPlan(guild.id, user.id, _EPOCH).job_id)
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "admin.forget",
            str(user.id),
            {"removed": outcome.removed, "failed": list(outcome.failed)},
        )
        await interaction.followup.send(embed=_forget_embed(user.mention, outcome), ephemeral=True)

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
        self._known_feature(feature)
        if user.bot:
            raise AdminError("Bots don't use Nexus features; there is nothing to block.")
        blocked = await self.bot.blocks.block(
            guild.id, user.id, feature, interaction.user.id, reason
        )
        if not blocked:
            raise AdminError(f"{user.mention} is already blocked from {feature}. Nothing changed.")
        await self.bot.audit.record(
            guild.id, interaction.user.id, "admin.block", str(user.id),
            {"feature": feature, "reason": reason},
        )  # fmt: skip
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
        self._known_feature(feature)
        if not await self.bot.blocks.unblock(guild.id, user.id, feature):
            raise AdminError(f"{user.mention} is not blocked from {feature}. Nothing changed.")
        await self.bot.audit.record(
            guild.id, interaction.user.id, "admin.unblock", str(user.id), {"feature": feature}
        )
        await interaction.response.send_message(
            f"{user.mention} can use {feature} again.", ephemeral=True
        )

    # ---- /admin sync, /admin reload -------------------------------------------------------

    @admin.command(name="sync", description="Re-send Nexus's commands to Discord now")
    @require(Tier.MODERATOR)
    async def sync(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        scopes = await self.bot.sync_commands(force=True)
        await self.bot.audit.record(
            guild.id, interaction.user.id, "admin.sync", None, {"scopes": scopes}
        )
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
        try:
            await self.bot.reload_extension(name)
        except commands.ExtensionError as error:
            cause = error.__cause__ or error
            summary = f"{type(cause).__name__}: {cause}"
            await self.bot.audit.record(
                guild.id, interaction.user.id, "admin.reload", name,
                {"ok": False, "error": summary[:500]},
            )  # fmt: skip
            block, _ = truncate_code_block(summary, "", MESSAGE_LIMIT - 200)
            raise AdminError(
                f"Reloading `{name}` failed; the previous version is still running.\n{block}"
            ) from error
        synced = await self.bot.sync_commands()
        await self.bot.audit.record(
            guild.id, interaction.user.id, "admin.reload", name, {"ok": True}
        )
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
        return [_choice(name, name) for name in _matching(sorted(self.bot.extensions), current)]

    # ---- automatic forget after a member leaves -------------------------------------------

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        config = await self.bot.guild_settings.get(payload.guild_id)
        if not config.get("privacy.forget_on_leave"):
            return
        delay = timedelta(days=int(config.get("privacy.forget_delay_days")))
        due_at = await self.service.schedule_forget(
            payload.guild_id, payload.user.id, self.bot.clock.now(), delay
        )
        self.schedule(PendingForgetPlan(payload.guild_id, payload.user.id, due_at))
        log.info(
            "member %s left guild %s: forget due %s", payload.user.id, payload.guild_id, due_at
        )

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if await self.service.cancel_forget(member.guild.id, member.id):
            self.bot.scheduler.cancel(PendingForgetPlan(member.guild.id, member.id, _EPOCH).job_id)
            log.info("member %s rejoined guild %s: forget cancelled", member.id, member.guild.id)

    def schedule(self, plan: PendingForgetPlan) -> None:
        """Queue the job; a forget already due (it came due while the bot was down) runs now."""
        self.bot.scheduler.schedule_at(
            plan.job_id, plan.due_at, FORGET_HANDLER, plan.guild_id, plan.user_id
        )

    async def _forget_job(self, guild_id: int, user_id: int) -> None:
        try:
            await self.forget_if_due(guild_id, user_id)
        except Exception:
            log.exception("automatic forget of %s in guild %s failed", user_id, guild_id)

    async def forget_if_due(self, guild_id: int, user_id: int) -> ForgetOutcome | None:
        """Run one pending forget: once (claimed), only when due, and only if the guild still
        forgets leavers and the member has not come back. A failure is retried an hour later
        (a new occurrence), so a crash never loses the forget."""
        await self.bot.wait_until_ready()
        plan = await self.service.pending_forget(guild_id, user_id)
        if plan is None:
            return None
        if plan.due_at > self.bot.clock.now():
            self.schedule(plan)
            return None
        config = await self.bot.guild_settings.get(guild_id)
        guild = self.bot.get_guild(guild_id)
        back = guild is not None and guild.get_member(user_id) is not None
        if back or not config.get("privacy.forget_on_leave"):
            await self.service.cancel_forget(guild_id, user_id)
            return None
        async with self.bot.occurrences.occurrence(FORGET_KIND, plan.item_key, plan.due_at) as run:
            if not run.claimed:
                return None
            try:
                outcome = await self._forget_left_member(plan)
            except Exception:
                await self._retry_later(plan)
                raise
            run.result = json.dumps(outcome.removed)[:200]
        if outcome.failed:
            await self._retry_later(plan)
        return outcome

    async def _forget_left_member(self, plan: PendingForgetPlan) -> ForgetOutcome:
        try:
            outcome = await self.service.forget_member(
                plan.guild_id, plan.user_id, self.bot.features
            )
        except NothingToForget:
            outcome = ForgetOutcome({})
        # The pending row itself is the plan being carried out, not the member's data.
        removed = {k: v for k, v in outcome.removed.items() if k != PENDING_REMOVED}
        outcome = ForgetOutcome(removed, outcome.failed)
        await self.bot.audit.record(
            plan.guild_id, None, "admin.forget.auto", str(plan.user_id),
            {"removed": outcome.removed, "failed": list(outcome.failed)},
        )  # fmt: skip
        return outcome

    async def _retry_later(self, plan: PendingForgetPlan) -> None:
        retry_at = self.bot.clock.now() + FORGET_RETRY
        await self.service.reschedule_forget(plan.guild_id, plan.user_id, retry_at)
        self.schedule(PendingForgetPlan(plan.guild_id, plan.user_id, retry_at))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _clauses(clauses: list[str]) -> str:
    """["their x is kept", "their y is removed"] → "Their x is kept and their y is removed"."""
    listed = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return listed[:1].upper() + listed[1:]


# ---- Discord-side validation ----------------------------------------------------------------


async def _ensure_moderator(interaction: discord.Interaction) -> None:
    if not await has_tier(interaction, Tier.MODERATOR):
        raise TierRequired(Tier.MODERATOR.label)


def _text_channel(
    guild: discord.Guild, key: str, channel_id: int | None
) -> discord.TextChannel | None:
    if channel_id is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        raise AdminError(f"`{key}`: there is no channel with id {channel_id} in this server.")
    if not isinstance(channel, discord.TextChannel):
        kind = str(channel.type).replace("_", " ")
        raise AdminError(
            f"`{key}`: {channel.mention} is a {kind} channel; pick a text channel. Nothing changed."
        )
    return channel


def _assignable_role(guild: discord.Guild, key: str, role_id: int | None) -> discord.Role | None:
    if role_id is None:
        return None
    role = guild.get_role(role_id)
    if role is None:
        raise AdminError(f"`{key}`: there is no role with id {role_id} in this server.")
    if role.is_default():
        raise AdminError(f"`{key}` cannot be @everyone: that would give every member the tier.")
    if role >= guild.me.top_role:
        raise AdminError(
            f"`{key}`: {role.mention} is not below my highest role ({guild.me.top_role.mention}). "
            "Move my role above it in Server Settings → Roles, or pick another role. "
            "Nothing changed."
        )
    return role


def value_choices(
    guild: discord.Guild, kind: Kind, choices: tuple[str, ...], current: str
) -> list[app_commands.Choice[str]]:
    """Suggestions for `/admin config set value`, by the chosen key's kind."""
    needle = current.strip().lower()
    if kind is Kind.TEXT_CHANNEL:
        return [
            _choice(f"#{c.name}", str(c.id))
            for c in guild.text_channels
            if needle in c.name.lower()
        ][:AUTOCOMPLETE_CHOICES_MAX]
    if kind is Kind.ROLE:
        top = guild.me.top_role
        return [
            _choice(f"@{r.name}", str(r.id))
            for r in reversed(guild.roles)
            if not r.is_default() and r < top and needle in r.name.lower()
        ][:AUTOCOMPLETE_CHOICES_MAX]
    if kind is Kind.TIMEZONE:
        return timezone_choices(current)
    if kind is Kind.BOOL:
        return [_choice(v, v) for v in ("true", "false") if needle in v]
    if kind is Kind.CHOICE:
        return [_choice(v, v) for v in choices if needle in v]
    return []


# ---- rendering ------------------------------------------------------------------------------


def _latency_text(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if math.isfinite(seconds) else "not measured yet"


def _setup_embed(
    guild: discord.Guild,
    channels: dict[str, discord.TextChannel | None],
    choices: SetupChoices,
) -> discord.Embed:
    embed = discord.Embed(title="Nexus is set up", colour=ADMIN_COLOUR)
    problems = 0
    lines = []
    for feature, channel in channels.items():
        if channel is None:
            lines.append(f"**{feature}**: not set — this feature has nowhere to post")
            problems += 1
            continue
        missing = missing_channel_permissions(channel.permissions_for(guild.me))
        if missing:
            problems += 1
            lines.append(f"**{feature}**: {channel.mention} — ⚠️ I lack {', '.join(missing)}")
        else:
            lines.append(f"**{feature}**: {channel.mention} — ✅ all permissions")
    embed.add_field(name="Channels", value="\n".join(lines), inline=False)
    roles = [
        f"**{tier}**: {f'<@&{role_id}>' if role_id else 'not set'}"
        for tier, role_id in choices.roles.items()
    ]
    embed.add_field(name="Roles", value="\n".join(roles), inline=False)
    embed.add_field(name="Time zone", value=f"`{choices.timezone}`", inline=False)
    if problems:
        embed.colour = discord.Colour.orange()
        embed.set_footer(
            text="Fix the ⚠️ items in the channel settings, then run /admin setup again."
        )
    return embed


def _audit_embed(heading: str, records: Any, page_number: int) -> discord.Embed:
    lines = []
    for record in records:
        who = f"<@{record.actor_id}>" if record.actor_id else "Nexus"
        target = f" → {safe(one_line(record.target, 60))}" if record.target else ""
        details = one_line(json.dumps(record.details, ensure_ascii=False), 160)
        lines.append(
            f"`#{record.id}` {discord_timestamp(record.created_at, 'f')} {who} "
            f"**{safe(record.action)}**{target}\n{safe(details) if record.details else ''}"
        )
    embed = discord.Embed(
        title=truncate(heading, 256),
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=ADMIN_COLOUR,
    )
    embed.set_footer(text=f"Page {page_number}")
    return embed


def _forget_embed(mention: str, outcome: ForgetOutcome) -> discord.Embed:
    lines = [f"{what}: **{count}**" for what, count in outcome.removed.items()]
    embed = discord.Embed(
        title="Member forgotten",
        description=truncate(
            f"Removed or anonymised for {mention}:\n" + ("\n".join(lines) or "nothing"),
            EMBED_DESCRIPTION_LIMIT,
        ),
        colour=ADMIN_COLOUR,
    )
    if outcome.failed:
        embed.colour = discord.Colour.orange()
        embed.add_field(
            name="⚠️ Not finished",
            value=truncate(
                f"{', '.join(outcome.failed)} could not forget this member (see the log). "
                "Run /admin forget again later.",
                EMBED_FIELD_VALUE_LIMIT,
            ),
        )
    return embed
