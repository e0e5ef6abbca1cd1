"""The announcements as Discord objects: a post's embed and the one role it may ping,
/announce list's pages and /announce show's details."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.text import EMBED_FIELD_VALUE_LIMIT, truncate
from cogs.announcements.render import list_heading, list_line, runs_text, status_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cogs.announcements.records import AnnouncementInfo
    from cogs.announcements.render import Rendered

COLOUR = discord.Colour.gold()
NOTHING_PINGS = discord.AllowedMentions.none()


def to_embed(rendered: Rendered) -> discord.Embed | None:
    if rendered.embed_title is None:
        return None
    return discord.Embed(
        title=rendered.embed_title, description=rendered.embed_description, colour=COLOUR
    )


def mentions_for(rendered: Rendered, user_ids: Sequence[int] = ()) -> discord.AllowedMentions:
    """Only the configured role and the event's interested members (when the announcement
    opted in), for this one message; nothing else ever pings."""
    roles: Any = [discord.Object(id=rendered.ping_role_id)] if rendered.ping_role_id else False
    users: Any = [discord.Object(id=u) for u in user_ids] or False
    return discord.AllowedMentions(everyone=False, users=users, roles=roles, replied_user=False)


def list_page_embed(items: Sequence[AnnouncementInfo], number: int) -> discord.Embed:
    embed = discord.Embed(title="Announcements", colour=COLOUR)
    for info in items:
        embed.add_field(name=list_heading(info), value=list_line(info), inline=False)
    embed.set_footer(text=f"Page {number} · 📄 = managed by the announcements file")
    return embed


def details_embed(info: AnnouncementInfo, event: str | None = None) -> discord.Embed:
    """/announce show's facts about an announcement, shown under the post's exact preview."""
    details = discord.Embed(title=f"Announcement #{info.id}", colour=discord.Colour.dark_grey())
    details.add_field(name="Channel", value=f"<#{info.channel_id}>")
    details.add_field(name="Status", value=status_text(info))
    details.add_field(name="Repeat", value=f"{info.repeat_label} ({info.timezone})")
    details.add_field(name="If missed", value=info.missed.replace("_", " "))
    details.add_field(
        name="Ping", value=f"<@&{info.ping_role_id}>" if info.ping_role_id else "none"
    )
    details.add_field(name="Posted", value=f"{info.run_count} time(s)")
    details.add_field(
        name="Next 5 runs",
        value=truncate(runs_text(info, 5), EMBED_FIELD_VALUE_LIMIT),
        inline=False,
    )
    if event is not None:
        details.add_field(name="Discord event", value=event, inline=False)
    if info.failure:
        details.add_field(name="Failure", value=truncate(info.failure, 1024), inline=False)
    if info.managed_key:
        details.set_footer(text=f"Managed by the announcements file (key {info.managed_key})")
    return details
