"""Answer an interaction whether or not it was answered (or deferred) already.

Discord takes one response per interaction; anything after it is a follow-up. Code that may
run either first or after a defer (an error, a modal's result, a long command) answers through
`reply` so it never has to know which.

Discord also drops an interaction that gets no response within 3 s. Work that is usually done
in a few milliseconds but may now and then wait on Discord (a write, then its posts) arms
`acknowledge_if_slow` instead of deferring up front: it answers once, with its result, and
says "thinking" first only when it runs long. A deferral up front is a round trip to Discord
on every call (about a quarter of such a command's time here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import discord

log = logging.getLogger(__name__)

# How long after the bot received an interaction a "thinking" deferral goes out if no answer
# has: the rest of Discord's 3 s is left for the deferral itself to arrive on a busy machine.
ACKNOWLEDGE_WITHIN_SECONDS: Final = 1.5
# Where the armed deferral waits, in the interaction's extras.
_ARMED: Final = "nexus.acknowledge_if_slow"


async def reply(
    interaction: discord.Interaction, content: str | None = None, **options: Any
) -> None:
    """Send `content` (and any of discord.py's send options), ephemeral unless told otherwise."""
    options.setdefault("ephemeral", True)
    await _settle(interaction)
    if interaction.response.is_done():
        await interaction.followup.send(
            content if content is not None else discord.utils.MISSING, **options
        )
    else:
        await interaction.response.send_message(content, **options)


class SentAnswer:
    """An answer `answer_to_edit` sent, to be edited once what followed it is known."""

    def __init__(
        self, interaction: discord.Interaction, message: discord.WebhookMessage | None
    ) -> None:
        self._interaction = interaction
        self._message = message  # a followup; None when the answer is the response itself

    async def edit(self, content: str) -> None:
        try:
            if self._message is not None:
                await self._message.edit(content=content)
            else:
                await self._interaction.edit_original_response(content=content)
        except discord.HTTPException as error:  # the answer was dismissed, or its token expired
            log.info("could not edit the answer to %s: %s", self._interaction.id, error)


async def answer_to_edit(
    interaction: discord.Interaction, content: str, **options: Any
) -> SentAnswer:
    """`reply`, keeping a way to change what it said: a result that follows the answer (a
    post made after the change it shows was stored) is added to it instead of sent apart."""
    options.setdefault("ephemeral", True)
    await _settle(interaction)
    if interaction.response.is_done():
        message = await interaction.followup.send(content, wait=True, **options)
        return SentAnswer(interaction, message)
    await interaction.response.send_message(content, **options)
    return SentAnswer(interaction, None)


def acknowledge_if_slow(interaction: discord.Interaction) -> None:
    """Defer ("thinking", ephemeral) only if `reply` has not answered by
    ACKNOWLEDGE_WITHIN_SECONDS after the interaction arrived; `reply` disarms it, or waits
    for a deferral already on its way so that its answer follows it."""
    if interaction.response.is_done() or _ARMED in interaction.extras:
        return
    # Stamped by the command tree's check as the interaction came in; else (a button) now.
    started = interaction.extras.get("started")
    waited = 0.0 if started is None else time.perf_counter() - started
    armed = _ArmedDeferral(interaction)
    armed.timer = asyncio.get_running_loop().call_later(
        max(0.0, ACKNOWLEDGE_WITHIN_SECONDS - waited), armed.fire
    )
    interaction.extras[_ARMED] = armed


async def _settle(interaction: discord.Interaction) -> None:
    armed: _ArmedDeferral | None = interaction.extras.pop(_ARMED, None)
    if armed is not None:
        await armed.disarm()


class _ArmedDeferral:
    def __init__(self, interaction: discord.Interaction) -> None:
        self._interaction = interaction
        self.timer: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None

    def fire(self) -> None:
        self._sending = asyncio.get_running_loop().create_task(self._defer())

    async def _defer(self) -> None:
        response = self._interaction.response
        if response.is_done():  # answered some other way meanwhile
            return
        try:
            await response.defer(ephemeral=True, thinking=True)
        except Exception as error:  # refused, or the client closing: the answer will say
            log.warning("A late acknowledgement of %s failed: %s", self._interaction.id, error)

    async def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self._sending is not None:
            await self._sending
