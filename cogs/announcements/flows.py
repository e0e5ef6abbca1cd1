"""Changing an announcement, for /announce and the HTTP API alike: check where it posts, store
the change (the store validates and audits it), then bring the dispatcher and the Discord event
in step. One path, so both refuse the same things with the same words and leave the same audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.errors import UserFacingError
from cogs.announcements.channels import check_channel, check_role, silently_pinged_role
from cogs.announcements.models import Status
from cogs.announcements.rules import build_schedule, clean_title
from cogs.announcements.schedule import parse_timezone

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.app import NexusBot
    from cogs.announcements.dispatcher import Dispatcher
    from cogs.announcements.event_sync import EventSync
    from cogs.announcements.records import AnnouncementInfo, Draft, Edit
    from cogs.announcements.store import AnnouncementStore

NO_SUCH_ROLE = "There is no such role in this server."


@dataclass(frozen=True)
class Changed:
    """An announcement as a change left it, and what the moderator should hear about it."""

    info: AnnouncementInfo
    # The role its posts ping that Discord would show without notifying anyone.
    silent_role: discord.Role | None
    # Why its Discord event is not in step ("" when it is, or it has none).
    event_note: str


class AnnouncementFlow:
    def __init__(
        self,
        bot: NexusBot,
        store: AnnouncementStore,
        dispatcher: Dispatcher,
        events: EventSync,
    ) -> None:
        self._bot = bot
        self.store = store
        self._dispatcher = dispatcher
        self._events = events

    async def guild_timezone(self, guild_id: int) -> ZoneInfo:
        return (await self._bot.guild_settings.get(guild_id)).timezone

    # ---- checks ---------------------------------------------------------------------------

    def check_channel(
        self, guild_id: int, channel_id: int | None, *, embed: bool, chosen: bool = False
    ) -> None:
        """Refuse a channel that is not a postable channel of this guild, or where the bot
        lacks a permission (a channel of another guild reads as no channel at all). A channel
        being `chosen` must be a text channel, the only kind /announce's option offers (the
        announcements file may name a thread)."""
        channel = self._bot.get_channel(channel_id) if channel_id is not None else None
        if getattr(getattr(channel, "guild", None), "id", None) != guild_id or (
            chosen and not isinstance(channel, discord.TextChannel)
        ):
            channel = None
        check_channel(self._bot, channel, embed=embed)

    def role_to_ping(self, guild_id: int, role_id: int) -> None:
        """Refuse a role id that is not a role of this guild, or is @everyone."""
        guild = self._bot.get_guild(guild_id)
        role = guild.get_role(role_id) if guild is not None else None
        if role is None:
            raise UserFacingError(NO_SUCH_ROLE)
        check_role(role)

    async def check_schedule(
        self, guild_id: int, when: str, repeat: str | None, timezone: str | None
    ) -> None:
        """Refuse a time that cannot be used, before anything else is asked for."""
        tz = parse_timezone(timezone) if timezone else await self.guild_timezone(guild_id)
        build_schedule(when, repeat, tz, self._bot.clock.now())

    # ---- changes --------------------------------------------------------------------------

    async def create(self, guild_id: int, actor_id: int, draft: Draft) -> Changed:
        self.check_channel(guild_id, draft.channel_id, embed=draft.title is not None, chosen=True)
        if draft.ping_role_id is not None:
            self.role_to_ping(guild_id, draft.ping_role_id)
        guild_tz = await self.guild_timezone(guild_id)
        info = await self.store.create(guild_id, actor_id, draft, guild_tz, self._bot.clock.now())
        return await self._changed(info)

    async def editable(self, guild_id: int, announcement_id: int) -> AnnouncementInfo:
        """The announcement, unless it can no longer change."""
        current = await self.store.get(guild_id, announcement_id)
        if current.status == Status.CANCELLED:
            raise UserFacingError(
                f"Announcement #{announcement_id} was cancelled; create a new one."
            )
        return current

    async def edit(
        self, guild_id: int, actor_id: int, announcement_id: int, change: Edit
    ) -> Changed:
        current = await self.editable(guild_id, announcement_id)
        title = None if change.clear_title else clean_title(change.title) or current.title
        self.check_channel(
            guild_id,
            change.channel_id or current.channel_id,
            embed=title is not None,
            chosen=change.channel_id is not None,
        )
        if change.ping_role_id is not None:
            self.role_to_ping(guild_id, change.ping_role_id)
        info = await self.store.edit(
            guild_id, actor_id, announcement_id, change, self._bot.clock.now()
        )
        return await self._changed(info)

    async def pause(self, guild_id: int, actor_id: int, announcement_id: int) -> Changed:
        now = self._bot.clock.now()
        return await self._changed(await self.store.pause(guild_id, actor_id, announcement_id, now))

    async def resume(self, guild_id: int, actor_id: int, announcement_id: int) -> Changed:
        current = await self.store.get(guild_id, announcement_id)
        if current.status == Status.FAILED:  # it failed for its channel: is that fixed?
            self.check_channel(guild_id, current.channel_id, embed=current.title is not None)
        now = self._bot.clock.now()
        return await self._changed(
            await self.store.resume(guild_id, actor_id, announcement_id, now)
        )

    async def cancel(self, guild_id: int, actor_id: int, announcement_id: int) -> Changed:
        now = self._bot.clock.now()
        return await self._changed(
            await self.store.cancel(guild_id, actor_id, announcement_id, now)
        )

    async def _changed(self, info: AnnouncementInfo) -> Changed:
        self._dispatcher.track(info)
        silent = silently_pinged_role(self._bot, info) if info.status == Status.ACTIVE else None
        return Changed(info, silent, await self._events.note(info))
