"""What announcements look like in Discord: the post itself as plain data (the cog turns it
into a discord.Embed), and the text the dispatcher and the cog show moderators.

One function renders both the real post and `/announce show`'s preview, so the preview is exact.
The dispatcher decides and records; its sentences for moderators are written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.formatters import discord_timestamp
from bot.markdown import neutralise_mentions
from bot.text import EMBED_DESCRIPTION_LIMIT, EMBED_TITLE_LIMIT, EMBED_TOTAL_LIMIT, MESSAGE_LIMIT
from cogs.announcements.schedule import to_local_wall

if TYPE_CHECKING:
    from cogs.announcements.records import AnnouncementInfo, Delivery, PostResult

# The longest role mention plus its line break, and the longest "delayed" note: room kept free
# so that a valid announcement still fits when it is posted late or with its ping.
_PING_ROOM: Final = len("<@&12345678901234567890>\n")
_DELAYED_ROOM: Final = len("\n-# Delayed: this was scheduled for <t:99999999999:f>.")
PLAIN_BODY_LIMIT: Final = MESSAGE_LIMIT - _PING_ROOM - _DELAYED_ROOM


@dataclass(frozen=True)
class Rendered:
    content: str | None
    embed_title: str | None
    embed_description: str | None
    # The one role this message may ping (allowed_mentions is widened to it alone), if any.
    ping_role_id: int | None


def delayed_note(scheduled_for: datetime) -> str:
    return f"-# Delayed: this was scheduled for {discord_timestamp(scheduled_for, 'f')}."


def render(
    title: str | None,
    body: str,
    ping_role_id: int | None,
    *,
    delayed_from: datetime | None = None,
) -> Rendered:
    """An embed (title + body) when there is a title, else plain text; the ping goes in content.

    Mentions typed in the body are made inert: an announcement pings only its configured role.
    """
    text = neutralise_mentions(body)
    lines: list[str] = []
    if ping_role_id is not None:
        lines.append(f"<@&{ping_role_id}>")
    if title is None:
        lines.append(text)
    if delayed_from is not None:
        lines.append(delayed_note(delayed_from))
    content = "\n".join(lines) if lines else None
    if title is None:
        return Rendered(content, None, None, ping_role_id)
    return Rendered(content, neutralise_mentions(title), text, ping_role_id)


def check_limits(title: str | None, body: str) -> None:
    """Refuse text that would not fit Discord's limits once rendered (with ping and note)."""
    if not body.strip():
        raise UserFacingError("The announcement needs a message.")
    rendered = render(title, body, None)
    if title is None:
        size = len(rendered.content or "")
        if size > PLAIN_BODY_LIMIT:
            raise UserFacingError(
                f"The message is {size} characters; without a title an announcement is plain "
                f"text and holds at most {PLAIN_BODY_LIMIT}. Shorten it, or add a title to post "
                f"it as an embed (up to {EMBED_DESCRIPTION_LIMIT} characters)."
            )
        return
    if not title.strip():
        raise UserFacingError("The title is empty; leave it out to post plain text.")
    title_size = len(rendered.embed_title or "")
    body_size = len(rendered.embed_description or "")
    if title_size > EMBED_TITLE_LIMIT:
        raise UserFacingError(
            f"The title is {title_size} characters; Discord allows {EMBED_TITLE_LIMIT}."
        )
    if body_size > EMBED_DESCRIPTION_LIMIT:
        raise UserFacingError(
            f"The message is {body_size} characters; an embed holds at most "
            f"{EMBED_DESCRIPTION_LIMIT}."
        )
    if title_size + body_size > EMBED_TOTAL_LIMIT:  # pragma: no cover - 256 + 4096 < 6000
        raise UserFacingError("The title and message together are too long for one embed.")


def local_when_text(info: AnnouncementInfo) -> str:
    """The next run as the moderator would type it in the announcement's zone (edit prefill)."""
    if info.next_run_at is not None:
        wall = to_local_wall(info.next_run_at, ZoneInfo(info.timezone))
    else:
        wall = datetime.fromisoformat(info.anchor_local)
    return wall.strftime("%Y-%m-%d %H:%M" if wall.second == 0 else "%Y-%m-%d %H:%M:%S")


# Why a send posted nothing: its moment was claimed already (the unique occurrence row).
SENT_THIS_MOMENT: Final = "it was just posted at this same moment, and is never posted twice"


def failure_notice(delivery: Delivery, result: PostResult) -> str:
    """For the moderators: an occurrence could not be posted, and whether its schedule goes on."""
    if result.permanent:
        return (
            f"Announcement #{delivery.announcement_id} could not be posted in "
            f"<#{delivery.channel_id}>: {result.error}. It is marked failed and will not "
            "be retried; fix the channel, then "
            f"`/announce resume {delivery.announcement_id}` (or `/announce edit` it to "
            "another channel)."
        )
    return (
        f"Announcement #{delivery.announcement_id} could not be posted in "
        f"<#{delivery.channel_id}> this time ({result.error}). Its schedule goes on."
    )


def unknown_run_notice(announcement_id: int, scheduled_for: datetime) -> str:
    """For the moderators: a run whose claim a stopped bot left behind, never reposted."""
    stamp = int(scheduled_for.timestamp())
    return (
        f"Announcement #{announcement_id}'s run of <t:{stamp}:f> may not have been posted: "
        "the bot stopped while posting it. It was not reposted, to avoid a duplicate; "
        f"if it is missing, `/announce send {announcement_id}` posts it now."
    )
