"""The dispatcher's two Discord-facing pieces: the poster (renders and sends one occurrence)
and the notifier (tells a guild's moderators), both over Discord's REST API when they must."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.text import truncate
from cogs.announcements.channels import PostableChannel, missing_permissions
from cogs.announcements.discord_events import DiscordEvents, EventFailure, EventGone
from cogs.announcements.embeds import NOTHING_PINGS, mentions_for, to_embed
from cogs.announcements.records import Delivery, PostResult
from cogs.announcements.render import render, with_interested

if TYPE_CHECKING:
    from bot.app import NexusBot

log = logging.getLogger(__name__)


class DiscordPoster:
    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.events = DiscordEvents(bot.http)

    async def post(self, delivery: Delivery) -> PostResult:
        """Post one occurrence by REST, in any guild, whichever shard's process this is.

        The channel and permission pre-check needs the gateway cache, which only the process
        running the guild's shard has; elsewhere (that process is down, issue 8) Discord's own
        answer says the same: 404 for a deleted channel, 403 for a missing permission.
        """
        if self.bot.get_guild(delivery.guild_id) is not None:
            channel = self.bot.get_channel(delivery.channel_id)
            if not isinstance(channel, PostableChannel):
                return PostResult(None, "the channel no longer exists", permanent=True)
            missing = missing_permissions(channel, embed=delivery.title is not None)
            if missing:
                return PostResult(None, f"I'm missing {', '.join(missing)} there", permanent=True)
        rendered = render(
            delivery.title,
            delivery.body,
            delivery.ping_role_id,
            delayed_from=delivery.scheduled_for if delivery.delayed else None,
        )
        embed = to_embed(rendered)
        content, pinged = with_interested(rendered.content, await self._interested(delivery))
        # discord.py's HTTP client directly (same rate limiting as channel.send), without
        # building a Message object from the reply: 1,000 posts due at once are CPU-bound.
        params = handle_message_parameters(
            content=content,
            embed=embed if embed is not None else MISSING,
            allowed_mentions=mentions_for(rendered, pinged),
        )
        try:
            with params:
                payload = await self.bot.http.send_message(delivery.channel_id, params=params)
        except discord.NotFound:
            return PostResult(None, "the channel no longer exists", permanent=True)
        except discord.Forbidden:
            return PostResult(None, "Discord refused: a permission is missing", permanent=True)
        except discord.HTTPException as error:
            if error.status == 429:
                return PostResult(None, "rate limited by Discord", retry_after=_retry_after(error))
            return PostResult(None, f"Discord answered {error.status}")
        return PostResult(int(payload["id"]))

    async def _interested(self, delivery: Delivery) -> list[int]:
        """The event's interested members when the announcement opted in; none when Discord
        will not say (the post goes out regardless)."""
        if not delivery.ping_interested or delivery.event_id is None:
            return []
        try:
            return await self.events.interested(delivery.guild_id, delivery.event_id)
        except (EventFailure, EventGone) as error:
            log.warning(
                "announcements: #%s: interested members unknown (%r); posting without them",
                delivery.announcement_id,
                error,
            )
            return []

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        config = await self.bot.guild_settings.get(guild_id)
        channel_id = config.channel_id("announcements")
        if channel_id is not None and self.bot.get_guild(guild_id) is None:
            # Another shard's guild (its process is down): REST, Discord checks permissions.
            try:
                await self.bot.http.send_message(
                    channel_id,
                    params=handle_message_parameters(
                        content=truncate(text, 2000), allowed_mentions=NOTHING_PINGS
                    ),
                )
                return
            except discord.HTTPException:
                log.warning("announcements: guild %s: %s", guild_id, text)
                return
        channel = self.bot.get_channel(channel_id) if channel_id is not None else None
        if not isinstance(channel, discord.TextChannel) or missing_permissions(channel, False):
            log.warning("announcements: guild %s: %s", guild_id, text)
            return
        await channel.send(truncate(text, 2000), allowed_mentions=NOTHING_PINGS)


def _retry_after(error: discord.HTTPException) -> float:
    """Seconds Discord asked us to wait (header, then body), 1 s when it did not say."""
    response: Any = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        with contextlib.suppress(TypeError, ValueError):
            return max(0.05, float(str(headers.get(name))))
    return 1.0
