"""Modals and buttons of the feedback feature."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.permissions import ensure_not_blocked
from bot.text import BUTTON_LABEL_LIMIT, one_line, truncate
from bot.ui import NexusModal, report_error, text_input
from cogs.feedback.duplicates import DuplicateCandidate
from cogs.feedback.rules import (
    BEHAVIOUR_MAX,
    DETAILS_MAX,
    SEVERITIES,
    TITLE_MAX,
)

if TYPE_CHECKING:
    from cogs.feedback.records import Draft

FEATURE = "feedback"


class FeedbackActions(Protocol):
    """What the views ask of the cog (kept abstract so views never import commands)."""

    async def intake(self, interaction: discord.Interaction, draft: Draft) -> None: ...

    async def resolve_duplicate(
        self, interaction: discord.Interaction, draft_id: int, number: int | None
    ) -> None: ...

    async def withdraw(self, interaction: discord.Interaction, number: int) -> None: ...

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


def duplicate_prompt(draft_id: int, candidates: list[DuplicateCandidate]) -> discord.ui.View:
    """The prompt's buttons: add to one of the likely duplicates, or create anyway.

    Every button is a dynamic item naming the saved draft, so the prompt works after a restart
    and in any bot process; the draft is used up by the first answer.
    """
    view = discord.ui.View(timeout=None)
    for candidate in candidates:
        view.add_item(DuplicateAddButton(draft_id, candidate.number))
    view.add_item(DuplicateCreateButton(draft_id))
    return view


async def _resolve(interaction: discord.Interaction, draft_id: int, number: int | None) -> None:
    # A dynamic item has no view of ours to route errors, so it hands them over itself.
    try:
        await ensure_not_blocked(interaction, FEATURE)
        actions: FeedbackActions | None = interaction.client.get_cog("FeedbackCog")  # type: ignore[attr-defined]
        if actions is not None:
            await actions.resolve_duplicate(interaction, draft_id, number)
    except Exception as error:
        await report_error(interaction, error)


class DuplicateAddButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:dup:(?P<draft>\d{1,18}):add:(?P<number>\d{1,9})",
):
    """ "Add my details to FB-N": a +1 on that item and the draft's details in its thread."""

    def __init__(self, draft_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(f"Add my details to FB-{number}", BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.primary,
                custom_id=f"feedback:dup:{draft_id}:add:{number}",
            )
        )
        self.draft_id, self.number = draft_id, number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DuplicateAddButton:
        return cls(int(match["draft"]), int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _resolve(interaction, self.draft_id, self.number)


class DuplicateCreateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:dup:(?P<draft>\d{1,18}):create",
):
    """ "Create anyway": log the draft as a new item."""

    def __init__(self, draft_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Create anyway",
                style=discord.ButtonStyle.secondary,
                custom_id=f"feedback:dup:{draft_id}:create",
            )
        )
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DuplicateCreateButton:
        return cls(int(match["draft"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _resolve(interaction, self.draft_id, None)


class WithdrawButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:withdraw:(?P<number>\d{1,9})",
):
    """On `/feedback show` for the reporter of an open item; works after a restart too."""

    def __init__(self, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Withdraw FB-{number}",
                style=discord.ButtonStyle.danger,
                custom_id=f"feedback:withdraw:{number}",
            )
        )
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> WithdrawButton:
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        # A dynamic item has no view of ours to route errors, so it hands them over itself.
        try:
            await ensure_not_blocked(interaction, FEATURE)
            actions: FeedbackActions | None = interaction.client.get_cog("FeedbackCog")  # type: ignore[attr-defined]
            if actions is not None:
                await actions.withdraw(interaction, self.number)
        except Exception as error:
            await report_error(interaction, error)
