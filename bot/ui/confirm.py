"""A yes/no question answered with two buttons, for destructive or irreversible actions."""

from __future__ import annotations

import asyncio

import discord

from bot.text import BUTTON_LABEL_LIMIT, truncate
from bot.ui.base import OwnerOnlyView, send_with_view

__all__ = ["RESTARTING", "TIMED_OUT", "ConfirmView", "confirm"]

TIMED_OUT = "Timed out — nothing was changed."
RESTARTING = "Nexus is restarting — nothing was changed. Run the command again in a minute."


class _AnswerButton(discord.ui.Button["ConfirmView"]):
    def __init__(self, label: str, style: discord.ButtonStyle, answer: bool) -> None:
        super().__init__(label=truncate(label, BUTTON_LABEL_LIMIT), style=style)
        self.answer = answer

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            await self.view.answer(interaction, self.answer)


class ConfirmView(OwnerOnlyView):
    """Confirm / Cancel. ``value`` is True, False, or None while unanswered or timed out.

    Only the owner may answer; one answer disables both buttons and settles the view, so
    ``await view.decided()`` returns as soon as the owner decides (or the view times out).
    """

    refusal = "Only the person who ran this command can answer this."

    def __init__(
        self,
        owner_id: int,
        *,
        confirm_label: str = "Confirm",
        cancel_label: str = "Cancel",
        danger: bool = True,
        timeout: float = 60,
    ) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.value: bool | None = None
        self._decision = asyncio.Event()
        confirm_style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success
        self.confirm_button = _AnswerButton(confirm_label, confirm_style, answer=True)
        self.cancel_button = _AnswerButton(cancel_label, discord.ButtonStyle.secondary, False)
        self.add_item(self.confirm_button)
        self.add_item(self.cancel_button)

    async def answer(self, interaction: discord.Interaction, value: bool) -> None:
        self.value = value
        self.settle()
        self._decision.set()
        await interaction.response.edit_message(view=self)

    async def on_timeout(self) -> None:
        await super().on_timeout()
        self._decision.set()

    async def decided(self, *, unless: asyncio.Event | None = None) -> bool | None:
        """Wait for the owner's answer: True, False, or None when the view timed out.

        When `unless` is set first (the bot is stopping), the question is withdrawn: its
        buttons disabled, its text says so, and the answer is None. A stop must not wait for
        a person to click.
        """
        if unless is None:
            await self._decision.wait()
            return self.value
        waits = {asyncio.ensure_future(self._decision.wait()), asyncio.ensure_future(unless.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:  # the other wait, or both when this one is cancelled
            for wait in waits:
                wait.cancel()
        if not self._decision.is_set():
            await self.close_with(RESTARTING)
            self.stop()
        return self.value


async def confirm(
    interaction: discord.Interaction,
    prompt: str,
    *,
    confirm_label: str = "Confirm",
    cancel_label: str = "Cancel",
    danger: bool = True,
    timeout: float = 60,
) -> bool:
    """Ask ``prompt`` ephemerally with Confirm / Cancel; True only when the owner confirms.

    The keyword options are :class:`ConfirmView`'s. The click's own interaction is used up by
    disabling the buttons, so report the outcome with ``interaction.followup.send(...)`` on
    the original interaction. On timeout the prompt is replaced by a note that nothing changed,
    and so it is when the bot stops first (a client's `stopping` event, as NexusBot has).
    """
    view = ConfirmView(
        interaction.user.id,
        confirm_label=confirm_label,
        cancel_label=cancel_label,
        danger=danger,
        timeout=timeout,
    )
    view.timeout_content = TIMED_OUT
    await send_with_view(interaction, content=prompt, view=view, ephemeral=True)
    stopping = getattr(interaction.client, "stopping", None)
    unless = stopping if isinstance(stopping, asyncio.Event) else None
    return await view.decided(unless=unless) is True
