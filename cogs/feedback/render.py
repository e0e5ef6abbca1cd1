"""How an item looks in Discord: its embed, its status and endpoint wording, emoji and colours,
its thread's name and its link. Shared by the cog's replies and the publisher's posts."""

from __future__ import annotations

import discord

from bot.markdown import safe_truncate
from bot.text import EMBED_FIELD_VALUE_LIMIT, EMBED_TITLE_LIMIT, truncate
from cogs.feedback.records import ItemRecord
from cogs.feedback.rules import STATUS_LABELS

STATUS_COLOURS: dict[str, discord.Colour] = {
    "open": discord.Colour.blue(),
    "acknowledged": discord.Colour.gold(),
    "in_progress": discord.Colour.orange(),
    "resolved": discord.Colour.green(),
    "wont_fix": discord.Colour.dark_grey(),
    "duplicate": discord.Colour.light_grey(),
    "withdrawn": discord.Colour.darker_grey(),
}
STATUS_EMOJI: dict[str, str] = {
    "open": "🔵",
    "acknowledged": "🟡",
    "in_progress": "🟠",
    "resolved": "🟢",
    "wont_fix": "⚫",
    "duplicate": "⚪",
    "withdrawn": "⚪",
}
SEVERITY_EMOJI: dict[str, str] = {
    "blocker": "🛑",
    "bug": "🐞",
    "suggestion": "💡",
    "question": "❓",
}
DESCRIPTION_LIMIT = 2500  # leaves room in the 6,000-character embed for the other fields
THREAD_NAME_LIMIT = 100


def status_text(item: ItemRecord) -> str:
    label = f"{STATUS_EMOJI[item.status]} {STATUS_LABELS[item.status]}"
    if item.status == "duplicate" and item.duplicate_of_number is not None:
        label += f" of FB-{item.duplicate_of_number}"
    return label


def endpoint_text(item: ItemRecord) -> str:
    # Paths are validated to hold no backticks, so inline code can't be broken out of.
    text = f"`{item.endpoint}`"
    if item.in_spec is False:
        text += " · ⚠️ not in spec"
    return text


def user_text(user_id: int | None, missing: str = "—") -> str:
    return f"<@{user_id}>" if user_id is not None else missing


def item_embed(item: ItemRecord) -> discord.Embed:
    embed = discord.Embed(
        title=f"{item.ref} · " + safe_truncate(item.title, EMBED_TITLE_LIMIT - len(item.ref) - 3),
        description=safe_truncate(item.details, DESCRIPTION_LIMIT),
        colour=STATUS_COLOURS[item.status],
        timestamp=item.created_at,
    )
    embed.add_field(name="Endpoint", value=endpoint_text(item), inline=False)
    embed.add_field(name="Status", value=status_text(item))
    embed.add_field(
        name="Severity", value=f"{SEVERITY_EMOJI[item.severity]} {item.severity.capitalize()}"
    )
    embed.add_field(name="+1s", value=str(item.plus_ones))
    embed.add_field(name="Reporter", value=user_text(item.reporter_id, "(forgotten member)"))
    embed.add_field(name="Assignee", value=user_text(item.assignee_id, "nobody yet"))
    if item.expected:
        embed.add_field(
            name="Expected",
            value=safe_truncate(item.expected, EMBED_FIELD_VALUE_LIMIT),
            inline=False,
        )
    if item.actual:
        embed.add_field(
            name="Actual", value=safe_truncate(item.actual, EMBED_FIELD_VALUE_LIMIT), inline=False
        )
    embed.set_footer(text=f"API feedback · {item.ref}")
    return embed


def thread_name(item: ItemRecord) -> str:
    # Thread names show no markdown and ping nobody; they only need to fit.
    return truncate(f"{item.ref} {' '.join(item.title.split())}", THREAD_NAME_LIMIT)


def post_name(item: ItemRecord) -> str:
    """A forum post's name: `FB-n · title`, within Discord's 100 characters."""
    return truncate(f"{item.ref} · {' '.join(item.title.split())}", THREAD_NAME_LIMIT)


def jump_url(item: ItemRecord) -> str | None:
    if item.channel_id is None or item.message_id is None:
        return None
    return f"https://discord.com/channels/{item.guild_id}/{item.channel_id}/{item.message_id}"
