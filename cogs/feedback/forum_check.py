"""What `python -m bot check` says about feedback's forum: in forum mode every item is a post
in feedback.forum, so the forum must exist, be a forum, and let the bot do its part there.

Runs without a bot, from what the check fetched over REST (the guild's channels and the bot's
member), so a moderator learns before the first report that items would be saved unposted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from cogs.feedback.settings import FORUM, MODE, forum_id_of, mode_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.guild_settings import GuildConfig

# (discord.Permissions attribute, the name Discord's UI shows, what the bot does with it there).
FORUM_PERMISSIONS: tuple[tuple[str, str, str], ...] = (
    ("view_channel", "View Channel", "see the forum"),
    ("send_messages", "Send Messages", "make a post for each item"),
    ("manage_channels", "Manage Channels", "make the status and severity tags"),
    ("send_messages_in_threads", "Send Messages in Threads", "post status changes in a post"),
    ("manage_threads", "Manage Threads", "archive and lock closed items, and reopen them"),
)


def forum_problems(
    config: GuildConfig,
    channels: Mapping[int, discord.abc.GuildChannel],
    me: discord.Member,
) -> list[str]:
    """One sentence per thing that keeps forum mode from working; none outside forum mode."""
    if mode_of(config) != "forum":
        return []
    forum_id = forum_id_of(config)
    unposted = "new items are saved but not posted"
    if forum_id is None:
        return [
            f"{FORUM}: not set, yet {MODE} is forum, so {unposted}; "
            f"set it with /admin config set {FORUM}"
        ]
    channel = channels.get(forum_id)
    if channel is None:
        return [f"{FORUM}: channel {forum_id} no longer exists, so {unposted}"]
    if not isinstance(channel, discord.ForumChannel):
        return [f"{FORUM}: #{channel.name} is not a forum channel, so {unposted}"]
    allowed = channel.permissions_for(me)
    missing = [
        f"{label} (to {purpose})"
        for attr, label, purpose in FORUM_PERMISSIONS
        if not getattr(allowed, attr)
    ]
    if not missing:
        return []
    return [f"{FORUM}: in #{channel.name} the bot lacks {', '.join(missing)}"]
