"""Checks that need the guild itself: the clicker is still a moderator, a channel is a text (or
forum) channel of this guild, a role sits below the bot's."""

from __future__ import annotations

import discord

from bot.errors import TierRequired
from bot.permissions import Tier, has_tier
from cogs.admin.rules import AdminError


async def ensure_moderator(interaction: discord.Interaction) -> None:
    if not await has_tier(interaction, Tier.MODERATOR):
        raise TierRequired(Tier.MODERATOR.label)


def text_channel(
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


def forum_channel(
    guild: discord.Guild, key: str, channel_id: int | None
) -> discord.ForumChannel | None:
    if channel_id is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        raise AdminError(f"`{key}`: there is no channel with id {channel_id} in this server.")
    if not isinstance(channel, discord.ForumChannel):
        kind = str(channel.type).replace("_", " ")
        raise AdminError(
            f"`{key}`: {channel.mention} is a {kind} channel; pick a forum channel. "
            "Nothing changed."
        )
    return channel


def assignable_role(guild: discord.Guild, key: str, role_id: int | None) -> discord.Role | None:
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
