"""What a posted announcement looks like, as plain data (the cog turns it into a discord.Embed).

One function renders both the real post and `/announce show`'s preview, so the preview is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.errors import UserFacingError
from bot.formatters import discord_timestamp
from bot.markdown import neutralise_mentions
from bot.text import EMBED_DESCRIPTION_LIMIT, EMBED_TITLE_LIMIT, EMBED_TOTAL_LIMIT, MESSAGE_LIMIT

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
