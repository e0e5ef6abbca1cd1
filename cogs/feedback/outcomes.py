"""What happened in Discord while acting on an item: the item with its current ids, and what
Discord refused, as sentences for the member who acted; and who a message may ping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from cogs.feedback.records import ItemRecord


@dataclass
class Outcome:
    """What happened in Discord: the item (with its current ids) and problems worth telling."""

    item: ItemRecord
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def mentions_only(*user_ids: int | None) -> discord.AllowedMentions:
    """Ping exactly these members (and never roles or @everyone)."""
    users = [discord.Object(id=user_id) for user_id in user_ids if user_id is not None]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def why(error: discord.HTTPException) -> str:
    """Discord's refusal in words."""
    if isinstance(error, discord.Forbidden):
        return "I'm missing a permission there"
    if isinstance(error, discord.NotFound):
        return "it no longer exists"
    return f"Discord said {error.status}"
