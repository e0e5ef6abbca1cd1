"""How pairing looks in Discord: introductions, reminders, the round summary, mentions, times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.formatters import discord_timestamp, plural
from bot.markdown import safe
from bot.text import EMBED_DESCRIPTION_LIMIT, MESSAGE_LIMIT, one_line, truncate

if TYPE_CHECKING:
    from cogs.pairing.records import GroupInfo, RoundSummary


def mentions(user_ids: tuple[int, ...]) -> str:
    return " ".join(f"<@{user_id}>" for user_id in user_ids)


def intro_text(group: GroupInfo, heading: str) -> str:
    members = mentions(group.members)
    kind = "trio" if len(group.members) == 3 else "pair"
    lines = [f"👋 {members}: {heading} You're a {kind}!"]
    if group.reasons:
        lines.append("**Why you were matched**")
        lines += [f"• {safe(one_line(reason, 200))}" for reason in group.reasons]
    if group.topic:
        lines.append(f"**Suggested topic:** {safe(one_line(group.topic, 200))}")
    lines.append("Pick a time that suits you all, then tell me how it went with the buttons below.")
    return truncate("\n".join(lines), MESSAGE_LIMIT)


def thread_name(names: list[str], round_number: int | None) -> str:
    prefix = f"Round {round_number}" if round_number is not None else "Pair now"
    return one_line(f"{prefix}: {' + '.join(names)}", 100)


def reminder_text(group: GroupInfo, next_round_at: str) -> str:
    return (
        f"⏰ {mentions(group.members)}: a friendly reminder. Did you manage to meet? "
        f"Tell me with a button below before the next round ({next_round_at})."
    )


def summary_embed(summary: RoundSummary, failures: int) -> discord.Embed:
    lines = []
    for group in summary.groups:
        kind = " (trio)" if len(group.members) == 3 else ""
        where = f" · <#{group.thread_id}>" if group.thread_id else ""
        lines.append(f"• {' + '.join(f'<@{m}>' for m in group.members)}{kind}{where}")
    description = "\n".join(lines) or "Nobody was paired."
    if len(description) > EMBED_DESCRIPTION_LIMIT:
        description = truncate(description, EMBED_DESCRIPTION_LIMIT - 40) + "\n… and more"
    embed = discord.Embed(
        title=f"Pairing round {summary.number}",
        description=description,
        colour=discord.Colour.teal(),
    )
    embed.add_field(name="Pairs", value=str(summary.pairs))
    embed.add_field(name="Trios", value=str(summary.trios))
    embed.add_field(name="Repeats within 4 rounds", value=str(summary.repeats))
    embed.add_field(
        name="Distinct partners per person",
        value=f"{summary.distinct_partners_mean:g} on average, at least "
        f"{summary.distinct_partners_min}",
    )
    met = (
        f"{summary.previous_met_rate:.0%}"
        if summary.previous_met_rate is not None
        else "no previous round"
    )
    embed.add_field(name="Previous round met", value=met)
    if summary.sat_out:
        embed.add_field(name="Sat out", value=plural(len(summary.sat_out), "person", "people"))
    if failures:
        embed.add_field(name="Sent by DM", value=plural(failures, "group"))
    footer = f"Seed {summary.seed} · {summary.participants} participants"
    embed.set_footer(text=footer)
    return embed


def when(moment: datetime | None) -> str:
    if moment is None:
        return "not scheduled"
    return f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"
