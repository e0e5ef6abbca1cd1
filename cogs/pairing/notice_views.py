"""The round notice's buttons (Skip this round, Pause until…) and the automatic pause's Come back.

Dynamic items, so they work after a restart; their custom ids carry the guild (Come back is
pressed in a DM, where the interaction names no guild) and, for Skip, the round's time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

import discord
from discord.ui import DynamicItem

from bot.feature import act_for_feature
from bot.ui import NexusModal, text_input
from bot.ui.base import DelegatingErrorsView

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


class NoticeActions(Protocol):
    """What the buttons ask of the pairing feature; each returns the member's reply."""

    async def skip_round(self, guild_id: int, user_id: int, round_at: datetime) -> str: ...

    async def pause_until(self, guild_id: int, user_id: int, until: str) -> str: ...

    async def come_back(self, guild_id: int, user_id: int) -> str: ...


async def _act(
    interaction: discord.Interaction, action: Callable[[NoticeActions], Awaitable[str]]
) -> None:
    async def run(feature: object) -> None:
        reply = await action(cast(NoticeActions, feature))
        await interaction.response.send_message(reply, ephemeral=True)

    await act_for_feature(interaction, "pairing", run)


class SkipRoundButton(
    DynamicItem[discord.ui.Button[Any]], template=r"pair:skip:(?P<guild>\d+):(?P<at>\d+)"
):
    def __init__(self, guild_id: int, round_at: datetime) -> None:
        super().__init__(
            discord.ui.Button(
                label="Skip this round",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pair:skip:{guild_id}:{int(round_at.timestamp())}",
            )
        )
        self.guild_id, self.round_at = guild_id, round_at

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SkipRoundButton:
        return cls(int(match["guild"]), datetime.fromtimestamp(int(match["at"]), UTC))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(
            interaction,
            lambda actions: actions.skip_round(self.guild_id, interaction.user.id, self.round_at),
        )


class PauseModal(NexusModal):
    """Pause until…: the date, read the way `/pair pause until` reads it."""

    def __init__(self, actions: NoticeActions, guild_id: int) -> None:
        super().__init__(title="Pause pairing until…")
        self.actions, self.guild_id = actions, guild_id
        self.until = text_input(
            "Until",
            custom_id="until",
            max_length=64,
            placeholder="2026-12-24, next monday or in 2 weeks",
        )
        self.add_item(self.until)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        reply = await self.actions.pause_until(self.guild_id, interaction.user.id, self.until.value)
        await interaction.response.send_message(reply, ephemeral=True)


class PauseUntilButton(DynamicItem[discord.ui.Button[Any]], template=r"pair:pause:(?P<guild>\d+)"):
    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Pause until…",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pair:pause:{guild_id}",
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PauseUntilButton:
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async def ask(feature: object) -> None:
            modal = PauseModal(cast(NoticeActions, feature), self.guild_id)
            await interaction.response.send_modal(modal)

        await act_for_feature(interaction, "pairing", ask)


class ComeBackButton(DynamicItem[discord.ui.Button[Any]], template=r"pair:back:(?P<guild>\d+)"):
    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Come back",
                style=discord.ButtonStyle.success,
                custom_id=f"pair:back:{guild_id}",
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ComeBackButton:
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act(
            interaction, lambda actions: actions.come_back(self.guild_id, interaction.user.id)
        )


NOTICE_ITEMS = (SkipRoundButton, PauseUntilButton, ComeBackButton)


def notice_view(guild_id: int, round_at: datetime) -> discord.ui.View:
    view = DelegatingErrorsView(timeout=None)
    view.add_item(SkipRoundButton(guild_id, round_at))
    view.add_item(PauseUntilButton(guild_id))
    return view


def come_back_view(guild_id: int) -> discord.ui.View:
    view = DelegatingErrorsView(timeout=None)
    view.add_item(ComeBackButton(guild_id))
    return view
