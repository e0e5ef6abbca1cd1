"""What /admin changes: each change is made, then recorded in the audit log; the cog parses the
command and words the answer."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.code_blocks import truncate_code_block
from bot.markdown import safe_truncate
from bot.settings_changes import assignable_role, text_channel
from bot.text import MESSAGE_LIMIT, one_line
from cogs.admin.render import format_bytes, setup_embed
from cogs.admin.rules import AdminError

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.admin.export import ExportService
    from cogs.admin.forget import ForgetOutcome, ForgetService
    from cogs.admin.leave_flow import ForgetOnLeave


@dataclass(frozen=True)
class ExportUpload:
    data: bytes
    filename: str
    # Gzip-compressed because the plain file was larger than Discord takes in one upload.
    compressed: bool
    total_rows: int
    tables: int


class ModeratorActions:
    def __init__(
        self,
        bot: NexusBot,
        exports: ExportService,
        forgetter: ForgetService,
        forget_on_leave: ForgetOnLeave,
    ) -> None:
        self.bot = bot
        self.exports = exports
        self.forgetter = forgetter
        self.forget_on_leave = forget_on_leave

    def feature_names(self) -> list[str]:
        return [feature.feature for feature in self.bot.features]

    def _known_feature(self, feature: str) -> None:
        names = self.feature_names()
        if feature not in names:
            raise AdminError(
                f"{safe_truncate(one_line(feature, 50), 80)} is not a feature. Pick one of: "
                f"{', '.join(names)}. Nothing changed."
            )

    async def save_setup(
        self,
        guild: discord.Guild,
        actor_id: int,
        channel_ids: dict[str, int | None],
        roles: dict[str, int | None],
        timezone: str,
    ) -> discord.Embed:
        """Store /admin setup's picks in one go, or none of them if one is refused."""
        channels = {
            feature: text_channel(guild, f"channels.{feature}", channel_id)
            for feature, channel_id in channel_ids.items()
        }
        for tier, role_id in roles.items():
            assignable_role(guild, f"roles.{tier}", role_id)
        values: dict[str, Any] = {f"channels.{f}": c.id if c else None for f, c in channels.items()}
        values.update({f"roles.{tier}": role_id for tier, role_id in roles.items()})
        values["timezone"] = timezone
        await self.bot.guild_settings.set_many(guild.id, values, actor_id)
        await self.bot.audit.record(guild.id, actor_id, "admin.setup", None, dict(values))
        return setup_embed(guild, channels, roles, timezone)

    async def export(self, guild_id: int, actor_id: int, upload_limit: int) -> ExportUpload:
        """The guild's export as one upload, gzip-compressed when the plain file is too large."""
        now = self.bot.clock.now()
        result = await self.exports.export_guild(guild_id, now, self.bot.version)
        name = f"nexus-export-{guild_id}-{now:%Y%m%d-%H%M%S}.json"
        data, compressed = result.data, False
        if len(data) > upload_limit:
            data, name, compressed = gzip.compress(data), name + ".gz", True
        if len(data) > upload_limit:
            raise AdminError(
                f"This server's data is {format_bytes(len(result.data))}, more than Discord lets "
                f"me upload here ({format_bytes(upload_limit)}), even compressed. Run the export "
                "from the database directly."
            )
        await self.bot.audit.record(
            guild_id,
            actor_id,
            "admin.export",
            None,
            {"rows": result.total_rows, "bytes": len(data), "compressed": compressed},
        )
        return ExportUpload(data, name, compressed, result.total_rows, len(result.table_rows))

    async def forget(self, guild_id: int, actor_id: int, user_id: int) -> ForgetOutcome:
        outcome = await self.forgetter.forget_member(guild_id, user_id, self.bot.features)
        self.forget_on_leave.unschedule(guild_id, user_id)
        await self.bot.audit.record(
            guild_id,
            actor_id,
            "admin.forget",
            str(user_id),
            {"removed": outcome.removed, "failed": list(outcome.failed)},
        )
        return outcome

    async def block(
        self,
        guild_id: int,
        actor_id: int,
        user: discord.User,
        feature: str,
        reason: str | None,
    ) -> None:
        self._known_feature(feature)
        if user.bot:
            raise AdminError("Bots don't use Nexus features; there is nothing to block.")
        blocked = await self.bot.blocks.block(guild_id, user.id, feature, actor_id, reason)
        if not blocked:
            raise AdminError(f"{user.mention} is already blocked from {feature}. Nothing changed.")
        await self.bot.audit.record(
            guild_id, actor_id, "admin.block", str(user.id),
            {"feature": feature, "reason": reason},
        )  # fmt: skip

    async def unblock(self, guild_id: int, actor_id: int, user: discord.User, feature: str) -> None:
        self._known_feature(feature)
        if not await self.bot.blocks.unblock(guild_id, user.id, feature):
            raise AdminError(f"{user.mention} is not blocked from {feature}. Nothing changed.")
        await self.bot.audit.record(
            guild_id, actor_id, "admin.unblock", str(user.id), {"feature": feature}
        )

    async def sync(self, guild_id: int, actor_id: int) -> int:
        """Send every command to Discord now; how many scopes were synced."""
        scopes = await self.bot.sync_commands(force=True)
        await self.bot.audit.record(guild_id, actor_id, "admin.sync", None, {"scopes": scopes})
        return scopes

    async def reload(self, guild_id: int, actor_id: int, name: str) -> bool:
        """Reload a loaded extension; True when its commands changed and were synced."""
        try:
            await self.bot.reload_extension(name)
        except commands.ExtensionError as error:
            cause = error.__cause__ or error
            summary = f"{type(cause).__name__}: {cause}"
            await self.bot.audit.record(
                guild_id, actor_id, "admin.reload", name,
                {"ok": False, "error": summary[:500]},
            )  # fmt: skip
            block, _ = truncate_code_block(summary, "", MESSAGE_LIMIT - 200)
            raise AdminError(
                f"Reloading `{name}` failed; the previous version is still running.\n{block}"
            ) from error
        synced = await self.bot.sync_commands()
        await self.bot.audit.record(guild_id, actor_id, "admin.reload", name, {"ok": True})
        return bool(synced)
