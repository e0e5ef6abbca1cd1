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
from bot.replies import reply
from cogs.feedback.buttons import duplicate_prompt
from cogs.feedback.outcomes import Outcome
from cogs.feedback.render_lists import duplicates_embed
from cogs.feedback.render_replies import (
    closed_meanwhile,
    direct_message_reply,
    new_item_reply,
    plus_one_reply,
    vote_reply,
    with_outcome,
)
from cogs.feedback.rules import FeedbackError, ItemClosedMeanwhile

if TYPE_CHECKING:
    import discord

    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.publisher import FeedbackPublisher
    from cogs.feedback.records import Draft, ItemRecord


class FeedbackFlows:
    def __init__(self, parts: FeedbackParts, publisher: FeedbackPublisher) -> None:
        self.parts = parts
        self.publisher = publisher

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
        """Warn of likely duplicates first; otherwise create and post right away."""
        candidates = await self.parts.intake.find_duplicates(draft)
        if not candidates:
            await self.create_and_post(interaction, draft)
            return
        draft_id = await self.parts.intake.save_draft(draft)
        await interaction.response.send_message(
            embed=duplicates_embed(draft, candidates),
            view=duplicate_prompt(draft_id, candidates),
            ephemeral=True,
        )

    async def create_and_post(self, interaction: discord.Interaction, draft: Draft) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._announce_new(interaction, await self.parts.intake.create(draft))

    async def resolve_duplicate(
        self, interaction: discord.Interaction, draft_id: int, number: int | None
    ) -> None:
        """The duplicate prompt's buttons: "Add my details to FB-N" or "Create anyway"."""
        guild_id = guild_of(interaction).id
        draft = await self.parts.intake.load_draft(guild_id, draft_id, interaction.user.id)
        if number is None:
            item = await self.parts.intake.create(draft, draft_id=draft_id)
            await _close_prompt(interaction)
            await self._announce_new(interaction, item)
            return
        try:
            plus = await self.parts.intake.add_details(guild_id, number, draft, draft_id=draft_id)
        except ItemClosedMeanwhile as closed:
            raise FeedbackError(closed_meanwhile(closed)) from closed
        await _close_prompt(interaction)
        outcome = await self.publisher.apply_plus_one(plus)
        await reply(interaction, plus_one_reply(plus, outcome))

    async def _announce_new(self, interaction: discord.Interaction, item: ItemRecord) -> None:
        """Post a new item in the feedback channel and tell the reporter where it is."""
        outcome = await self.publisher.post(item)
        await reply(interaction, new_item_reply(outcome))

    async def withdraw(self, interaction: discord.Interaction, number: int) -> None:
        """The reporter's Withdraw button on `/feedback show`."""
        change = await self.parts.workflow.withdraw(
            guild_of(interaction).id, number, interaction.user.id
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.publisher.apply_status(change)
        await reply(interaction, with_outcome(f"You withdrew **{change.item.ref}**.", outcome))

    async def plus_one(self, interaction: discord.Interaction, number: int) -> None:
        """The "+1 · me too" button under an item's post."""
        vote = await self.parts.votes.plus_one(
            guild_of(interaction).id, number, interaction.user.id
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = Outcome(vote.item)
        if vote.counted:
            await self.publisher.refresh(vote.item, outcome)
        await reply(interaction, vote_reply(vote, outcome))

    async def toggle_dm(self, interaction: discord.Interaction, number: int) -> None:
        """The "DM me updates" button: DMs instead of mentions, or back."""
        by_dm = await self.parts.watchers.toggle_dm(
            guild_of(interaction).id, number, interaction.user.id
        )
        await reply(interaction, direct_message_reply(number, by_dm))


async def _close_prompt(interaction: discord.Interaction) -> None:
    """Take the buttons off the duplicate prompt once it is answered."""
    await interaction.response.edit_message(view=None)
