"""What feedback's modals and buttons ask of the feature, kept abstract: they reach the feature
through these Protocols, so they never import the cog or the flows that answer them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import discord

    from cogs.feedback.records import Draft

FEATURE = "feedback"


class FeedbackActions(Protocol):
    """Logging a report (through the duplicate prompt when it looks already reported),
    withdrawing one, a +1 from an item's post, and choosing DMs for its status changes."""

    async def intake(self, interaction: discord.Interaction, draft: Draft) -> None: ...

    async def resolve_duplicate(
        self, interaction: discord.Interaction, draft_id: int, number: int | None
    ) -> None: ...

    async def withdraw(self, interaction: discord.Interaction, number: int) -> None: ...

    async def plus_one(self, interaction: discord.Interaction, number: int) -> None: ...

    async def toggle_dm(self, interaction: discord.Interaction, number: int) -> None: ...

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
    ) -> Draft: ...


class ForumPostActions(Protocol):
    """A member's forum post whose title names no endpoint: the button asks for one, and the
    form's answer makes the post an item."""

    async def ask_endpoint(self, interaction: discord.Interaction, thread_id: int) -> None: ...

    async def set_endpoint(
        self, interaction: discord.Interaction, thread_id: int, endpoint: str
    ) -> None: ...


class FeedbackFeature(Protocol):
    """The loaded feature as a persistent button finds it (`bot.feature.feature_for`): a button
    outlives the cog that drew it, so it asks for the feature's actions when clicked."""

    @property
    def flows(self) -> FeedbackActions: ...

    @property
    def forum_posts(self) -> ForumPostActions: ...
