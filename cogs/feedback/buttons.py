"""Feedback's persistent buttons: the duplicate prompt's choices, the reporter's Withdraw, and
on every item's post "+1 · me too" and the watcher's DM toggle.

Every button is a dynamic item whose custom id names what it acts on, so it works after a
restart and in any bot process; when clicked it finds the loaded feature's actions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.feature import act_for_feature
from bot.text import BUTTON_LABEL_LIMIT, truncate
from cogs.feedback.actions import FEATURE, FeedbackFeature
from cogs.feedback.rules import ACTIVE_STATUSES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from cogs.feedback.actions import FeedbackActions
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.records import ItemRecord


def duplicate_prompt(draft_id: int, candidates: list[DuplicateCandidate]) -> discord.ui.View:
    """The prompt's buttons: add to one of the likely duplicates, or create anyway.

    Each button names the saved draft; the draft is used up by the first answer.
    """
    view = discord.ui.View(timeout=None)
    for candidate in candidates:
        view.add_item(DuplicateChoiceButton(draft_id, candidate.number))
    view.add_item(DuplicateChoiceButton(draft_id, None))
    return view


def item_view(item: ItemRecord) -> discord.ui.View:
    """The buttons under an item's post: its +1 count (closed items take no more), and the
    switch between a mention in the thread and a DM when its status changes."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        PlusOneButton(item.number, item.plus_ones, closed=item.status not in ACTIVE_STATUSES)
    )
    view.add_item(DirectMessageButton(item.number))
    return view


async def _act(
    interaction: discord.Interaction, act: Callable[[FeedbackActions], Awaitable[None]]
) -> None:
    await act_for_feature(
        interaction, FEATURE, lambda feature: act(cast(FeedbackFeature, feature).flows)
    )


class DuplicateChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:dup:(?P<draft>\d{1,18}):(?:add:(?P<number>\d{1,9})|create)",
):
    """ "Add my details to FB-N" (a +1 on that item and the draft's details in its thread), or
    with no number "Create anyway" (log the draft as a new item)."""

    def __init__(self, draft_id: int, number: int | None) -> None:
        if number is None:
            button: discord.ui.Button[Any] = discord.ui.Button(
                label="Create anyway",
                style=discord.ButtonStyle.secondary,
                custom_id=f"feedback:dup:{draft_id}:create",
            )
        else:
            button = discord.ui.Button(
                label=truncate(f"Add my details to FB-{number}", BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.primary,
                custom_id=f"feedback:dup:{draft_id}:add:{number}",
            )
        super().__init__(button)
        self.draft_id, self.number = draft_id, number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DuplicateChoiceButton:
        number = match["number"]
        return cls(int(match["draft"]), int(number) if number is not None else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(
            interaction,
            lambda actions: actions.resolve_duplicate(interaction, self.draft_id, self.number),
        )


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
        await _act(interaction, lambda actions: actions.withdraw(interaction, self.number))


class PlusOneButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:plus:(?P<number>\d{1,9})",
):
    """ "+1 · me too": counts once per member, who then watches the item."""

    def __init__(self, number: int, count: int = 0, *, closed: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"+1 · me too ({count})",
                emoji="👍",
                style=discord.ButtonStyle.secondary,
                custom_id=f"feedback:plus:{number}",
                disabled=closed,
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
    ) -> PlusOneButton:
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.plus_one(interaction, self.number))


class DirectMessageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:dm:(?P<number>\d{1,9})",
):
    """Switch between hearing of status changes by DM and by a mention in the thread."""

    def __init__(self, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="DM me updates",
                emoji="🔔",
                style=discord.ButtonStyle.secondary,
                custom_id=f"feedback:dm:{number}",
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
    ) -> DirectMessageButton:
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.toggle_dm(interaction, self.number))


class EndpointButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"feedback:endpoint:(?P<thread>\d{1,20})",
):
    """In a member's forum post whose title names no endpoint: opens the form asking for it."""

    def __init__(self, thread_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Set the endpoint",
                style=discord.ButtonStyle.primary,
                custom_id=f"feedback:endpoint:{thread_id}",
            )
        )
        self.thread_id = thread_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> EndpointButton:
        return cls(int(match["thread"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await act_for_feature(
            interaction,
            FEATURE,
            lambda feature: cast(FeedbackFeature, feature).forum_posts.ask_endpoint(
                interaction, self.thread_id
            ),
        )


# Registered while the cog is loaded, so clicks find them after a restart.
PERSISTENT_BUTTONS = (
    WithdrawButton,
    DuplicateChoiceButton,
    PlusOneButton,
    DirectMessageButton,
    EndpointButton,
)
