"""Changing one of a guild's settings, the one way `/admin config set` and the API both do it:
parse what was typed, check a channel or role against the guild itself, store, audit.

The checks need the guild as Discord shows it (a channel's type, the bot's highest role), so
this takes the `discord.Guild`; the stored value is still plain ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.guild_settings import Kind, SettingValue, parse_value

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.audit import AuditService
    from bot.guild_settings import GuildSettingsService, SettingSpec

CONFIG_SET_ACTION = "admin.config.set"


class SettingRefused(UserFacingError):
    """A value the guild cannot take (a channel of another server, a role above the bot's)."""


@dataclass(frozen=True)
class SettingChange:
    kind: Kind
    old: SettingValue
    new: SettingValue


def text_channel(
    guild: discord.Guild, key: str, channel_id: int | None
) -> discord.TextChannel | None:
    channel = _channel(guild, key, channel_id)
    if channel is None or isinstance(channel, discord.TextChannel):
        return channel
    raise SettingRefused(_wrong_type(key, channel, "text"))


def forum_channel(
    guild: discord.Guild, key: str, channel_id: int | None
) -> discord.ForumChannel | None:
    channel = _channel(guild, key, channel_id)
    if channel is None or isinstance(channel, discord.ForumChannel):
        return channel
    raise SettingRefused(_wrong_type(key, channel, "forum"))


def _channel(guild: discord.Guild, key: str, channel_id: int | None) -> Any:
    if channel_id is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        raise SettingRefused(f"`{key}`: there is no channel with id {channel_id} in this server.")
    return channel


def _wrong_type(key: str, channel: Any, wanted: str) -> str:
    kind = str(channel.type).replace("_", " ")
    return (
        f"`{key}`: {channel.mention} is a {kind} channel; pick a {wanted} channel. Nothing changed."
    )


def assignable_role(guild: discord.Guild, key: str, role_id: int | None) -> discord.Role | None:
    if role_id is None:
        return None
    role = guild.get_role(role_id)
    if role is None:
        raise SettingRefused(f"`{key}`: there is no role with id {role_id} in this server.")
    if role.is_default():
        raise SettingRefused(f"`{key}` cannot be @everyone: that would give every member the tier.")
    if role >= guild.me.top_role:
        raise SettingRefused(
            f"`{key}`: {role.mention} is not below my highest role ({guild.me.top_role.mention}). "
            "Move my role above it in Server Settings → Roles, or pick another role. "
            "Nothing changed."
        )
    return role


def check_in_guild(guild: discord.Guild, spec: SettingSpec, parsed: Any) -> None:
    """Refuse a parsed channel or role value the guild does not have (or cannot use)."""
    if spec.kind is Kind.TEXT_CHANNEL:
        text_channel(guild, spec.key, parsed)
    elif spec.kind is Kind.TEXT_CHANNELS:
        for channel_id in parsed:
            text_channel(guild, spec.key, channel_id)
    elif spec.kind is Kind.FORUM_CHANNEL:
        forum_channel(guild, spec.key, parsed)
    elif spec.kind is Kind.ROLE:
        assignable_role(guild, spec.key, parsed)


class SettingChanges:
    def __init__(self, settings: GuildSettingsService, audit: AuditService) -> None:
        self._settings = settings
        self._audit = audit

    def parsed(self, guild: discord.Guild, key: str, value: str) -> tuple[SettingSpec, Any]:
        """The setting `key` names and what `change` would store for `value`, or the refusal
        it would give (a page shows the change before it is made)."""
        spec = self._settings.spec(key)
        parsed = parse_value(spec, value)
        check_in_guild(guild, spec, parsed)
        return spec, parsed

    async def change(
        self, guild: discord.Guild, actor_id: int, key: str, value: str
    ) -> SettingChange:
        """Set `key` to what a moderator typed ('none' resets it), or refuse saying why."""
        spec, parsed = self.parsed(guild, key, value)
        old = (await self._settings.get(guild.id)).values[spec.key]

        async def audit(session: AsyncSession) -> None:
            await self._audit.record(
                guild.id,
                actor_id,
                CONFIG_SET_ACTION,
                spec.key,
                {"old": old.value, "new": parsed},
                session=session,
            )

        # The audit row goes in the change's own transaction: one commit, not two.
        await self._settings.set(guild.id, spec.key, parsed, actor_id, also=audit)
        new = (await self._settings.get(guild.id)).values[spec.key]
        return SettingChange(spec.kind, old, new)
