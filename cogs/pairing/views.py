"""The We met / Couldn't meet buttons: dynamic items, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, cast

import discord
from discord.ui import DynamicItem

from bot.feature import act_for_feature
from bot.ui.base import DelegatingErrorsView

if TYPE_CHECKING:
    from cogs.pairing.records import AnswerResult

LABELS = {"met": "We met", "not_met": "Couldn't meet"}
STYLES = {"met": discord.ButtonStyle.success, "not_met": discord.ButtonStyle.secondary}
ANSWERED = {
    "met": "marked this pairing as **met** ✅ Thanks for pairing!",
    "not_met": "marked this pairing as **couldn't meet**. No worries: the next round is coming.",
}


class AnswerRecorder(Protocol):
    async def record_answer(self, group_id: int, user_id: int, outcome: str) -> AnswerResult: ...


class OutcomeButton(
    DynamicItem[discord.ui.Button[Any]],
    template=r"pair:(?P<outcome>met|not_met):(?P<group>\d+)",
):
    def __init__(self, outcome: str, group_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=LABELS[outcome],
                style=STYLES[outcome],
                custom_id=f"pair:{outcome}:{group_id}",
            )
        )
        self.outcome = outcome
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OutcomeButton:
        return cls(match["outcome"], int(match["group"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await act_for_feature(
            interaction, "pairing", lambda feature: self._answer(interaction, feature)
        )

    async def _answer(self, interaction: discord.Interaction, feature: object) -> None:
        recorder = cast(AnswerRecorder, feature)
        result = await recorder.record_answer(self.group_id, interaction.user.id, self.outcome)
        text = (
            f"{interaction.user.mention} {ANSWERED[self.outcome]}"
            if result.changed
            else f"{interaction.user.mention}: that answer was already recorded."
        )
        await interaction.response.send_message(
            text,
            ephemeral=not result.changed,
            allowed_mentions=discord.AllowedMentions.none(),
        )


def outcome_view(group_id: int) -> discord.ui.View:
    view = DelegatingErrorsView(timeout=None)
    view.add_item(OutcomeButton("met", group_id))
    view.add_item(OutcomeButton("not_met", group_id))
    return view
