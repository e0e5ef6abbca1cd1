"""The buttons under a run's result and the /run modal.

The buttons are `DynamicItem`s whose custom ids carry the run id (`run:again:12`), so they keep
working on results posted before a restart. Each click goes through
`bot.feature.act_for_feature`: a member blocked from the feature is refused, the feature is
looked up and seen through the `RunButtonActions` Protocol, errors reach the one handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

import discord

from bot.feature import FeatureCog, act_for_feature
from bot.ui import NexusModal, text_input
from cogs.run.rules import FEATURE, STDIN_MAX_CHARS

Button = discord.ui.Button[Any]
DynamicButton = discord.ui.DynamicItem[Button]


class RunButtonActions(Protocol):
    """What the buttons under a result ask of the feature."""

    async def run_again(self, interaction: discord.Interaction, run_id: int) -> None: ...

    async def save_run(self, interaction: discord.Interaction, run_id: int) -> None: ...

    async def delete_run(self, interaction: discord.Interaction, run_id: int) -> None: ...


@dataclass(frozen=True)
class _Look:
    label: str
    emoji: str
    style: discord.ButtonStyle


# One button class for the three actions: the custom id names the action and the run.
LOOKS: Final = {
    "again": _Look("Run again", "🔁", discord.ButtonStyle.primary),
    "save": _Look("Save as snippet", "💾", discord.ButtonStyle.secondary),
    "delete": _Look("Delete", "🗑️", discord.ButtonStyle.danger),
}


class RunResultButton(DynamicButton, template=r"run:(?P<action>again|save|delete):(?P<id>\d+)"):
    def __init__(self, action: str, run_id: int) -> None:
        look = LOOKS[action]
        super().__init__(
            discord.ui.Button(
                label=look.label,
                emoji=look.emoji,
                style=look.style,
                custom_id=f"run:{action}:{run_id}",
            )
        )
        self.action = action
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RunResultButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await act_for_feature(interaction, FEATURE, self._act(interaction))

    def _act(self, interaction: discord.Interaction) -> Callable[[FeatureCog], Awaitable[None]]:
        async def act(feature: FeatureCog) -> None:
            actions = cast(RunButtonActions, feature)
            handler = {
                "again": actions.run_again,
                "save": actions.save_run,
                "delete": actions.delete_run,
            }[self.action]
            await handler(interaction, self.run_id)

        return act


DYNAMIC_ITEMS: Final = (RunResultButton,)


def result_buttons(run_id: int, *, can_save: bool, can_delete: bool) -> discord.ui.View:
    """The row under a result. No timeout: the dynamic items outlive this object."""
    view = discord.ui.View(timeout=None)
    view.add_item(RunResultButton("again", run_id))
    if can_save:
        view.add_item(RunResultButton("save", run_id))
    if can_delete:
        view.add_item(RunResultButton("delete", run_id))
    return view


# Called with the language, code and input the member typed.
RunSubmitHandler = Callable[[discord.Interaction, str, str, str], Awaitable[None]]


class RunModal(NexusModal):
    """/run: a language, the code and, optionally, what the program reads on standard input."""

    def __init__(self, on_done: RunSubmitHandler, languages: str) -> None:
        super().__init__(title="Run code", timeout=900)
        self._on_done = on_done
        self.language_input = text_input(
            "Language", custom_id="language", max_length=32, placeholder=languages
        )
        self.code_input = text_input("Code", custom_id="code", paragraph=True, min_length=1)
        self.stdin_input = text_input(
            "Input (what the program reads; optional)",
            custom_id="stdin",
            paragraph=True,
            required=False,
            max_length=STDIN_MAX_CHARS,
        )
        for item in (self.language_input, self.code_input, self.stdin_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self._on_done(
            interaction,
            self.language_input.value,
            self.code_input.value,
            self.stdin_input.value or "",
        )
