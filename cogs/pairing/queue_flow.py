"""Ending /pair now waits that found no partner in time, telling each person where they asked."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from cogs.pairing.render import queue_expiry_text
from cogs.pairing.settings import file_settings

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.pairing.queue import PairNowQueue

log = logging.getLogger(__name__)

QUEUE_SWEEP_SECONDS = 30


class QueueSweep:
    def __init__(self, bot: NexusBot, queue: PairNowQueue) -> None:
        self.bot = bot
        self.queue = queue

    async def sweep_queue(self) -> int:
        """End waits older than the queue window, telling each person where they asked."""
        expired = await self.queue.expire_queue()
        for wait in expired:
            minutes = file_settings(self.bot.settings).queue_wait_minutes
            text = queue_expiry_text(wait.user_id, minutes)
            channel = self.bot.get_channel(wait.channel_id) if wait.channel_id else None
            if isinstance(channel, discord.TextChannel | discord.Thread):
                try:
                    await channel.send(text)
                    continue
                except discord.HTTPException:
                    log.info("could not post the queue expiry for %s", wait.user_id)
            user = self.bot.get_user(wait.user_id)
            if user is not None:
                try:
                    await user.send(text)
                except discord.HTTPException:
                    log.info("could not DM the queue expiry to %s", wait.user_id)
        return len(expired)
