"""The Discord side of an item: its post (in the feedback channel or forum, places.py) and its
discussion thread, kept in step with the item.

Every method here survives a Discord that changed under it: a deleted message is posted again, a
deleted thread is created again, and anything Discord refuses (missing permissions, no channel
configured) comes back as a sentence for the person who acted, never as a crash.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.markdown import safe_truncate
from cogs.feedback.buttons import item_view
from cogs.feedback.forum_place import ForumPlace
from cogs.feedback.notices import StatusNotices
from cogs.feedback.outcomes import Outcome, mentions_only, why
from cogs.feedback.places import ChannelPlace, Place, add_member, send_in
from cogs.feedback.render import item_embed, jump_url, user_text
from cogs.feedback.settings import mode_of

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.places import Posting
    from cogs.feedback.records import Assignment, ItemRecord, Merge, PlusOne, StatusChange
    from cogs.feedback.store import ItemStore

log = logging.getLogger(__name__)


class FeedbackPublisher:
    def __init__(self, bot: NexusBot, *, store: ItemStore) -> None:
        self.bot = bot
        self.store = store
        self.notices = StatusNotices(bot)
        self.forum = ForumPlace(bot)
        self.places: dict[str, Place] = {"channel": ChannelPlace(bot), "forum": self.forum}

    # ---- posting -------------------------------------------------------------------------

    async def mode(self, guild_id: int) -> str:
        return mode_of(await self.bot.guild_settings.get(guild_id))

    def place_of(self, item: ItemRecord) -> Place:
        """The place the item's post is in (not the guild's mode: closed items stay put)."""
        return self.places.get(item.placement, self.places["channel"])

    async def post(
        self,
        item: ItemRecord,
        *,
        reason: str | None = None,
        mode: str | None = None,
        lead: str | None = None,
    ) -> Outcome:
        """Post the item where the guild's mode says (or in `mode`); store where it is as soon
        as the post and its thread exist, before the reporter is welcomed in the thread."""
        outcome = Outcome(item)
        mode = mode or await self.mode(item.guild_id)

        async def record(posting: Posting) -> None:
            outcome.item = await self.store.record_posting(
                item,
                channel_id=posting.channel_id,
                message_id=posting.message_id,
                thread_id=posting.thread_id,
                note=reason,
                placement=mode,
            )

        await self.places[mode].post(item, outcome, lead=lead, posted=record)
        return outcome

    async def _send(
        self,
        thread: discord.Thread,
        text: str,
        mentions: discord.AllowedMentions,
        outcome: Outcome,
    ) -> bool:
        return await send_in(thread, text, mentions, outcome)

    # ---- keeping the message and thread in step ------------------------------------------

    async def thread_of(self, item: ItemRecord) -> discord.Thread | None:
        if item.thread_id is None:
            return None
        guild = self.bot.get_guild(item.guild_id)
        thread = guild.get_thread(item.thread_id) if guild is not None else None
        if thread is not None:
            return thread
        try:
            fetched = await self.bot.fetch_channel(item.thread_id)
        except discord.NotFound:
            return None
        except discord.HTTPException as error:
            log.info("could not fetch thread %s: %s", item.thread_id, error)
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    async def refresh(self, item: ItemRecord, outcome: Outcome) -> discord.Thread | None:
        """Edit the embed in place and find the thread, re-creating what was deleted."""
        place = self.place_of(item)
        message = place.message(item)
        if message is None:
            return await self._repost(item, outcome, "its message was missing")
        try:
            await message.edit(embed=item_embed(item), view=item_view(item))
        except discord.NotFound:
            return await self._repost(item, outcome, "its message had been deleted")
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't update the post ({why(error)}).")
        thread = await self.thread_of(item)
        if thread is not None:
            await place.show(item, thread, outcome)
            return thread
        thread = await place.recover_thread(item, message, outcome)
        if thread is None:
            return await self._repost(item, outcome, "its thread had been deleted")
        outcome.item = await self.store.record_posting(
            item,
            channel_id=item.channel_id,
            message_id=item.message_id,
            thread_id=thread.id,
            note="the thread had been deleted; opened a new one",
        )
        outcome.notes.append("Its thread had been deleted, so I opened a new one.")
        return thread

    async def _repost(self, item: ItemRecord, outcome: Outcome, why: str) -> discord.Thread | None:
        posted = await self.post(item, reason=f"posted again: {why}")
        outcome.problems.extend(posted.problems)
        outcome.item = posted.item
        if posted.item.message_id is not None:
            outcome.notes.append(f"I posted {item.ref} again because {why}.")
        return await self.thread_of(posted.item)

    # ---- what triagers and reporters do --------------------------------------------------

    async def apply_status(self, change: StatusChange) -> Outcome:
        """Show the new status, tell the item's watchers, link a duplicate with its original,
        and archive the thread of a closed item (reopening unarchives it)."""
        outcome = Outcome(change.item)
        place = self.place_of(change.item)
        if change.reopens:
            # Unarchived first: Discord edits nothing else on an archived post.
            closed = await self.thread_of(change.item)
            if closed is not None and (closed.archived or closed.locked):
                await place.set_closed(closed, False, outcome)
        thread = await self.refresh(change.item, outcome)
        original = None
        if change.merge is not None:
            original = await self._link_original(change, change.merge, outcome)
        await self.notices.tell(change, outcome.item, thread, outcome, original=original)
        if thread is not None and change.closes:
            await self.place_of(outcome.item).set_closed(thread, True, outcome)
        return outcome

    async def _link_original(
        self, change: StatusChange, merge: Merge, outcome: Outcome
    ) -> ItemRecord:
        """The original of a new duplicate: its embed counts the +1s it took in, and its
        thread links back to the duplicate (a closed original's thread stays archived)."""
        linked = Outcome(merge.original)
        thread = await self.refresh(merge.original, linked)
        outcome.problems.extend(linked.problems)
        if thread is not None:
            item = outcome.item
            link = jump_url(item)
            where = f" ({link})" if link else ""
            moved = f"; its +1s count here now (+{merge.votes_moved})" if merge.votes_moved else ""
            text = (
                f"**{item.ref}**{where} was marked a duplicate of this by "
                f"{user_text(change.actor_id)}{moved}. Its watchers follow this item too."
            )
            place = self.place_of(linked.item)
            archived = thread.archived
            if archived:
                await place.set_closed(thread, False, outcome)
            await self._send(thread, text, mentions_only(), outcome)
            if archived:
                await place.set_closed(thread, True, outcome)
        return linked.item

    async def apply_assignment(self, assignment: Assignment) -> Outcome:
        outcome = Outcome(assignment.item)
        thread = await self.refresh(assignment.item, outcome)
        if thread is None:
            return outcome
        item = outcome.item
        await add_member(thread, assignment.new_assignee_id)
        text = (
            f"{user_text(item.reporter_id, 'Reporter')}: {user_text(assignment.new_assignee_id)} "
            f"is now looking after **{item.ref}** (assigned by {user_text(assignment.actor_id)})."
        )
        await self._send(
            thread, text, mentions_only(item.reporter_id, assignment.new_assignee_id), outcome
        )
        return outcome

    async def apply_plus_one(self, plus: PlusOne) -> Outcome:
        outcome = Outcome(plus.item)
        thread = await self.refresh(plus.item, outcome)
        if thread is None:
            return outcome
        await add_member(thread, plus.user_id)
        counted = f" (+1, now {plus.item.plus_ones})" if plus.counted else ""
        lines = [f"{user_text(plus.user_id)} has the same problem{counted}:"]
        lines.append(safe_truncate(plus.details, 1200))
        if plus.expected:
            lines.append("**Expected:** " + safe_truncate(plus.expected, 300))
        if plus.actual:
            lines.append("**Actual:** " + safe_truncate(plus.actual, 300))
        await self._send(thread, "\n".join(lines), mentions_only(), outcome)
        return outcome
