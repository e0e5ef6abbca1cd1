"""Introducing a matched group: a private thread, or DMs when the thread cannot be made.

Reminders reach a group the same way, and the round's summary is posted in the pairing channel.
The wording is in `render.py`.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord

from bot.text import one_line
from cogs.pairing.render import intro_text, reminder_text, thread_name
from cogs.pairing.views import outcome_view

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.pairing.records import GroupInfo

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: a pair has until the next round to talk


@dataclass(frozen=True)
class IntroductionRoute:
    """Where one group's introduction went: its thread, its members' DMs, or nowhere."""

    group_id: int
    via: str  # thread, dm, failed
    thread_id: int | None = None
    error: str | None = None


class Introducer:
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
    ) -> IntroductionRoute:
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
            return IntroductionRoute(group.id, "thread", thread.id)
        except (discord.HTTPException, discord.ClientException) as error:
            reason = getattr(error, "text", None) or str(error) or type(error).__name__
            log.warning("thread for pairing %s failed (%s); sending DMs", group.id, reason)
            if thread is not None:
                # Created but unusable (members or message refused): don't leave it empty.
                with contextlib.suppress(discord.HTTPException):
                    await thread.delete()
            sent = await self._direct_messages(group, text)
            return IntroductionRoute(
                group.id, "dm" if sent else "failed", None, one_line(reason, 150)
            )

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
        text = reminder_text(group, next_round_at)
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
