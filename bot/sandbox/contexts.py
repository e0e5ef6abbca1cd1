"""Where an interaction happens and through which installation: Discord's interaction contexts.

Discord numbers the places a command can run (``contexts``): 0 a server, 1 the DM with the bot,
2 a private channel (a group DM, or a DM between two people). An app reaches a place through an
installation (``integration_types``): 0 installed to a server (the bot is a member there, and
may be DMed), 1 installed by a user to their account (their commands follow them everywhere,
private channels included, where the bot itself never is). The client only offers a command
whose contexts include the place and that reaches it through one of its installations, and says
who authorized it in ``authorizing_integration_owners`` ({"0": guild id or "0" in the bot's DM,
"1": the user's id}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bot.sandbox.errors import SandboxError
from bot.sandbox.kinds import DM

if TYPE_CHECKING:
    from bot.sandbox.model import Channel, Guild
    from bot.sandbox.users import User

JSON = dict[str, Any]

GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
CONTEXT_NAMES: Final = {
    GUILD_CONTEXT: "a server",
    BOT_DM_CONTEXT: "DMs with the bot",
    PRIVATE_CHANNEL_CONTEXT: "private channels",
}


class Installs:
    """Who installed the app to their own account (a guild install is the bot's membership)."""

    def __init__(self) -> None:
        self.users: set[int] = set()

    def install_for(self, user: User) -> None:
        self.users.add(user.id)

    def has(self, user: User) -> bool:
        return user.id in self.users


def context_of(channel: Channel) -> int:
    if channel.guild is not None:
        return GUILD_CONTEXT
    return BOT_DM_CONTEXT if channel.type == DM else PRIVATE_CHANNEL_CONTEXT


def allowed_contexts(command: JSON) -> list[int]:
    """The command's contexts; unset means every context (``dm_permission`` false: no DMs)."""
    contexts = command.get("contexts")
    if contexts is not None:
        return [int(c) for c in contexts]
    if command.get("dm_permission") is False:
        return [GUILD_CONTEXT]
    return [GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT]


def installations(command: JSON | None, context: int, user: User, installs: Installs) -> list[int]:
    """The installations through which ``user`` reaches ``command`` (None: any) in ``context``."""
    if command is None:  # a click or a form: whichever installations reach the place
        types = [GUILD_INSTALL, USER_INSTALL]
    else:
        types = [int(t) for t in (command.get("integration_types") or [GUILD_INSTALL])]
    found = []
    # The bot is a member of every sandbox guild; in a private channel it never is.
    if GUILD_INSTALL in types and context != PRIVATE_CHANNEL_CONTEXT:
        found.append(GUILD_INSTALL)
    if USER_INSTALL in types and installs.has(user):
        found.append(USER_INSTALL)
    return found


def check_context(command: JSON, channel: Channel, user: User, installs: Installs) -> None:
    """Refuse what the client would not offer here: wrong context or no installation."""
    context = context_of(channel)
    name = command["name"]
    if context not in allowed_contexts(command):
        raise SandboxError(f"/{name} is not available in {CONTEXT_NAMES[context]}")
    if not installations(command, context, user, installs):
        raise SandboxError(
            f"/{name} is not available to {user.name} in {CONTEXT_NAMES[context]}: "
            "the app is not installed for them there"
        )


def integration_owners(
    command: JSON | None, guild: Guild | None, channel: Channel, user: User, installs: Installs
) -> JSON:
    """``authorizing_integration_owners`` of an interaction."""
    context = context_of(channel)
    owners: JSON = {}
    for installation in installations(command, context, user, installs):
        if installation == GUILD_INSTALL:
            owners["0"] = str(guild.id) if guild is not None else "0"
        else:
            owners["1"] = str(user.id)
    return owners
