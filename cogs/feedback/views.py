"""Feedback's modals: the details `/feedback log` asks for, and the form the "Log API feedback"
message menu prefills. They hand the report to the feature's `FeedbackActions`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.text import one_line, truncate
from bot.ui import NexusModal, text_input
from cogs.feedback.endpoints import find_endpoint_in_text
from cogs.feedback.rules import (
    BEHAVIOUR_MAX,
    DETAILS_MAX,
    SEVERITIES,
    TITLE_MAX,
)

if TYPE_CHECKING:
    import discord

    from cogs.feedback.actions import FeedbackActions, ForumPostActions


class DetailsModal(NexusModal):
    """`/feedback log` without `details`: ask for details, expected and actual behaviour."""

    def __init__(
        self,
        actions: FeedbackActions,
        *,
        endpoint: str,
        severity: str,
        title: str,
        expected: str | None,
        actual: str | None,
    ) -> None:
        super().__init__(title=f"Feedback: {one_line(title, 30)}")
        self.actions = actions
        self.endpoint, self.severity, self.item_title = endpoint, severity, title
        self.details = text_input(
            "Details",
            custom_id="details",
            paragraph=True,
            max_length=DETAILS_MAX,
            placeholder="What did you call, with which input, and what went wrong?",
        )
        self.expected = text_input(
            "Expected behaviour",
            custom_id="expected",
            paragraph=True,
            required=False,
            max_length=BEHAVIOUR_MAX,
            default=expected,
        )
        self.actual = text_input(
            "Actual behaviour",
            custom_id="actual",
            paragraph=True,
            required=False,
            max_length=BEHAVIOUR_MAX,
            default=actual,
        )
        for item in (self.details, self.expected, self.actual):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        draft = self.actions.draft_from(
            interaction,
            endpoint=self.endpoint,
            severity=self.severity,
            title=self.item_title,
            details=self.details.value,
            expected=self.expected.value,
            actual=self.actual.value,
        )
        await self.actions.intake(interaction, draft)


class MessageLogModal(NexusModal):
    """The "Log API feedback" message menu: everything prefilled from the message."""

    def __init__(
        self, actions: FeedbackActions, *, endpoint: str, title: str, details: str
    ) -> None:
        super().__init__(title="Log API feedback")
        self.actions = actions
        self.endpoint = text_input(
            "Endpoint (method and path)",
            custom_id="endpoint",
            max_length=220,
            default=endpoint or None,
            placeholder="GET /api/jobs",
        )
        self.severity = text_input(
            "Severity",
            custom_id="severity",
            max_length=16,
            default="bug",
            placeholder=", ".join(SEVERITIES),
        )
        self.item_title = text_input(
            "Title", custom_id="title", max_length=TITLE_MAX, default=title or None
        )
        self.details = text_input(
            "Details",
            custom_id="details",
            paragraph=True,
            max_length=DETAILS_MAX,
            default=details or None,
        )
        self.expected = text_input(
            "Expected behaviour",
            custom_id="expected",
            paragraph=True,
            required=False,
            max_length=BEHAVIOUR_MAX,
        )
        for item in (self.endpoint, self.severity, self.item_title, self.details, self.expected):
            self.add_item(item)

    @classmethod
    def prefilled(cls, actions: FeedbackActions, text: str, jump_url: str) -> MessageLogModal:
        """The form for a message's `text`: its first line as the title, an endpoint found in
        it, and the whole text (with where it came from) as the details."""
        first_line = text.splitlines()[0]
        source = f"\n\n(from {jump_url})"
        details = truncate(text, 2000 - len(source)) + source
        return cls(
            actions,
            endpoint=find_endpoint_in_text(text) or "",
            title=one_line(first_line, 100),
            details=details,
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        draft = self.actions.draft_from(
            interaction,
            endpoint=self.endpoint.value,
            severity=self.severity.value,
            title=self.item_title.value,
            details=self.details.value,
            expected=self.expected.value,
            actual=None,
        )
        await self.actions.intake(interaction, draft)


class EndpointModal(NexusModal):
    """The endpoint of a member's forum post whose title names none."""

    def __init__(self, actions: ForumPostActions, thread_id: int) -> None:
        super().__init__(title="Which endpoint is this about?")
        self.actions = actions
        self.thread_id = thread_id
        self.endpoint = text_input(
            "Endpoint", custom_id="endpoint", max_length=220, placeholder="GET /api/jobs"
        )
        self.add_item(self.endpoint)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.actions.set_endpoint(interaction, self.thread_id, self.endpoint.value)
