"""The buttons under an expanded link: Save as snippet, and Delete for the member who posted
the link (or a moderator).

`DynamicItem`s, so they work on replies posted before a restart: Delete's custom id carries the
poster's id, and Save reads the lines and the link back from the reply itself. Each click goes
through `bot.feature.act_for_feature` and sees the feature as `CodeLinkActions`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, cast

import discord

from bot.feature import act_for_feature
from cogs.codelinks.rules import FEATURE

Button = discord.ui.Button[Any]
DynamicButton = discord.ui.DynamicItem[Button]


class CodeLinkActions(Protocol):
    async def save_excerpt(self, interaction: discord.Interaction) -> None: ...

    async def delete_reply(self, interaction: discord.Interaction, poster_id: int) -> None: ...


def _act(
    interaction: discord.Interaction, action: Callable[[CodeLinkActions], Awaitable[None]]
) -> Awaitable[None]:
    return act_for_feature(
        interaction, FEATURE, lambda feature: action(cast(CodeLinkActions, feature))
    )


class SaveExcerptButton(DynamicButton, template=r"codelinks:save"):
    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Save as snippet",
                emoji="💾",
                style=discord.ButtonStyle.secondary,
                custom_id="codelinks:save",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SaveExcerptButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.save_excerpt(interaction))


class DeleteReplyButton(DynamicButton, template=r"codelinks:delete:(?P<poster>\d+)"):
    def __init__(self, poster_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete",
                emoji="🗑️",
                style=discord.ButtonStyle.danger,
                custom_id=f"codelinks:delete:{poster_id}",
            )
        )
        self.poster_id = poster_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteReplyButton:
        return cls(int(match["poster"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(interaction, lambda actions: actions.delete_reply(interaction, self.poster_id))


DYNAMIC_ITEMS: Final = (SaveExcerptButton, DeleteReplyButton)


def reply_buttons(poster_id: int, *, can_save: bool) -> discord.ui.View:
    """No timeout: the dynamic items outlive this object."""
    view = discord.ui.View(timeout=None)
    if can_save:
        view.add_item(SaveExcerptButton())
    view.add_item(DeleteReplyButton(poster_id))
    return view
