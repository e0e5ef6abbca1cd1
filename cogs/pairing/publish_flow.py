"""Publishing what was matched: each group's introduction (recorded where it went), the round's
summary in the pairing channel, and the moderators' notice when private threads fail."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

import discord

from cogs.pairing.render import summary_embed, threads_failed_text

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.pairing.groups import GroupStore
    from cogs.pairing.introductions import Introducer, IntroductionRoute
    from cogs.pairing.records import GroupInfo, RoundSummary

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, bot: NexusBot, introducer: Introducer, groups: GroupStore) -> None:
        self.bot = bot
        self.introducer = introducer
        self.groups = groups

    async def pairing_channel(self, guild: discord.Guild) -> discord.abc.GuildChannel | None:
        """The configured pairing channel, from the cache or (another shard's guild) by REST."""
        config = await self.bot.guild_settings.get(guild.id)
        channel_id = config.channel_id("pairing")
        if channel_id is None:
            return None
        channel: discord.abc.GuildChannel | discord.Thread | None = guild.get_channel(channel_id)
        if channel is None and self.bot.get_guild(guild.id) is None:
            try:
                channel = await guild.fetch_channel(channel_id)
            except discord.HTTPException as error:
                log.warning("guild %s: pairing channel unavailable: %s", guild.id, error)
                return None
        return channel if isinstance(channel, discord.abc.GuildChannel) else None

    async def publish_round(self, guild: discord.Guild, summary: RoundSummary) -> RoundSummary:
        channel = await self.pairing_channel(guild)
        heading = f"welcome to pairing round {summary.number}."
        routes: list[IntroductionRoute] = []
        for group in summary.groups:
            route = await self.introducer.introduce(guild, channel, group, heading, summary.number)
            await self.groups.set_delivery(group.id, route.via, route.thread_id)
            routes.append(route)
        by_group = {r.group_id: r for r in routes}
        groups = tuple(
            dataclasses.replace(g, thread_id=by_group[g.id].thread_id) for g in summary.groups
        )
        summary = dataclasses.replace(summary, groups=groups)
        failures = [r for r in routes if r.via != "thread"]
        if failures:
            await self.tell_moderators_threads_failed(guild, channel, summary.number, failures)
        await self.introducer.post(
            channel,
            embed=summary_embed(summary, len(failures)),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return summary

    async def introduce_match(self, guild: discord.Guild, group: GroupInfo) -> IntroductionRoute:
        """A /pair now match: its thread (or DMs), recorded where it went."""
        config = await self.bot.guild_settings.get(guild.id)
        channel_id = config.channel_id("pairing")
        channel = guild.get_channel(channel_id) if channel_id is not None else None
        route = await self.introducer.introduce(
            guild, channel, group, "you both asked to pair right now.", None
        )
        await self.groups.set_delivery(group.id, route.via, route.thread_id)
        if route.via != "thread":
            await self.tell_moderators_threads_failed(guild, channel, None, [route])
        return route

    async def tell_moderators_threads_failed(
        self,
        guild: discord.Guild,
        channel: discord.abc.GuildChannel | None,
        round_number: int | None,
        failures: list[IntroductionRoute],
    ) -> None:
        reason = failures[0].error or "unknown error"
        await self.bot.audit.record(
            guild.id,
            None,
            "pairing.thread_failed",
            f"round {round_number}" if round_number is not None else "pair now",
            {"groups": [r.group_id for r in failures], "error": reason},
        )
        config = await self.bot.guild_settings.get(guild.id)
        text = threads_failed_text(config.moderator_role_id, len(failures), reason)
        posted = await self.introducer.post(
            channel, content=text, allowed_mentions=discord.AllowedMentions.none()
        )
        if not posted:
            log.warning("guild %s: pairing threads failed and the channel is unusable", guild.id)
