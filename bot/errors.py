"""The one app-command error handler.

A `UserFacingError` is the user's own mistake: its message is shown as is, ephemerally.
Permission failures and cooldowns get their own wording. Anything else is a bug: the user sees a
short error id and a friendly apology; the log gets the full traceback under the same id.
Internals (SQL, paths, exception text) never reach the user.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import TYPE_CHECKING, ClassVar

import discord
from discord import app_commands

from bot.replies import reply

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class UserFacingError(Exception):
    """Raised for anything the user did wrong; the error handler shows the message as is.

    The HTTP API answers it with `http_status` and `http_headers`, so a refusal reads the same
    in Discord and over HTTP and only its kind decides the status.
    """

    http_status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def http_headers(self) -> dict[str, str]:
        return {}


class NotFoundError(UserFacingError):
    """An id the user gave names nothing (or nothing in this guild)."""

    http_status = 404


class NotAllowedError(UserFacingError):
    """The member may not do this to this thing (not theirs, not their tier)."""

    http_status = 403


class TooSoonError(UserFacingError):
    """A rate limit: the member may try again in `retry_after` seconds."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TierRequired(app_commands.CheckFailure):
    """The member's tier is too low for this command."""

    def __init__(self, tier_label: str) -> None:
        super().__init__(f"This command is for {tier_label} only.")
        self.tier_label = tier_label


class FeatureBlocked(app_commands.CheckFailure):
    """A moderator barred this member from the feature (`/admin block`)."""

    def __init__(self, feature: str) -> None:
        super().__init__(f"A moderator has blocked you from using {feature} in this server.")
        self.feature = feature


class GuildOnly(app_commands.CheckFailure):
    def __init__(self, command: str | None = None) -> None:
        if command is None:
            super().__init__("This command works in a server, not in direct messages.")
        else:
            super().__init__(f"Use /{command} in a server where Nexus is; it doesn't work here.")


class ShuttingDown(app_commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__("Nexus is restarting. Please try again in a minute.")


def new_error_id() -> str:
    return secrets.token_hex(4)


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """The text to show a user for an error, and the error id when it is a bug (else None)."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, UserFacingError):
        return original.message, None
    if isinstance(original, app_commands.CommandOnCooldown):
        wait = max(1, math.ceil(original.retry_after))
        return f"Slow down: you can use this again in {wait} s.", None
    if isinstance(original, app_commands.MissingPermissions | app_commands.MissingAnyRole):
        return "You don't have permission to use this command.", None
    if isinstance(original, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in original.missing_permissions)
        return f"I'm missing permissions here: {missing}. Ask a moderator to grant them.", None
    if isinstance(original, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages.", None
    if isinstance(original, app_commands.CheckFailure) and original.args:
        return str(original.args[0]), None
    if isinstance(original, app_commands.CheckFailure):
        return "You can't use this command here.", None
    if isinstance(original, app_commands.TransformerError):
        return describe_unusable_option(original), None
    if isinstance(original, discord.Forbidden):
        error_id = new_error_id()
        return (
            "Discord refused that action: I'm missing a permission in this channel. "
            f"A moderator can check my role. (error id `{error_id}`)",
            error_id,
        )
    error_id = new_error_id()
    return (
        f"Something went wrong on my side. It has been logged as `{error_id}`; "
        "please mention this id if you report it.",
        error_id,
    )


# What Discord sent for an option we could not use, by option type. The value itself is never
# shown: for a user or a channel it is an object whose repr leaks internals.
_UNUSABLE_OPTION = {
    discord.AppCommandOptionType.user: "That user isn't a member of this server, so I can't "
    "use them here.",
    discord.AppCommandOptionType.channel: "I can't use that channel here: pick one of this "
    "server's channels that I can see.",
    discord.AppCommandOptionType.role: "I can't use that role here.",
    discord.AppCommandOptionType.mentionable: "I can't use that member or role here.",
    discord.AppCommandOptionType.attachment: "I couldn't read that attachment.",
}


def describe_unusable_option(error: app_commands.TransformerError) -> str:
    return _UNUSABLE_OPTION.get(
        error.type, "I couldn't understand one of the options. Please check it and try again."
    )


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer with an ephemeral message whether or not the interaction was answered already."""
    try:
        await reply(interaction, text)
    except discord.HTTPException:
        # The token may have expired (15 min) or the interaction vanished; the log has it.
        log.warning("could not deliver an error message for interaction %s", interaction.id)


async def handle_app_command_error(
    interaction: discord.Interaction,
    error: BaseException,
    observe: Callable[[discord.Interaction, BaseException, str | None], Awaitable[None]]
    | None = None,
) -> None:
    text, error_id = describe_error(error)
    if error_id is not None:
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error(
            "error %s in %s (guild %s, user %s)",
            error_id,
            command,
            interaction.guild_id,
            interaction.user.id,
            exc_info=(type(original), original, original.__traceback__),
        )
    if observe is not None:
        await observe(interaction, error, error_id)
    await reply_ephemeral(interaction, text)
