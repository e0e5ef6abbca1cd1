"""Posting what the service decided: private threads, DM fallbacks, summaries, reminders."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import discord

from bot.formatters import discord_timestamp, plural
from bot.markdown import safe
from bot.text import EMBED_DESCRIPTION_LIMIT, MESSAGE_LIMIT, one_line, truncate
from cogs.pairing.views import outcome_view

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.pairing.records import GroupInfo, RoundSummary

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: a pair has until the next round to talk


@dataclass(frozen=True)
class Delivery:
    group_id: int
    via: str  # thread, dm, failed
    thread_id: int | None = None
    error: str | None = None


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


class Deliverer:
    """Sends a group's introduction: a private thread, or DMs when the thread cannot be made."""

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        # Display names fetched over REST for guilds not in this process's cache (another
        # shard's guild whose process is down): guild id → user id → name.
        self._fetched_names: dict[int, dict[int, str]] = {}

    def remember(self, guild_id: int, member: discord.Member) -> None:
        self._fetched_names.setdefault(guild_id, {})[member.id] = member.display_name

    def forget_names(self, guild_id: int) -> None:
        self._fetched_names.pop(guild_id, None)

    async def introduce(
        self,
        guild: discord.Guild,
        channel: discord.abc.GuildChannel | None,
        group: GroupInfo,
        heading: str,
        round_number: int | None,
    ) -> Delivery:
        text = intro_text(group, heading)
        names = [self._name(guild, user_id) for user_id in group.members]
        thread: discord.Thread | None = None
        try:
            if not isinstance(channel, discord.TextChannel):
                raise discord.ClientException(
                    "the pairing channel is not set or not a text channel"
                )
            thread = await channel.create_thread(
                name=thread_name(names, round_number),
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
            for user_id in group.members:
                await thread.add_user(discord.Object(id=user_id))
            await thread.send(text, view=outcome_view(group.id))
            return Delivery(group.id, "thread", thread.id)
        except (discord.HTTPException, discord.ClientException) as error:
            reason = getattr(error, "text", None) or str(error) or type(error).__name__
            log.warning("thread for pairing %s failed (%s); sending DMs", group.id, reason)
            if thread is not None:
                # Created but unusable (members or message refused): don't leave it empty.
                with contextlib.suppress(discord.HTTPException):
                    await thread.delete()
            sent = await self._direct_messages(group, text)
            return Delivery(group.id, "dm" if sent else "failed", None, one_line(reason, 150))

    async def _direct_messages(self, group: GroupInfo, text: str) -> bool:
        sent = False
        for user_id in group.members:
            try:
                user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
                await user.send(text, view=outcome_view(group.id))
                sent = True
            except discord.HTTPException as error:
                log.warning("could not DM %s about pairing %s: %s", user_id, group.id, error)
        return sent

    def _name(self, guild: discord.Guild, user_id: int) -> str:
        member = guild.get_member(user_id)
        if member is not None:
            return member.display_name
        return self._fetched_names.get(guild.id, {}).get(user_id, str(user_id))

    async def remind(self, group: GroupInfo, next_round_at: str) -> bool:
        text = (
            f"⏰ {mentions(group.members)}: a friendly reminder. Did you manage to meet? "
            f"Tell me with a button below before the next round ({next_round_at})."
        )
        if group.thread_id is not None:
            try:
                thread = self.bot.get_channel(group.thread_id) or await self.bot.fetch_channel(
                    group.thread_id
                )
                if isinstance(thread, discord.Thread):
                    await thread.send(text, view=outcome_view(group.id))
                    return True
            except discord.HTTPException as error:
                log.warning("reminder for pairing %s failed: %s", group.id, error)
        return await self._direct_messages(group, text)

    async def post(self, channel: discord.abc.GuildChannel | None, **kwargs: object) -> bool:
        if not isinstance(channel, discord.TextChannel):
            return False
        try:
            await channel.send(**kwargs)  # type: ignore[call-overload]
        except discord.HTTPException as error:
            log.warning("could not post in #%s: %s", channel, error)
            return False
        return True


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
