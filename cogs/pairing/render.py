"""How pairing looks in Discord: introductions, reminders, the round summary and its preview,
a member's profile, status and history, the /pair now notices, the moderators' notice, times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.formatters import discord_timestamp, plural
from bot.markdown import safe
from bot.text import EMBED_DESCRIPTION_LIMIT, MESSAGE_LIMIT, one_line, truncate

if TYPE_CHECKING:
    from cogs.pairing.records import (
        GroupInfo,
        HistoryEntry,
        Profile,
        RoundPreview,
        RoundSummary,
        Status,
    )


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
    embed.add_field(name="Mode", value=summary.mode)
    embed.add_field(name="Cross-track", value=share(summary.cross_track, len(summary.groups)))
    if summary.sat_out:
        embed.add_field(name="Sat out", value=plural(len(summary.sat_out), "person", "people"))
    if summary.paused:
        embed.add_field(
            name="Paused for attendance", value=plural(len(summary.paused), "person", "people")
        )
    if failures:
        embed.add_field(name="Sent by DM", value=plural(failures, "group"))
    footer = f"Seed {summary.seed} · {summary.participants} participants"
    embed.set_footer(text=footer)
    return embed


def share(part: int, whole: int) -> str:
    """`3 of 4 groups (75%)`, the way the summary and the preview count cross-track groups."""
    if whole == 0:
        return "no groups"
    return f"{part} of {plural(whole, 'group')} ({part / whole:.0%})"


def when(moment: datetime | None) -> str:
    if moment is None:
        return "not scheduled"
    return f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"


def profile_text(
    profile: Profile, created: bool, now: datetime, next_round: datetime | None
) -> str:
    first = "Welcome to pairing!" if created else "Your pairing profile is updated."
    topics_text = ", ".join(safe(t) for t in profile.topics) or "none"
    paused = (
        f"\nYou're paused until {discord_timestamp(profile.paused_until, 'D')}."
        if profile.paused_until and profile.paused_until > now
        else ""
    )
    return (
        f"{first} Level **{profile.level}** · time zone **{profile.timezone}** · track "
        f"**{profile.track or 'not set'}** · topics: {topics_text}.\n"
        f"Next round: {when(next_round)}.{paused}"
    )


def status_embed(
    status: Status, user_id: int, now: datetime, next_round: datetime | None
) -> discord.Embed:
    profile = status.profile
    embed = discord.Embed(title="Your pairing status", colour=discord.Colour.teal())
    embed.add_field(name="Level", value=profile.level)
    embed.add_field(name="Time zone", value=profile.timezone)
    embed.add_field(name="Track", value=profile.track or "not set")
    embed.add_field(
        name="Topics", value=", ".join(safe(t) for t in profile.topics) or "none", inline=False
    )
    if profile.paused_until is not None and profile.paused_until > now:
        embed.add_field(name="Paused until", value=when(profile.paused_until), inline=False)
    embed.add_field(name="Next round", value=when(next_round), inline=False)
    if status.current is not None:
        partners = [m for m in status.current.members if m != user_id]
        where = f" in <#{status.current.thread_id}>" if status.current.thread_id else ""
        outcome = {"met": " · met ✅", "not_met": " · couldn't meet"}.get(
            status.current.outcome or "", ""
        )
        embed.add_field(
            name="Current partner" if len(partners) == 1 else "Current partners",
            value=f"{mentions(tuple(partners))}{where}{outcome}",
            inline=False,
        )
    if status.waiting_until is not None:
        embed.add_field(
            name="Pair now", value=f"waiting until {when(status.waiting_until)}", inline=False
        )
    embed.set_footer(text=f"Trios so far: {profile.trios}")
    return embed


def history_embed(entries: Sequence[HistoryEntry], number: int) -> discord.Embed:
    lines = []
    for entry in entries:
        label = f"Round {entry.round_number}" if entry.round_number else "Pair now"
        outcome = {"met": "met ✅", "not_met": "couldn't meet"}.get(
            entry.outcome or "", "no answer"
        )
        partners = mentions(entry.partners) or "(partner's data erased)"
        lines.append(
            f"**{label}** · {discord_timestamp(entry.created_at, 'D')} · with "
            f"{partners} · {outcome}"
        )
    return discord.Embed(
        title="Your pairing history",
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=discord.Colour.teal(),
    ).set_footer(text=f"Page {number}")


def preview_embed(preview: RoundPreview) -> discord.Embed:
    lines = []
    for group in preview.groups:
        reasons = "; ".join(group.reasons[:3])
        repeat = " ⚠️ met recently" if group.repeats else ""
        members = " + ".join(f"<@{m}>" for m in group.members)
        lines.append(f"• {members}{repeat}: {safe(reasons)}")
    embed = discord.Embed(
        title=f"Preview of round {preview.number} (nothing posted)",
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=discord.Colour.light_grey(),
    )
    embed.add_field(name="Participants", value=str(preview.participants))
    embed.add_field(name="Pairs", value=str(preview.pairs))
    embed.add_field(name="Trios", value=str(preview.trios))
    embed.add_field(name="Repeats within 4 rounds", value=str(preview.repeats))
    embed.add_field(name="Mode", value=preview.mode)
    embed.add_field(name="Cross-track", value=share(preview.cross_track, len(preview.groups)))
    if preview.paused:
        embed.add_field(
            name="Would be paused for attendance",
            value=" ".join(f"<@{p.user_id}>" for p in preview.paused)[:1024],
            inline=False,
        )
    embed.set_footer(text=f"Seed {preview.seed}")
    return embed


def already_waiting_text(until: datetime) -> str:
    return (
        "You're already waiting for a partner (until "
        f"<t:{int(until.timestamp())}:t>). I'll tell you when someone "
        "joins."
    )


def queue_expiry_text(user_id: int, wait_minutes: int) -> str:
    return (
        f"<@{user_id}> nobody compatible asked to pair in the last "
        f"{wait_minutes} minutes, so your wait has "
        "ended. Try `/pair now` again later, or meet someone in the next round."
    )


def threads_failed_text(moderator_role_id: int | None, failures: int, reason: str) -> str:
    role = f"<@&{moderator_role_id}> " if moderator_role_id else ""
    return (
        f"⚠️ {role}Moderators: I couldn't create private threads for "
        f"{plural(failures, 'pairing')} ({safe(one_line(reason, 150))}), so I sent "
        "their introductions by direct message. Please give me **Create Private Threads** "
        "and **Manage Threads** in the pairing channel."
    )


# ---- the round's notice, and what members are told after it ------------------------------------

LEFT_OUT_REASONS = {
    "alone": "nobody else was available for this round",
    "recent": "everyone available was someone you paired with in the last few rounds",
    "time_zone": "nobody available shares any of your working hours",
    "odd": "there was an odd number of people and no pair to join",
}
PAUSE_REASONS = {
    "no_show": "your partners said they couldn't meet you in your last two rounds",
    "no_answer": "nobody in your pairings answered *We met* or *Couldn't meet* in your last "
    "three rounds",
}


def notice_text(round_at: datetime, mode: str) -> str:
    preference = {
        "cross-track": " This round prefers pairing backend with frontend learners.",
        "same-track": " This round prefers pairing people on the same track.",
    }.get(mode, "")
    return (
        f"📅 **The next pairing round is {when(round_at)}.** Everyone who joined is in it."
        f"{preference} Can't make it this time? **Skip this round** leaves you out of this one "
        "only; **Pause until…** takes a break until a date you choose."
    )


def skipped_text(round_at: datetime) -> str:
    return (
        f"Done: you'll sit out the round of {discord_timestamp(round_at, 'F')}. You're back in "
        "the one after it; `/pair now` finds you a partner any day."
    )


def paused_text(until: datetime) -> str:
    return (
        f"Paused until {discord_timestamp(until, 'F')} ({discord_timestamp(until, 'R')}). "
        "Use `/pair resume` to come back earlier."
    )


def left_out_text(guild_name: str, round_number: int | None, reason: str) -> str:
    which = f"pairing round {round_number}" if round_number is not None else "this pairing round"
    because = LEFT_OUT_REASONS.get(reason, "no partner could be found")
    return (
        f"😕 I couldn't find you a partner in {which} of **{safe(one_line(guild_name, 100))}**: "
        f"{because}. Want to pair today? Use `/pair now` in the server and I'll match you with "
        "the next person who asks."
    )


def auto_paused_text(guild_name: str, reason: str) -> str:
    because = PAUSE_REASONS.get(reason, "your last pairings didn't happen")
    return (
        f"👋 I've paused your pairing in **{safe(one_line(guild_name, 100))}** for now: "
        f"{because}. No hard feelings, life gets busy! Whenever you're ready, press "
        "**Come back** and you're in the next round."
    )
