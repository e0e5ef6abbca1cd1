"""A round's notice in the pairing channel, `pairing.notice_hours` before it: claimed first, so
each round occurrence is announced once across restarts and processes."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from cogs.pairing.notice_views import notice_view
from cogs.pairing.render import notice_text
from cogs.pairing.round_flow import FAILOVER_DELAY
from cogs.pairing.settings import MODE

if TYPE_CHECKING:
    from datetime import datetime

    from bot.app import NexusBot
    from cogs.pairing.guilds import GuildStore
    from cogs.pairing.publish_flow import Publisher
    from cogs.pairing.schedule_flow import RoundSchedule

log = logging.getLogger(__name__)

NOTICE_KIND = "pair_notice"


class NoticeFlow:
    def __init__(
        self, bot: NexusBot, schedule: RoundSchedule, guilds: GuildStore, publisher: Publisher
    ) -> None:
        self.bot = bot
        self.schedule = schedule
        self.guilds = guilds
        self.publisher = publisher

    async def post_notice(self, guild_id: int, round_at: datetime) -> bool:
        """Post the notice of the guild's round at `round_at`; whether this call posted it.

        Nothing is posted for a round the schedule no longer has, one already announced, a
        guild where nobody has joined, or one without a usable pairing channel.
        """
        await self.bot.wait_until_ready()  # a job due at start fires before the guilds arrive
        if not await self.schedule.still_scheduled(guild_id, round_at):
            return False
        if await self.bot.occurrences.is_claimed(NOTICE_KIND, str(guild_id), round_at):
            return False  # the job fires again whenever the round job is rebuilt in the window
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            # Another shard's guild: its own process normally posts first (as for rounds).
            await asyncio.sleep(FAILOVER_DELAY.total_seconds())
            try:
                guild = await self.bot.fetch_guild(guild_id, with_counts=False)
            except (discord.NotFound, discord.Forbidden):
                return False
        async with self.bot.occurrences.occurrence(NOTICE_KIND, str(guild_id), round_at) as run:
            if not run.claimed:
                return False
            if await self.guilds.active_members(guild_id) == 0:
                run.skip("nobody has joined pairing")
                return False
            channel = await self.publisher.pairing_channel(guild)
            mode = str((await self.bot.guild_settings.get(guild_id)).get(MODE))
            posted = await self.publisher.introducer.post(
                channel,
                content=notice_text(round_at, mode),
                view=notice_view(guild_id, round_at),
                allowed_mentions=discord.AllowedMentions.none(),
            )
            if not posted:
                run.skip("the pairing channel is not set or not usable")
                return False
            run.result = "notice posted"
        return True
