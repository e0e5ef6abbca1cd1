"""The Discord side of an item: its embed in the feedback channel and its discussion thread.

Every method here survives a Discord that changed under it: a deleted message is posted again, a
deleted thread is created again, and anything Discord refuses (missing permissions, no channel
configured) comes back as a sentence for the person who acted, never as a crash.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Literal

import discord

from bot.markdown import safe_truncate
from bot.text import MESSAGE_LIMIT, truncate
from cogs.feedback.buttons import item_view
from cogs.feedback.notices import StatusNotices
from cogs.feedback.outcomes import Outcome, mentions_only, why
from cogs.feedback.render import item_embed, jump_url, thread_name, user_text

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.queries import FeedbackQueries
    from cogs.feedback.records import Assignment, ItemRecord, Merge, PlusOne, StatusChange
    from cogs.feedback.store import ItemStore

log = logging.getLogger(__name__)

ONE_WEEK_MINUTES: Literal[10080] = 10080


class FeedbackPublisher:
    def __init__(self, bot: NexusBot, *, store: ItemStore, queries: FeedbackQueries) -> None:
        self.bot = bot
        self.store = store
        self.queries = queries
        self.notices = StatusNotices(bot)

    # ---- posting -------------------------------------------------------------------------

    async def _feedback_channel(self, guild_id: int) -> discord.TextChannel | None:
        config = await self.bot.guild_settings.get(guild_id)
        channel_id = config.channel_id("feedback")
        if channel_id is None:
            return None
        channel = self.bot.get_channel(channel_id)
        return channel if isinstance(channel, discord.TextChannel) else None

    async def post(self, item: ItemRecord, *, reason: str | None = None) -> Outcome:
        """Post the item's embed and open its thread; store where they are."""
        outcome = Outcome(item)
        channel = await self._feedback_channel(item.guild_id)
        if channel is None:
            outcome.problems.append(
                "No feedback channel is set up, so it was saved but not posted. "
                "A moderator can set one with `/admin setup`."
            )
            return outcome
        try:
            message = await channel.send(embed=item_embed(item), view=item_view(item))
        except discord.HTTPException as error:
            log.warning("could not post %s in %s: %s", item.ref, channel.id, error)
            outcome.problems.append(f"I couldn't post it in {channel.mention} ({why(error)}).")
            return outcome
        thread = await self._open_thread(message, item, outcome)
        await self.store.record_posting(
            item.id,
            channel_id=channel.id,
            message_id=message.id,
            thread_id=thread.id if thread is not None else None,
            note=reason,
        )
        outcome.item = await self.queries.get(item.guild_id, item.number)
        return outcome

    async def _open_thread(
        self, message: discord.Message, item: ItemRecord, outcome: Outcome
    ) -> discord.Thread | None:
        try:
            thread = await message.create_thread(
                name=thread_name(item), auto_archive_duration=ONE_WEEK_MINUTES
            )
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't open a discussion thread ({why(error)}).")
            return None
        await self._add_member(thread, item.reporter_id)
        reporter = user_text(item.reporter_id, "The reporter")
        await self._send(
            thread,
            f"{reporter}: this thread is the discussion for **{item.ref}**. Triagers post status "
            "changes here, and you'll be mentioned when they do.",
            mentions_only(item.reporter_id),
            outcome,
        )
        return thread

    async def _add_member(self, thread: discord.Thread, user_id: int | None) -> None:
        if user_id is None:
            return
        try:
            await thread.add_user(discord.Object(id=user_id))
        except discord.HTTPException as error:
            # They may have left the server; the thread still works without them.
            log.info("could not add %s to thread %s: %s", user_id, thread.id, error)

    async def _send(
        self,
        thread: discord.Thread,
        text: str,
        mentions: discord.AllowedMentions,
        outcome: Outcome,
    ) -> bool:
        try:
            await thread.send(truncate(text, MESSAGE_LIMIT), allowed_mentions=mentions)
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't post in the thread ({why(error)}).")
            return False
        return True

    # ---- keeping the message and thread in step ------------------------------------------

    async def _message(self, item: ItemRecord) -> discord.PartialMessage | None:
        if item.channel_id is None or item.message_id is None:
            return None
        channel = self.bot.get_channel(item.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        return channel.get_partial_message(item.message_id)

    async def _thread(self, item: ItemRecord) -> discord.Thread | None:
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
        message = await self._message(item)
        if message is None:
            return await self._repost(item, outcome, "its message was missing")
        try:
            await message.edit(embed=item_embed(item), view=item_view(item))
        except discord.NotFound:
            return await self._repost(item, outcome, "its message had been deleted")
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't update the post ({why(error)}).")
        thread = await self._thread(item)
        if thread is not None:
            return thread
        # The thread was deleted: open a new one on the same message when Discord allows it.
        fresh: discord.Message | None
        try:
            fresh = await message.fetch()
        except discord.HTTPException:
            fresh = None
        if fresh is not None:
            try:
                thread = await fresh.create_thread(
                    name=thread_name(item), auto_archive_duration=ONE_WEEK_MINUTES
                )
            except discord.HTTPException:
                thread = None
            if thread is not None:
                await self._add_member(thread, item.reporter_id)
                await self.store.record_posting(
                    item.id,
                    channel_id=item.channel_id,
                    message_id=item.message_id,
                    thread_id=thread.id,
                    note="the thread had been deleted; opened a new one",
                )
                outcome.notes.append("Its thread had been deleted, so I opened a new one.")
                outcome.item = await self.queries.get(item.guild_id, item.number)
                return thread
            # A message keeps its (deleted) thread's id on Discord: post the item again.
            await _delete_quietly(fresh)
        return await self._repost(item, outcome, "its thread had been deleted")

    async def _repost(self, item: ItemRecord, outcome: Outcome, why: str) -> discord.Thread | None:
        posted = await self.post(item, reason=f"posted again: {why}")
        outcome.problems.extend(posted.problems)
        outcome.item = posted.item
        if posted.item.message_id is not None:
            outcome.notes.append(f"I posted {item.ref} again because {why}.")
        return await self._thread(posted.item)

    # ---- what triagers and reporters do --------------------------------------------------

    async def apply_status(self, change: StatusChange) -> Outcome:
        """Show the new status, tell the item's watchers, link a duplicate with its original,
        and archive the thread of a closed item (reopening unarchives it)."""
        outcome = Outcome(change.item)
        thread = await self.refresh(change.item, outcome)
        if thread is not None and change.reopens and thread.archived:
            await self._archive(thread, False, outcome)
        original = None
        if change.merge is not None:
            original = await self._link_original(change, change.merge, outcome)
        await self.notices.tell(change, outcome.item, thread, outcome, original=original)
        if thread is not None and change.closes:
            await self._archive(thread, True, outcome)
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
            archived = thread.archived
            await self._send(thread, text, mentions_only(), outcome)
            if archived:
                await self._archive(thread, True, outcome)
        return linked.item

    async def apply_assignment(self, assignment: Assignment) -> Outcome:
        outcome = Outcome(assignment.item)
        thread = await self.refresh(assignment.item, outcome)
        if thread is None:
            return outcome
        item = outcome.item
        await self._add_member(thread, assignment.new_assignee_id)
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
        await self._add_member(thread, plus.user_id)
        counted = f" (+1, now {plus.item.plus_ones})" if plus.counted else ""
        lines = [f"{user_text(plus.user_id)} has the same problem{counted}:"]
        lines.append(safe_truncate(plus.details, 1200))
        if plus.expected:
            lines.append("**Expected:** " + safe_truncate(plus.expected, 300))
        if plus.actual:
            lines.append("**Actual:** " + safe_truncate(plus.actual, 300))
        await self._send(thread, "\n".join(lines), mentions_only(), outcome)
        return outcome

    async def _archive(self, thread: discord.Thread, archived: bool, outcome: Outcome) -> None:
        try:
            await thread.edit(archived=archived)
        except discord.HTTPException as error:
            action = "archive" if archived else "reopen"
            outcome.problems.append(f"I couldn't {action} the thread ({why(error)}).")


async def _delete_quietly(message: discord.Message) -> None:
    with contextlib.suppress(discord.HTTPException):
        await message.delete()
