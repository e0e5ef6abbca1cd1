"""The buttons under a run's result and the /run modal.

The buttons are `DynamicItem`s whose custom ids carry the run id (`run:again:12`), so they keep
working on results posted before a restart. Each click goes through
`bot.feature.act_for_feature`: a member blocked from the feature is refused, the feature is
looked up and seen through the `RunButtonActions` Protocol, errors reach the one handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, cast

import discord

from bot.feature import act_for_feature
from bot.ui import NexusModal, text_input
from cogs.run.rules import FEATURE, STDIN_MAX_CHARS

Button = discord.ui.Button[Any]
DynamicButton = discord.ui.DynamicItem[Button]


class RunButtonActions(Protocol):
    """What the buttons under a result ask of the feature."""

    async def run_again(self, interaction: discord.Interaction, run_id: int) -> None: ...

    async def save_run(self, interaction: discord.Interaction, run_id: int) -> None: ...

    async def delete_run(self, interaction: discord.Interaction, run_id: int) -> None: ...


def _act(
    interaction: discord.Interaction, action: Callable[[RunButtonActions], Awaitable[None]]
) -> Awaitable[None]:
    return act_for_feature(
        interaction, FEATURE, lambda feature: action(cast(RunButtonActions, feature))
    )


class RunAgainButton(DynamicButton, template=r"run:again:(?P<id>\d+)"):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Run again",
                emoji="🔁",
                style=discord.ButtonStyle.primary,
                custom_id=f"run:again:{run_id}",
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RunAgainButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.run_again(interaction, self.run_id))


class SaveRunButton(DynamicButton, template=r"run:save:(?P<id>\d+)"):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Save as snippet",
                emoji="💾",
                style=discord.ButtonStyle.secondary,
                custom_id=f"run:save:{run_id}",
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SaveRunButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.save_run(interaction, self.run_id))


class DeleteRunButton(DynamicButton, template=r"run:delete:(?P<id>\d+)"):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete",
                emoji="🗑️",
                style=discord.ButtonStyle.danger,
                custom_id=f"run:delete:{run_id}",
            )
        )
        self.run_id = run_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteRunButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.delete_run(interaction, self.run_id))


DYNAMIC_ITEMS: Final = (RunAgainButton, SaveRunButton, DeleteRunButton)


def result_buttons(run_id: int, *, can_save: bool, can_delete: bool) -> discord.ui.View:
    """The row under a result. No timeout: the dynamic items outlive this object."""
    view = discord.ui.View(timeout=None)
    view.add_item(RunAgainButton(run_id))
    if can_save:
        view.add_item(SaveRunButton(run_id))
    if can_delete:
        view.add_item(DeleteRunButton(run_id))
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
