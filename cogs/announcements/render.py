"""What announcements look like in Discord: the post itself as plain data (embeds.py turns it
into a discord.Embed), and the text the dispatcher and the cog show moderators.

One function renders both the real post and `/announce show`'s preview, so the preview is exact.
The dispatcher decides and records; its sentences for moderators are written here, and so are
the cog's status, list and autocomplete lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.formatters import discord_timestamp
from bot.markdown import neutralise_mentions
from bot.text import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    one_line,
    truncate,
)
from cogs.announcements.models import Status
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


# ---- what the cog shows moderators ---------------------------------------------------------

STATUS_MARKS: Final = {
    Status.ACTIVE: "🟢",
    Status.PAUSED: "⏸️",
    Status.FAILED: "⚠️",
    Status.DONE: "✅",
    Status.CANCELLED: "✖️",
}


def runs_text(info: AnnouncementInfo, count: int) -> str:
    runs = info.next_runs(count)
    if not runs:
        return "no upcoming run"
    return "\n".join(f"{discord_timestamp(r, 'F')} ({discord_timestamp(r, 'R')})" for r in runs)


def status_text(info: AnnouncementInfo) -> str:
    mark = STATUS_MARKS.get(Status(info.status), "")
    return f"{mark} {info.status}".strip()


def list_heading(info: AnnouncementInfo) -> str:
    managed = " 📄" if info.managed_key else ""
    name = info.title or one_line(info.body, 60)
    return truncate(f"#{info.id} · {name}{managed}", 256)


def list_line(info: AnnouncementInfo) -> str:
    next_run = "no upcoming run"
    if info.status == Status.ACTIVE and info.next_run_at is not None:
        when = info.next_run_at
        next_run = f"next {discord_timestamp(when, 'f')} ({discord_timestamp(when, 'R')})"
    return f"{status_text(info)} · <#{info.channel_id}> · {info.repeat_label} · {next_run}"


def choice_label(info: AnnouncementInfo) -> str:
    """`#12 · weekly · Standup` — short, for autocomplete and lists."""
    name = info.title or info.body
    return one_line(f"#{info.id} · {info.repeat_label} · {info.status} · {name}", 100)


def silent_ping_note(role_mention: str) -> str:
    """Discord drops a ping of a role that is not mentionable unless the bot may @everyone."""
    return (
        f"Note: {role_mention} is not mentionable and I lack *Mention @everyone, @here and "
        "All Roles* there, so Discord will show the mention without notifying anyone. "
        "Make the role mentionable or grant me that permission."
    )


def scheduled_reply(info: AnnouncementInfo, verb: str, ping_note: str | None) -> str:
    """The answer to create, edit and resume: where, how often, and the next runs."""
    count = 3 if info.repeat != "none" else 1
    text = (
        f"Announcement **#{info.id}** {verb} for <#{info.channel_id}> "
        f"({info.repeat_label}, {info.timezone}).\n"
        f"Next {'runs' if count > 1 else 'run'}:\n{runs_text(info, count)}"
    )
    notes = [ping_note]
    if info.managed_key and verb == "updated":
        notes.append(
            f"-# Declared in the announcements file (key `{info.managed_key}`): the next "
            "change to that entry there replaces this edit."
        )
    return "\n".join([text, *(n for n in notes if n)])


def cancel_question(info: AnnouncementInfo) -> str:
    note = (
        " It is declared in the announcements file: remove it there too, or the next "
        "start re-creates it."
        if info.managed_key
        else ""
    )
    return f"Cancel announcement **#{info.id}** ({one_line(info.title or info.body, 80)})?{note}"


# ---- the announcement's Discord event ------------------------------------------------------


def with_interested(content: str | None, user_ids: list[int]) -> tuple[str | None, list[int]]:
    """The post's content with a line pinging the event's interested members: as many as fit
    in one message (in the order Discord listed them); returns who is pinged."""
    pinged: list[int] = []
    text = content or ""
    line = ""
    for user_id in user_ids:
        mention = f"<@{user_id}>"
        candidate = f"{line} {mention}" if line else mention
        if len(text) + 1 + len(candidate) > MESSAGE_LIMIT:
            break
        line = candidate
        pinged.append(user_id)
    if not pinged:
        return content, []
    return (f"{text}\n{line}" if text else line), pinged


def event_failure_note(error: str) -> str:
    return (
        f"⚠️ The announcement itself is saved, but its Discord event is not in step: {error}. "
        "Posts go on as scheduled."
    )


def event_text(link: str | None, interested: int | None, error: str | None) -> str:
    """/announce show's line about the event: its link and how many are interested."""
    parts = [link or "not created yet"]
    if link is not None:
        parts.append(f"{interested} interested" if interested is not None else "count unknown")
    if error:
        parts.append(f"last problem: {error}")
    return truncate(" · ".join(parts), 1024)
