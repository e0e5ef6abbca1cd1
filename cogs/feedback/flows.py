"""A member's report on its way in, and back out: checked, held at the duplicate prompt when it
looks already reported, created and posted, or added to an existing item as a +1; withdrawn by
its reporter; +1'd from its post, and watched by DM. Each step answers the interaction it was
given.

These are the feature's `FeedbackActions` (actions.py): the cog's commands start them, and its
modals and buttons reach them through that Protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.permissions import guild_of
from bot.replies import acknowledge_if_slow, answer_to_edit, reply
from bot.text import MESSAGE_LIMIT, truncate
from cogs.feedback.buttons import duplicate_prompt
from cogs.feedback.outcomes import Outcome
from cogs.feedback.render_lists import duplicates_embed
from cogs.feedback.render_replies import (
    closed_meanwhile,
    direct_message_reply,
    new_item_reply,
    plus_one_reply,
    status_reply,
    vote_reply,
    with_outcome,
)
from cogs.feedback.rules import FeedbackError, ItemClosedMeanwhile

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import discord

    from bot.replies import SentAnswer
    from cogs.feedback.item_flow import ItemFlow
    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.records import Draft, ItemRecord, StatusChange


class FeedbackFlows:
    def __init__(self, parts: FeedbackParts, items: ItemFlow) -> None:
        self.parts = parts
        self.items = items

    def draft_from(
        self,
        interaction: discord.Interaction,
        *,
        endpoint: str,
        severity: str,
        title: str,
        details: str | None,
        expected: str | None,
        actual: str | None,
    ) -> Draft:
        return self.parts.intake.draft(
            guild_of(interaction).id,
            interaction.user.id,
            endpoint=endpoint,
            severity=severity,
            title=title,
            details=details,
            expected=expected,
            actual=actual,
        )

    async def intake(self, interaction: discord.Interaction, draft: Draft) -> None:
        """Warn of likely duplicates first; otherwise create and post right away. Both answer
        as soon as they can; "thinking" goes first only if the check or the write runs long
        (a write waiting for the database)."""
        acknowledge_if_slow(interaction)
        candidates = await self.parts.intake.find_duplicates(draft)
        if not candidates:
            await self.create_and_post(interaction, draft)
            return
        draft_id = await self.parts.intake.save_draft(draft)
        await reply(
            interaction,
            embed=duplicates_embed(draft, candidates),
            view=duplicate_prompt(draft_id, candidates),
        )

    async def create_and_post(self, interaction: discord.Interaction, draft: Draft) -> None:
        answer = ReportAnswer(interaction)
        outcome = await self.items.report(draft, stored=answer.stored)
        await answer.finish(outcome)

    async def resolve_duplicate(
        self, interaction: discord.Interaction, draft_id: int, number: int | None
    ) -> None:
        """The duplicate prompt's buttons: "Add my details to FB-N" or "Create anyway"."""
        guild_id = guild_of(interaction).id
        draft = await self.parts.intake.load_draft(guild_id, draft_id, interaction.user.id)
        close_prompt = _closing_prompt(interaction)
        if number is None:
            answer = ReportAnswer(interaction, first=close_prompt)
            outcome = await self.items.report(draft, draft_id=draft_id, stored=answer.stored)
            await answer.finish(outcome)
            return
        try:
            plus, outcome = await self.items.add_details(
                guild_id, number, draft, draft_id=draft_id, acknowledge=close_prompt
            )
        except ItemClosedMeanwhile as closed:
            raise FeedbackError(closed_meanwhile(closed)) from closed
        await reply(interaction, plus_one_reply(plus, outcome))

    async def withdraw(self, interaction: discord.Interaction, number: int) -> None:
        """The reporter's Withdraw button on `/feedback show`."""
        change, outcome = await self.items.withdraw(
            guild_of(interaction).id,
            number,
            interaction.user.id,
            acknowledge=acknowledging(interaction),
        )
        await reply(interaction, with_outcome(f"You withdrew **{change.item.ref}**.", outcome))

    async def plus_one(self, interaction: discord.Interaction, number: int) -> None:
        """The "+1 · me too" button under an item's post."""
        vote, outcome = await self.items.plus_one(
            guild_of(interaction).id,
            number,
            interaction.user.id,
            acknowledge=acknowledging(interaction),
        )
        await reply(interaction, vote_reply(vote, outcome))

    async def toggle_dm(self, interaction: discord.Interaction, number: int) -> None:
        """The "DM me updates" button: DMs instead of mentions, or back."""
        by_dm = await self.parts.watchers.toggle_dm(
            guild_of(interaction).id, number, interaction.user.id
        )
        await reply(interaction, direct_message_reply(number, by_dm))


def acknowledging(interaction: discord.Interaction) -> Callable[[], Awaitable[None]]:
    """Once the change is stored: the answer comes with the result, or a deferral first if
    Discord's side of it (posts, a thread, notices) runs long."""

    async def acknowledge() -> None:
        acknowledge_if_slow(interaction)

    return acknowledge


def answering_status(interaction: discord.Interaction) -> Callable[[StatusChange], Awaitable[None]]:
    """A status move is answered as soon as it is stored; the post's edit and the watchers'
    notice follow (what they run into comes after, from `tell_what_followed`)."""

    async def answer(change: StatusChange) -> None:
        await reply(interaction, status_reply(change, Outcome(change.item)))

    return answer


class ReportAnswer:
    """A new item's reporter is answered as soon as it is stored: its number, and that its
    post is on the way. Once the post and its thread are made (or refused), the answer is
    edited to carry the post's link and anything Discord refused."""

    def __init__(
        self,
        interaction: discord.Interaction,
        *,
        first: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._interaction = interaction
        self._first = first  # what the interaction's response must be (a prompt closed)
        self._answer: SentAnswer | None = None

    async def stored(self, item: ItemRecord) -> None:
        if self._first is not None:
            await self._first()
        self._answer = await answer_to_edit(
            self._interaction, new_item_reply(Outcome(item), posting=True)
        )

    async def finish(self, outcome: Outcome) -> None:
        if self._answer is None:
            await reply(self._interaction, new_item_reply(outcome))
        else:
            await self._answer.edit(new_item_reply(outcome))


async def tell_what_followed(interaction: discord.Interaction, outcome: Outcome) -> None:
    """After an answer given before Discord's side of a change: what happened there that the
    member should know (a post made again, something Discord refused), as a followup."""
    told = [*outcome.notes, *outcome.problems]
    if told:
        await reply(interaction, truncate("\n".join(told), MESSAGE_LIMIT))


def _closing_prompt(interaction: discord.Interaction) -> Callable[[], Awaitable[None]]:
    """Take the buttons off the duplicate prompt once its answer is stored."""

    async def close() -> None:
        await interaction.response.edit_message(view=None)

    return close
