"""Telling one member something about a round: by DM, or, when their DMs are closed, in the
pairing channel with a mention of just them. Who could not be matched (and why), and who the
round paused for their attendance (with the one button that brings them back)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.utils import MISSING

from cogs.pairing.notice_views import come_back_view
from cogs.pairing.render import auto_paused_text, left_out_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.app import NexusBot
    from cogs.pairing.publish_flow import Publisher
    from cogs.pairing.records import AutoPause, LeftOut

log = logging.getLogger(__name__)


class MemberNotices:
    def __init__(self, bot: NexusBot, publisher: Publisher) -> None:
        self.bot = bot
        self.publisher = publisher

    async def left_out(
        self, guild: discord.Guild, round_number: int | None, left: Sequence[LeftOut]
    ) -> None:
        for person in left:
            text = left_out_text(guild.name, round_number, person.reason)
            await self.tell(guild, person.user_id, text, None)

    async def paused(self, guild: discord.Guild, pauses: Sequence[AutoPause]) -> None:
        for pause in pauses:
            text = auto_paused_text(guild.name, pause.reason)
            await self.tell(guild, pause.user_id, text, come_back_view(guild.id))

    async def tell(
        self, guild: discord.Guild, user_id: int, text: str, view: discord.ui.View | None
    ) -> str:
        """DM `text` to the member, else post it in the pairing channel mentioning only them;
        where it went: dm, channel or nowhere."""
        # discord.py reads MISSING as "no view" (None is refused for a new message).
        components: discord.ui.View = view if view is not None else MISSING
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, view=components)
            return "dm"
        except discord.HTTPException as error:
            log.info("could not DM %s about pairing (%s); trying the channel", user_id, error)
        channel = await self.publisher.pairing_channel(guild)
        if not isinstance(channel, discord.TextChannel):
            return "nowhere"
        try:
            await channel.send(
                f"<@{user_id}> {text}",
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(id=user_id)]
                ),
                view=components,
            )
        except discord.HTTPException as error:
            log.warning("could not tell %s about pairing in #%s: %s", user_id, channel, error)
            return "nowhere"
        return "channel"
