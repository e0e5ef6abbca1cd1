"""Whether the bot can post where an announcement goes: the permissions it lacks in a channel,
the checks /announce runs before saving, and a role ping Discord would show without notifying.

They read the gateway cache, so they only know the guilds of this process's shards.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError
from cogs.announcements.records import AnnouncementInfo

# Where an announcement can be posted.
PostableChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel


def missing_permissions(
    channel: discord.abc.GuildChannel | discord.Thread, embed: bool
) -> list[str]:
    me = channel.guild.me
    permissions = channel.permissions_for(me)
    needed = {"view channel": permissions.view_channel}
    if isinstance(channel, discord.Thread):
        needed["send messages in threads"] = permissions.send_messages_in_threads
    else:
        needed["send messages"] = permissions.send_messages
    if embed:
        needed["embed links"] = permissions.embed_links
    return [name for name, granted in needed.items() if not granted]


def check_channel(client: discord.Client, channel: Any, embed: bool) -> None:
    """Refuse a channel the bot cannot post the announcement in, saying what is missing."""
    resolved = client.get_channel(channel.id) if channel is not None else None
    if not isinstance(resolved, PostableChannel):
        raise UserFacingError("I can only post announcements in a text channel.")
    missing = missing_permissions(resolved, embed)
    if missing:
        raise UserFacingError(
            f"I can't post in {resolved.mention}: I'm missing {', '.join(missing)} there. "
            "Pick another channel or ask an admin to grant it."
        )


def check_role(role: discord.Role | None) -> int | None:
    if role is None:
        return None
    if role.is_default():
        raise UserFacingError("I never ping @everyone. Pick a role to ping instead.")
    return role.id


def silently_pinged_role(client: discord.Client, info: AnnouncementInfo) -> discord.Role | None:
    """The role whose ping Discord would drop: not mentionable, and the bot may not @everyone."""
    if info.ping_role_id is None:
        return None
    channel = client.get_channel(info.channel_id)
    guild = getattr(channel, "guild", None)
    role = guild.get_role(info.ping_role_id) if isinstance(guild, discord.Guild) else None
    if role is None or role.mentionable or not isinstance(channel, discord.TextChannel):
        return None
    if channel.permissions_for(channel.guild.me).mention_everyone:
        return None
    return role
