"""Moving open items when a guild switches feedback.mode (channel ↔ forum), without losing
anything: each open item gets a post in the new place that links to the old one, the old post
links to the new one and is archived, and the item's history records the move. Closed items
stay where they are (their place is remembered per item, so they still update there).

Each item moves in steps that are recorded as they happen, so a crash midway is finished by
the next run (the next start, or the next change) without a second post:
1. claim the move (`moving_to`), then post in the new place; a run that finds the claim
   looks for the post it may already have made before posting again;
2. record the new post, keeping the old one's ids (`moved_from_*`);
3. link and archive the old post, then forget its ids.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from cogs.feedback.outcomes import Outcome, mentions_only, why
from cogs.feedback.places import send_in
from cogs.feedback.render import jump_url
from cogs.feedback.settings import FORUM, MODE

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.publisher import FeedbackPublisher
    from cogs.feedback.queries import FeedbackQueries
    from cogs.feedback.records import ItemRecord
    from cogs.feedback.store import ItemStore

log = logging.getLogger(__name__)

PLACE_WORDS = {"channel": "the feedback channel", "forum": "the feedback forum"}
# /admin setup stores every feature channel at once: a moment to make the forum's tags too.
SETUP_KEY = "channels.feedback"


class ModeMoves:
    def __init__(self, bot: NexusBot, parts: FeedbackParts, publisher: FeedbackPublisher) -> None:
        self.bot = bot
        self.store: ItemStore = parts.store
        self.queries: FeedbackQueries = parts.queries
        self.publisher = publisher
        # One run per guild at a time; the latest is kept so a test (or a shutdown) can wait.
        self.tasks: dict[int, asyncio.Task[None]] = {}

    async def settings_changed(self, guild_id: int, keys: frozenset[str]) -> None:
        """Make the forum's tags when the forum or the mode is set (or on /admin setup), and
        move the open items when the mode changed. The move runs on its own: the moderator's
        command is answered now, not after every item has moved."""
        if keys & {MODE, FORUM, SETUP_KEY}:
            problems: list[str] = []
            await self.publisher.forum.ready_forum(guild_id, problems)
            for problem in problems:
                log.warning("feedback forum of guild %s: %s", guild_id, problem)
        if MODE in keys:
            self.start(guild_id)

    def start(self, guild_id: int) -> asyncio.Task[None]:
        previous = self.tasks.get(guild_id)

        async def run() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            await self.move_guild(guild_id)

        task = asyncio.create_task(run(), name=f"feedback-mode-move-{guild_id}")
        self.tasks[guild_id] = task
        return task

    def stop(self) -> None:
        for task in self.tasks.values():
            task.cancel()

    async def resume(self) -> None:
        """At start: finish what a stopped run left (and move what a change made elsewhere)."""
        for guild in self.bot.guilds:
            if await self.store.numbers_to_move(guild.id, await self.publisher.mode(guild.id)):
                self.start(guild.id)

    async def move_guild(self, guild_id: int) -> None:
        mode = await self.publisher.mode(guild_id)
        for number in await self.store.numbers_to_move(guild_id, mode):
            try:
                await self.move_item(await self.queries.get(guild_id, number), mode)
            except Exception:
                # One item's trouble must not strand the others; it is retried next run.
                log.exception("moving FB-%s of guild %s to %s failed", number, guild_id, mode)

    async def move_item(self, item: ItemRecord, mode: str) -> None:
        if item.placement != mode:
            moved = await self._post_anew(item, mode)
            if moved is None:
                return
            item = moved
        old_channel, old_message, old_thread = await self.store.moved_from(item.id)
        if old_message is not None or old_thread is not None:
            await self._retire(item, old_channel, old_message, old_thread)
        await self.store.finish_move(item.id)

    async def _post_anew(self, item: ItemRecord, mode: str) -> ItemRecord | None:
        place = self.publisher.places[mode]
        posting = await place.find(item) if await self.store.begin_move(item.id, mode) else None
        if posting is None:
            old = jump_url(item)
            lead = (
                f"Moved here from {PLACE_WORDS[item.placement]}: {old}. Its history and +1s "
                f"came along (`/feedback show {item.ref}`)."
                if old
                else None
            )
            outcome = Outcome(item)
            posting = await place.post(item, outcome, lead=lead)
            if posting is None:
                log.warning("could not move %s: %s", item.ref, "; ".join(outcome.problems))
                return None
        await self.store.record_move(
            item.id,
            mode,
            channel_id=posting.channel_id,
            message_id=posting.message_id,
            thread_id=posting.thread_id,
        )
        return await self.queries.get(item.guild_id, item.number)

    async def _retire(
        self,
        item: ItemRecord,
        channel_id: int | None,
        message_id: int | None,
        thread_id: int | None,
    ) -> None:
        """The old post says where the item went, loses its buttons, and is archived."""
        new = jump_url(item)
        old_place = self.publisher.places["forum" if item.placement == "channel" else "channel"]
        outcome = Outcome(item)
        thread = await self._thread(thread_id)
        if thread is not None and (thread.archived or thread.locked):
            await old_place.set_closed(thread, False, outcome)
        if channel_id is not None and message_id is not None:
            message = self.bot.get_partial_messageable(
                channel_id, guild_id=item.guild_id
            ).get_partial_message(message_id)
            try:
                await message.edit(content=f"➡️ **{item.ref}** moved: {new}", view=None)
            except discord.NotFound:
                pass
            except discord.HTTPException as error:
                log.info("could not mark %s's old post: %s", item.ref, why(error))
        if thread is not None:
            text = f"**{item.ref}** moved to {PLACE_WORDS[item.placement]}: {new}. Follow it there."
            await send_in(thread, text, mentions_only(), outcome)
            await old_place.set_closed(thread, True, outcome)
        for problem in outcome.problems:
            log.info("retiring %s's old post: %s", item.ref, problem)

    async def _thread(self, thread_id: int | None) -> discord.Thread | None:
        if thread_id is None:
            return None
        found = self.bot.get_channel(thread_id)
        if found is None:
            try:
                found = await self.bot.fetch_channel(thread_id)
            except discord.HTTPException:
                return None
        return found if isinstance(found, discord.Thread) else None
