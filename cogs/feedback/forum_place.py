"""An item as a post in the feedback forum: the post is its thread, named `FB-n · title`, its
first message is the item's embed with its buttons, and its status and severity are the
post's tags. A closed item's post is archived and locked; reopening it undoes both.

A post a member made themselves is an item too: there the first message is theirs, and the
item's embed is the bot's message inside the post (see forum_intake.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from cogs.feedback.buttons import item_view
from cogs.feedback.forum_tags import ensure_tags, post_tags
from cogs.feedback.outcomes import mentions_only, why
from cogs.feedback.places import ONE_WEEK_MINUTES, Posting, welcome
from cogs.feedback.render import item_embed, post_name
from cogs.feedback.settings import forum_id_of

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.outcomes import Outcome
    from cogs.feedback.places import Posted
    from cogs.feedback.records import ItemRecord

log = logging.getLogger(__name__)


class ForumPlace:
    mode = "forum"

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot

    async def forum(self, guild_id: int) -> discord.ForumChannel | None:
        config = await self.bot.guild_settings.get(guild_id)
        forum_id = forum_id_of(config)
        channel = self.bot.get_channel(forum_id) if forum_id is not None else None
        return channel if isinstance(channel, discord.ForumChannel) else None

    async def ready_forum(self, guild_id: int, problems: list[str]) -> discord.ForumChannel | None:
        """The guild's feedback forum with the status and severity tags made, when it can be."""
        forum = await self.forum(guild_id)
        if forum is None:
            return None
        try:
            setup = await ensure_tags(forum)
        except discord.HTTPException as error:
            problems.append(
                f"I couldn't add the status tags to {forum.mention} ({why(error)}); "
                "the posts go without them."
            )
            return forum
        if setup.no_room:
            problems.append(
                f"{forum.mention} has no room for the tags {', '.join(setup.no_room)} "
                "(a forum holds 20)."
            )
        return setup.forum

    async def post(
        self, item: ItemRecord, outcome: Outcome, *, lead: str | None, posted: Posted | None = None
    ) -> Posting | None:
        forum = await self.ready_forum(item.guild_id, outcome.problems)
        if forum is None:
            outcome.problems.append(
                "No feedback forum is set up, so it was saved but not posted. A moderator can "
                "set one with `/admin config set feedback.forum`."
            )
            return None
        try:
            made = await forum.create_thread(
                name=post_name(item),
                content=lead,
                embed=item_embed(item),
                view=item_view(item),
                applied_tags=post_tags(forum, item),
                auto_archive_duration=ONE_WEEK_MINUTES,
                allowed_mentions=mentions_only(),
            )
        except discord.HTTPException as error:
            log.warning("could not post %s in %s: %s", item.ref, forum.id, error)
            outcome.problems.append(f"I couldn't post it in {forum.mention} ({why(error)}).")
            return None
        posting = Posting(made.thread.id, made.message.id, made.thread.id)
        if posted is not None:
            await posted(posting)
        await welcome(made.thread, item, outcome)
        return posting

    async def find(self, item: ItemRecord) -> Posting | None:
        forum = await self.forum(item.guild_id)
        if forum is None:
            return None
        name = post_name(item)
        me = self.bot.user.id if self.bot.user is not None else None
        for thread in forum.threads:
            if thread.owner_id == me and thread.name == name:
                return Posting(thread.id, thread.id, thread.id)
        return None

    def message(self, item: ItemRecord) -> discord.PartialMessage | None:
        if item.channel_id is None or item.message_id is None:
            return None
        return self.bot.get_partial_messageable(
            item.channel_id, guild_id=item.guild_id, type=discord.ChannelType.public_thread
        ).get_partial_message(item.message_id)

    async def show(self, item: ItemRecord, thread: discord.Thread, outcome: Outcome) -> None:
        forum = thread.parent
        if not isinstance(forum, discord.ForumChannel):
            return
        name = post_name(item)
        tags = post_tags(forum, item, thread.applied_tags)
        changes: dict[str, object] = {}
        if thread.name != name:
            changes["name"] = name
        if [tag.id for tag in tags] != [tag.id for tag in thread.applied_tags]:
            changes["applied_tags"] = tags
        if not changes:
            return
        try:
            await thread.edit(**changes)  # type: ignore[arg-type]
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't update the post's tags ({why(error)}).")

    async def recover_thread(
        self, item: ItemRecord, message: discord.PartialMessage, outcome: Outcome
    ) -> discord.Thread | None:
        # A forum post is its thread: without it there is nothing to open again.
        return None

    async def set_closed(self, thread: discord.Thread, closed: bool, outcome: Outcome) -> None:
        # Closed posts are archived and locked, so the forum lists only live items and a
        # closed one is not reopened by a stray message; reopening undoes both.
        try:
            await thread.edit(archived=closed, locked=closed)
        except discord.HTTPException as error:
            action = "archive" if closed else "reopen"
            outcome.problems.append(f"I couldn't {action} the post ({why(error)}).")
