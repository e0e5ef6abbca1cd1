"""Keeping an announcement's Discord scheduled event in step with the announcement.

After every change (create, edit, pause, resume, cancel, the announcements file at start) and
after every post of an announcement with an event, `sync` reads the row, asks event_plan.py
what the event should be and what to do, and does it: create, edit, delete (paused, or the
event turned off; resuming makes a new one), or cancel (the announcement is cancelled).

An event is created once, also across processes: its creation is claimed in the occurrence
ledger (kind "announcement.event", the announcement, the event's start) before Discord is
asked, as a post is claimed before it is sent. A refused creation gives its claim back, so a
later sync may try again. Discord's refusals never stop a post: they are kept on the row,
logged and audited once per distinct failure, and told to the moderator who made the change.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cogs.announcements.discord_events import DiscordEvents, EventFailure, EventGone, place_in
from cogs.announcements.event_plan import Step, event_link, plan_event, wanted_event
from cogs.announcements.event_store import EventStore
from cogs.announcements.render import event_failure_note

if TYPE_CHECKING:
    from datetime import timedelta

    from bot.app import NexusBot
    from cogs.announcements.event_plan import EventSpec
    from cogs.announcements.pacing import Poster
    from cogs.announcements.records import AnnouncementInfo, Delivery, PostResult

log = logging.getLogger(__name__)

CLAIM_KIND: Final = "announcement.event"


@dataclass(frozen=True)
class EventView:
    """What /announce show says of the event."""

    link: str | None
    interested: int | None
    error: str | None


class EventSync:
    def __init__(self, bot: NexusBot, length: timedelta) -> None:
        self._bot = bot
        self._length = length
        self.store = EventStore(bot.db.sessions, bot.audit)
        self.discord = DiscordEvents(bot.http)

    async def sync(
        self, announcement_id: int, written: AnnouncementInfo | None = None
    ) -> str | None:
        """Bring the event in step; a sentence for the moderator when Discord refused.
        `written`: the announcement as a change just committed it (read again when absent)."""
        info = written if written is not None else await self.store.load(announcement_id)
        if info is None:
            return None
        spec = wanted_event(info, place_in(self._bot, info.channel_id), self._length)
        step = plan_event(info, spec, self._bot.clock.now())
        try:
            await self._do(step, info, spec)
        except EventFailure as failure:
            if await self.store.fail(info, failure.message):
                log.warning(
                    "announcements: guild %s, announcement #%s: event not %sd: %s",
                    info.guild_id,
                    info.id,
                    step.value,
                    failure.message,
                )
            return failure.message
        return None

    async def note(self, written: AnnouncementInfo) -> str:
        """`sync` an announcement as a change just committed it, then what the moderator should
        read about it (nothing when all went well)."""
        failure = await self.sync(written.id, written)
        return event_failure_note(failure) if failure else ""

    async def _do(self, step: Step, info: AnnouncementInfo, spec: EventSpec | None) -> None:
        event_id = info.event_id
        if step is Step.CREATE and spec is not None:
            await self._create(info, spec)
        elif step is Step.EDIT and spec is not None and event_id is not None:
            try:
                await self.discord.edit(info.guild_id, event_id, spec.payload())
            except EventGone:  # deleted in Discord meanwhile: make it again
                await self._create(info, spec)
                return
            await self.store.record(info.id, event_id, spec.start, spec.fingerprint)
        elif step is Step.DELETE and event_id is not None:
            with contextlib.suppress(EventGone):
                await self.discord.delete(info.guild_id, event_id)
            if info.event_start is not None:  # so resuming before that start makes a new one
                await self._bot.occurrences.release(CLAIM_KIND, str(info.id), info.event_start)
            await self.store.forget(info.id)
        elif step is Step.CANCEL and event_id is not None:
            with contextlib.suppress(EventGone):
                await self.discord.cancel(info.guild_id, event_id)
            await self.store.forget(info.id)

    async def _create(self, info: AnnouncementInfo, spec: EventSpec) -> None:
        ledger = self._bot.occurrences
        if not await ledger.claim(CLAIM_KIND, str(info.id), spec.start):
            return  # another process (or call) is making this very event
        try:
            event_id = await self.discord.create(info.guild_id, spec.payload())
        except EventFailure:
            await ledger.release(CLAIM_KIND, str(info.id), spec.start)
            raise
        await self.store.record(info.id, event_id, spec.start, spec.fingerprint)

    async def sync_managed(self) -> None:
        """At start: every announcement of the announcements file that has, or wants, an event.
        Each process does this; the creation claim keeps it to one event."""
        for info in await self.store.managed_with_events():
            await self.sync(info.id)

    def after_posting(self, poster: Poster) -> Poster:
        """The poster, followed by a sync for announcements with an event: a repeat Discord
        cannot say gets its next occurrence's event once this run's post is out."""

        async def post(delivery: Delivery) -> PostResult:
            result = await poster(delivery)
            if delivery.event and result.message_id is not None:
                await self.sync(delivery.announcement_id)
            return result

        return post

    async def view(self, info: AnnouncementInfo) -> EventView | None:
        if not info.event and info.event_id is None:
            return None
        if info.event_id is None:
            return EventView(None, None, info.event_error)
        link = event_link(info.guild_id, info.event_id)
        try:
            count: int | None = await self.discord.interested_count(info.guild_id, info.event_id)
        except (EventFailure, EventGone):
            count = None
        return EventView(link, count, info.event_error)
