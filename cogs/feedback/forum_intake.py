"""A post a member makes directly in the feedback forum becomes an item: numbered, renamed
`FB-n · title`, tagged, with the item's embed and buttons as the bot's message in it.

The endpoint comes from the title (`GET /api/jobs returns 500`); when the title names none, the
bot asks in the post, with a button whose form takes the endpoint, and the item is made then.
The post's first message (when the bot may read it) is the item's details; a severity tag the
member chose is its severity.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from bot.permissions import Tier, has_tier
from bot.replies import reply
from cogs.feedback.buttons import EndpointButton, item_view
from cogs.feedback.endpoints import endpoint_in_title, parse_endpoint
from cogs.feedback.forum_tags import severity_from
from cogs.feedback.outcomes import Outcome, mentions_only, why
from cogs.feedback.places import send_in
from cogs.feedback.render import item_embed, user_text
from cogs.feedback.render_replies import new_item_reply
from cogs.feedback.rules import DETAILS_MAX, TITLE_MAX, FeedbackError
from cogs.feedback.settings import mode_of
from cogs.feedback.views import EndpointModal

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.publisher import FeedbackPublisher
    from cogs.feedback.records import ItemRecord

log = logging.getLogger(__name__)

NO_DETAILS = "(The details are in the first message of this post.)"
DEFAULT_SEVERITY = "bug"


class ForumIntake:
    def __init__(self, bot: NexusBot, parts: FeedbackParts, publisher: FeedbackPublisher) -> None:
        self.bot = bot
        self.parts = parts
        self.publisher = publisher
        # One adoption per post at a time: a double-submitted form must not make two items.
        # Post → (its lock, adoptions holding or awaiting it); the last one out removes it, so
        # only posts being adopted right now are kept.
        self._adopting: dict[int, tuple[asyncio.Lock, int]] = {}

    async def _is_member_post(self, thread: discord.Thread) -> bool:
        me = self.bot.user.id if self.bot.user is not None else None
        if thread.owner_id is None or thread.owner_id == me:
            return False
        config = await self.bot.guild_settings.get(thread.guild.id)
        if mode_of(config) != "forum":
            return False
        forum = await self.publisher.forum.forum(thread.guild.id)
        return forum is not None and thread.parent_id == forum.id

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """The listener: a member's new post in the feedback forum."""
        if not await self._is_member_post(thread):
            return
        if await self.parts.store.number_by_thread(thread.guild.id, thread.id) is not None:
            return
        found = endpoint_in_title(thread.name)
        if found is None:
            await self._ask_for_endpoint(thread)
            return
        endpoint, title = found
        outcome = await self.adopt(thread, str(endpoint), title)
        for problem in outcome.problems:
            log.info("adopting post %s: %s", thread.id, problem)

    async def _ask_for_endpoint(self, thread: discord.Thread) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(EndpointButton(thread.id))
        text = (
            f"{user_text(thread.owner_id)}: which endpoint is this about? I couldn't find one "
            "in the title (like `GET /api/jobs`). Press **Set the endpoint** and this post "
            "becomes a feedback item."
        )
        try:
            await thread.send(text, view=view, allowed_mentions=mentions_only(thread.owner_id))
        except discord.HTTPException as error:
            log.info("could not ask for the endpoint in %s: %s", thread.id, why(error))

    async def adopt(self, thread: discord.Thread, endpoint: str, title: str) -> Outcome:
        """Make the post an item; refuses (in words) a post that already is one."""
        lock, users = self._adopting.get(thread.id, (asyncio.Lock(), 0))
        self._adopting[thread.id] = (lock, users + 1)
        try:
            async with lock:
                number = await self.parts.store.number_by_thread(thread.guild.id, thread.id)
                if number is not None:
                    raise FeedbackError(f"This post is already **FB-{number}**.")
                item = await self._create(thread, endpoint, title)
                return await self._show(thread, item)
        finally:
            lock, users = self._adopting[thread.id]
            if users == 1:
                del self._adopting[thread.id]
            else:
                self._adopting[thread.id] = (lock, users - 1)

    async def _create(self, thread: discord.Thread, endpoint: str, title: str) -> ItemRecord:
        assert thread.owner_id is not None
        details = await self._first_message_text(thread)
        draft = self.parts.intake.draft(
            thread.guild.id,
            thread.owner_id,
            endpoint=endpoint,
            severity=severity_from(thread.applied_tags) or DEFAULT_SEVERITY,
            title=title[:TITLE_MAX] if len(title.strip()) >= 3 else thread.name[:TITLE_MAX],
            details=details[:DETAILS_MAX],
        )
        return await self.parts.intake.create(draft)

    async def _first_message_text(self, thread: discord.Thread) -> str:
        # Without the Message Content intent Discord sends the text blank: say where it is.
        try:
            first = await thread.fetch_message(thread.id)
        except discord.HTTPException:
            return NO_DETAILS
        return first.content.strip() or NO_DETAILS

    async def _show(self, thread: discord.Thread, item: ItemRecord) -> Outcome:
        outcome = Outcome(item)
        try:
            message = await thread.send(
                embed=item_embed(item), view=item_view(item), allowed_mentions=mentions_only()
            )
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't post the item in the thread ({why(error)}).")
            return outcome
        item = await self.parts.store.record_posting(
            item,
            channel_id=thread.id,
            message_id=message.id,
            thread_id=thread.id,
            placement="forum",
        )
        outcome.item = item
        await self.publisher.forum.show(item, thread, outcome)
        await send_in(
            thread,
            f"{user_text(item.reporter_id)}: this post is **{item.ref}** now. Triagers post status "
            "changes here, and you'll be mentioned when they do.",
            mentions_only(item.reporter_id),
            outcome,
        )
        return outcome

    # ---- the endpoint button and its form (ForumPostActions) -------------------------------

    async def _post_for(self, interaction: discord.Interaction, thread_id: int) -> discord.Thread:
        thread = interaction.guild.get_thread(thread_id) if interaction.guild else None
        if thread is None:
            raise FeedbackError("That post is gone.")
        owner = interaction.user.id == thread.owner_id
        if not owner and not await has_tier(interaction, Tier.TRIAGER):
            raise FeedbackError("Only the member who made this post (or a triager) can set it.")
        return thread

    async def ask_endpoint(self, interaction: discord.Interaction, thread_id: int) -> None:
        await self._post_for(interaction, thread_id)
        await interaction.response.send_modal(EndpointModal(self, thread_id))

    async def set_endpoint(
        self, interaction: discord.Interaction, thread_id: int, endpoint: str
    ) -> None:
        thread = await self._post_for(interaction, thread_id)
        parse_endpoint(endpoint)  # refuses a bad one before anything is made
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = endpoint_in_title(f"{endpoint} {thread.name}")
        title = found[1] if found is not None else thread.name
        outcome = await self.adopt(thread, endpoint, title)
        if interaction.message is not None:
            try:
                await interaction.message.edit(view=None)
            except discord.HTTPException as error:
                log.info("could not take the endpoint button off: %s", why(error))
        await reply(interaction, new_item_reply(outcome))
