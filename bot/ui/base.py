"""What every Nexus view shares: one error path, owner-only clicks, tidy timeouts."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.utils import MISSING

if TYPE_CHECKING:
    from discord.ui import Item

__all__ = [
    "ALREADY_ANSWERED",
    "DelegatingErrorsView",
    "OwnerOnlyView",
    "report_error",
    "send_with_view",
]

log = logging.getLogger(__name__)

# How long a settled view keeps acknowledging clicks that raced the one that settled it. Those
# arrive within moments; Discord disables the buttons on screen as soon as the edit lands.
RACING_CLICKS_GRACE = 5.0
ALREADY_ANSWERED = "That was already answered a moment ago; nothing more to do."

# What a sent message can be, depending on whether it was the first response or a followup.
SentMessage = discord.InteractionMessage | discord.WebhookMessage | discord.Message


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Hand ``error`` to the command tree's error handler, the bot's only one.

    Errors raised in button and modal callbacks then get the same friendly reply (and error id)
    as errors raised in slash commands. Without a tree (a bare Client) the error is logged.
    """
    tree = getattr(interaction.client, "tree", None)
    if not isinstance(tree, app_commands.CommandTree):
        log.error("Unhandled error in a component callback", exc_info=error)
        return
    try:
        # The original exception is passed on, not wrapped: the bot's handler accepts any
        # Exception, so a UserFacingError raised in a callback is recognised as such.
        await tree.on_error(interaction, error)  # type: ignore[arg-type]
    except Exception:
        log.exception("The error handler itself failed on %r", error)


class DelegatingErrorsView(discord.ui.View):
    """A View whose callback errors go to the bot's one error handler. Inherit from this."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: Item[Any], /
    ) -> None:
        await report_error(interaction, error)


class OwnerOnlyView(DelegatingErrorsView):
    """A view only its owner may use; it disables its items when it times out.

    ``send_with_view`` tells it where it was sent (``remember`` or ``sent_as_followup``) so the
    timeout can edit that message. Every accepted click also remembers its interaction: that
    newer token is used for the timeout edit, so a view kept alive by clicks never outlives the
    15-minute token it would otherwise edit with.
    """

    refusal: str = "Only the person who ran this command can use these buttons."
    timeout_content: str | None = None
    """When set, the timeout edit also replaces the message's text with this."""

    def __init__(self, owner_id: int, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.settled = False
        self._latest: discord.Interaction | None = None
        # A followup's webhook and message id, not the message: a view waits for clicks for a
        # minute or more, and a whole message (its embeds, components and author) is ~15 KB.
        self._followup: tuple[discord.Webhook, int] | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if self.settled:
            # A click that raced the one that settled this view (a double-click).
            await interaction.response.send_message(ALREADY_ANSWERED, ephemeral=True)
            return False
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(self.refusal, ephemeral=True)
            return False
        self.remember(interaction)
        return True

    def remember(self, interaction: discord.Interaction) -> None:
        """Use ``interaction``'s token (whose original response is this view's message) to edit."""
        self._latest = interaction

    def sent_as_followup(self, followup: discord.Webhook, message_id: int) -> None:
        """This view's message is the followup `message_id`, edited through `followup`."""
        self._followup = followup, message_id

    def settle(self) -> None:
        """The view's question is answered: disable its items and stop it shortly.

        Call it first in the callback, before any await, so that a second click dispatched
        meanwhile is refused by `interaction_check`. Stopping at once would unregister the view,
        and a click that raced this one would get no answer at all ("This interaction failed").
        """
        self.settled = True
        self.disable_all()
        asyncio.get_running_loop().call_later(RACING_CLICKS_GRACE, self.stop)

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        await self.close_with(self.timeout_content)

    async def close_with(self, content: str | None) -> None:
        """Disable the items of an unanswered view and, when given, replace its text."""
        if self.settled:
            return
        self.disable_all()
        shown: Any = content if content is not None else MISSING
        try:
            if self._latest is not None:
                # For a component interaction the "original response" is the view's message.
                await self._latest.edit_original_response(content=shown, view=self)
            elif self._followup is not None:
                followup, message_id = self._followup
                await followup.edit_message(message_id, content=shown, view=self)
        except discord.HTTPException as error:
            # The message was deleted or the token expired: nothing left to tidy.
            log.info("Could not disable the buttons of %r: %s", self, error)


async def send_with_view(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: OwnerOnlyView | None = None,
    ephemeral: bool = True,
) -> SentMessage | None:
    """Answer ``interaction`` (or follow up if it was already answered or deferred).

    Returns the sent message when it is known, and tells ``view`` where it went, for its
    timeout edit.
    """
    view_arg: Any = view if view is not None else MISSING
    embed_arg: Any = embed if embed is not None else MISSING
    message: SentMessage | None
    if interaction.response.is_done():
        message = await interaction.followup.send(
            content=content if content is not None else MISSING,
            embed=embed_arg,
            view=view_arg,
            ephemeral=ephemeral,
            wait=True,
        )
        if view is not None:
            view.sent_as_followup(interaction.followup, message.id)
    else:
        callback = await interaction.response.send_message(
            content, embed=embed_arg, view=view_arg, ephemeral=ephemeral
        )
        resource = callback.resource
        message = resource if isinstance(resource, discord.InteractionMessage) else None
        if view is not None:
            # The command's own token edits this response even if the resource is missing.
            view.remember(interaction)
    return message
