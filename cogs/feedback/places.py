"""Where an item's post lives, as one small strategy per feedback.mode: a message in the feedback
channel with its discussion thread ("channel"), or a post in the feedback forum ("forum",
forum_place.py). The publisher asks the item's place and never checks the mode itself.

A place makes the post, finds its message, shows the item's state on the thread (a forum
post's name and tags), opens a lost thread again when it can, and closes or reopens the
thread. Whatever Discord refuses becomes a sentence in the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

import discord

from bot.text import MESSAGE_LIMIT, truncate
from cogs.feedback.buttons import item_view
from cogs.feedback.outcomes import mentions_only, why
from cogs.feedback.render import item_embed, thread_name, user_text

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.app import NexusBot
    from cogs.feedback.outcomes import Outcome
    from cogs.feedback.records import ItemRecord

log = logging.getLogger(__name__)

ONE_WEEK_MINUTES: Literal[10080] = 10080
# How far back a stopped move looks for the post it may have made: moves go one item at a time.
RECENT_MESSAGES = 50


@dataclass(frozen=True)
class Posting:
    """Where a new post is: the channel its item message is in (the feedback channel, or the
    forum post itself), that message, and the discussion thread."""

    channel_id: int
    message_id: int
    thread_id: int | None


# Told where the post and its thread are as soon as they exist, before the reporter is welcomed.
Posted: TypeAlias = "Callable[[Posting], Awaitable[None]]"


class Place(Protocol):
    mode: str

    async def post(
        self, item: ItemRecord, outcome: Outcome, *, lead: str | None, posted: Posted | None = None
    ) -> Posting | None:
        """Make the item's post (`lead`: a line above the embed); None when Discord refused.
        `posted` hears where it is once the post and its thread exist (or the thread was
        refused), before the reporter is added to the thread and welcomed."""
        ...

    async def find(self, item: ItemRecord) -> Posting | None:
        """A post of the item the bot already made here (a move that stopped before it was
        recorded), so a second attempt does not post it twice."""
        ...

    def message(self, item: ItemRecord) -> discord.PartialMessage | None: ...

    async def show(self, item: ItemRecord, thread: discord.Thread, outcome: Outcome) -> None:
        """Make the thread show the item's current state (a forum post's name and tags)."""
        ...

    async def recover_thread(
        self, item: ItemRecord, message: discord.PartialMessage, outcome: Outcome
    ) -> discord.Thread | None:
        """A thread for an item whose thread was deleted but whose message is there."""
        ...

    async def set_closed(self, thread: discord.Thread, closed: bool, outcome: Outcome) -> None: ...


async def add_member(thread: discord.Thread, user_id: int | None) -> None:
    if user_id is None:
        return
    try:
        await thread.add_user(discord.Object(id=user_id))
    except discord.HTTPException as error:
        # They may have left the server; the thread still works without them.
        log.info("could not add %s to thread %s: %s", user_id, thread.id, error)


async def send_in(
    thread: discord.Thread | discord.PartialMessageable,
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


async def _open_thread(
    message: discord.Message, item: ItemRecord, outcome: Outcome
) -> discord.Thread | None:
    try:
        return await message.create_thread(
            name=thread_name(item), auto_archive_duration=ONE_WEEK_MINUTES
        )
    except discord.HTTPException as error:
        outcome.problems.append(f"I couldn't open a discussion thread ({why(error)}).")
        return None


async def welcome(thread: discord.Thread, item: ItemRecord, outcome: Outcome) -> None:
    """Bring the reporter into a new thread and say what it is for (the two at once: neither
    needs the other)."""
    reporter = user_text(item.reporter_id, "The reporter")
    await asyncio.gather(
        add_member(thread, item.reporter_id),
        send_in(
            thread,
            f"{reporter}: this thread is the discussion for **{item.ref}**. Triagers post "
            "status changes here, and you'll be mentioned when they do.",
            mentions_only(item.reporter_id),
            outcome,
        ),
    )


class ChannelPlace:
    """An item as a message in the feedback channel, with a thread opened on it."""

    mode = "channel"

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot

    async def _channel(self, guild_id: int) -> discord.TextChannel | None:
        config = await self.bot.guild_settings.get(guild_id)
        channel_id = config.channel_id("feedback")
        channel = self.bot.get_channel(channel_id) if channel_id is not None else None
        return channel if isinstance(channel, discord.TextChannel) else None

    async def post(
        self, item: ItemRecord, outcome: Outcome, *, lead: str | None, posted: Posted | None = None
    ) -> Posting | None:
        channel = await self._channel(item.guild_id)
        if channel is None:
            outcome.problems.append(
                "No feedback channel is set up, so it was saved but not posted. "
                "A moderator can set one with `/admin setup`."
            )
            return None
        try:
            message = await channel.send(
                lead, embed=item_embed(item), view=item_view(item), allowed_mentions=mentions_only()
            )
        except discord.HTTPException as error:
            log.warning("could not post %s in %s: %s", item.ref, channel.id, error)
            outcome.problems.append(f"I couldn't post it in {channel.mention} ({why(error)}).")
            return None
        thread = await _open_thread(message, item, outcome)
        posting = Posting(channel.id, message.id, thread.id if thread is not None else None)
        if posted is not None:
            await posted(posting)
        if thread is not None:
            await welcome(thread, item, outcome)
        return posting

    async def find(self, item: ItemRecord) -> Posting | None:
        channel = await self._channel(item.guild_id)
        if channel is None:
            return None
        footer = item_embed(item).footer.text
        me = self.bot.user.id if self.bot.user is not None else None
        try:
            async for message in channel.history(limit=RECENT_MESSAGES):
                if message.author.id == me and any(
                    embed.footer.text == footer for embed in message.embeds
                ):
                    # A thread opened on a message shares the message's id.
                    thread = channel.guild.get_thread(message.id)
                    return Posting(channel.id, message.id, thread.id if thread else None)
        except discord.HTTPException as error:
            log.info("could not read %s's history: %s", channel.id, error)
        return None

    def message(self, item: ItemRecord) -> discord.PartialMessage | None:
        if item.channel_id is None or item.message_id is None:
            return None
        channel = self.bot.get_channel(item.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        return channel.get_partial_message(item.message_id)

    async def show(self, item: ItemRecord, thread: discord.Thread, outcome: Outcome) -> None:
        return None

    async def recover_thread(
        self, item: ItemRecord, message: discord.PartialMessage, outcome: Outcome
    ) -> discord.Thread | None:
        """Open a new thread on the same message when Discord allows it; a message keeps its
        deleted thread's id on Discord, so when it does not, the message goes (and the item
        is posted again)."""
        try:
            fresh = await message.fetch()
        except discord.HTTPException:
            return None
        try:
            thread = await fresh.create_thread(
                name=thread_name(item), auto_archive_duration=ONE_WEEK_MINUTES
            )
        except discord.HTTPException:
            with contextlib.suppress(discord.HTTPException):
                await fresh.delete()
            return None
        await add_member(thread, item.reporter_id)
        return thread

    async def set_closed(self, thread: discord.Thread, closed: bool, outcome: Outcome) -> None:
        # A closed item's thread is archived, so it leaves the channel's active list, but not
        # locked: its members may still say something, which reopens the discussion.
        try:
            await thread.edit(archived=closed)
        except discord.HTTPException as error:
            action = "archive" if closed else "reopen"
            outcome.problems.append(f"I couldn't {action} the thread ({why(error)}).")
