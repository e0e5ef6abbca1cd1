"""Which server's snippets a member means when they are not in one.

Snippets are kept per server. In a DM with Nexus, in a private channel, or in a server Nexus is
not in (the member installed the app to their account), the server is chosen: among those the
member shares with Nexus that keep snippets (the `server` option's list), defaulted when there
is only one, and checked when named — the member must be in it as Nexus sees it, and not
blocked from snippets there. Inside a server Nexus is in, that server is meant and the choice
is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import discord
from discord import app_commands

from bot.db import id_from_text
from bot.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.text import AUTOCOMPLETE_CHOICES_MAX, one_line
from cogs.snippets.rules import FEATURE

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.snippets.choices import SnippetChoices

NONE_SHARED: Final = (
    "You share no server with me that keeps snippets; share one there with /snippet share."
)
SEVERAL_SHARED: Final = "You share several servers with me: choose one with the `server` option."
NOT_YOURS: Final = "I don't know that server as one of yours: pick one from the `server` list."
BLOCKED: Final = "A moderator of that server has blocked you from snippets there."
CHOICE_NAME_MAX: Final = 100


class ServerChoice:
    def __init__(self, bot: NexusBot, choices: SnippetChoices) -> None:
        self._bot = bot
        self._choices = choices

    def home(self, interaction: discord.Interaction) -> int | None:
        """The server the interaction happens in, when Nexus is in it (its data is there)."""
        guild_id = interaction.guild_id
        if guild_id is not None and self._bot.get_guild(guild_id) is not None:
            return guild_id
        return None

    async def candidates(self, user_id: int) -> list[discord.Guild]:
        """The servers the member shares with Nexus that keep snippets and don't block them."""
        shared = [g for g in self._bot.guilds if g.get_member(user_id) is not None]
        keeping = await self._choices.servers_with_snippets([g.id for g in shared])
        found = []
        for guild in shared:
            if guild.id in keeping and not await self._blocked(guild.id, user_id):
                found.append(guild)
        return sorted(found, key=lambda g: (g.name.casefold(), g.id))

    async def chosen(self, interaction: discord.Interaction, server: str | None) -> int:
        """The server meant: this one, else the one named (checked), else the only candidate."""
        home = self.home(interaction)
        if home is not None:
            return home
        user_id = interaction.user.id
        if server is None or not server.strip():
            guilds = await self.candidates(user_id)
            if len(guilds) == 1:
                return guilds[0].id
            raise NotFoundError(NONE_SHARED) if not guilds else UserFacingError(SEVERAL_SHARED)
        return await self.checked(self._named(server, user_id), user_id)

    async def checked(self, guild: discord.Guild | None, user_id: int) -> int:
        """A server named by the member: one they are in, and not blocked from snippets."""
        if guild is None or guild.get_member(user_id) is None:
            raise NotFoundError(NOT_YOURS)
        if await self._blocked(guild.id, user_id):
            raise NotAllowedError(BLOCKED)
        return guild.id

    async def lenient(self, interaction: discord.Interaction) -> int | None:
        """The server meant so far while the member types (autocomplete): None when unclear."""
        server = getattr(interaction.namespace, "server", None)
        try:
            return await self.chosen(interaction, server if isinstance(server, str) else None)
        except UserFacingError:
            return None

    async def autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if self.home(interaction) is not None:
            return []  # the option is ignored inside a server Nexus is in
        typed = current.strip().casefold()
        return [
            app_commands.Choice(name=one_line(g.name, CHOICE_NAME_MAX), value=str(g.id))
            for g in await self.candidates(interaction.user.id)
            if typed in g.name.casefold() or typed == str(g.id)
        ][:AUTOCOMPLETE_CHOICES_MAX]

    def _named(self, server: str, user_id: int) -> discord.Guild | None:
        """By id (what the list sends), else by a name typed in full that only one has."""
        guild_id = id_from_text(server.strip())
        if guild_id is not None:
            return self._bot.get_guild(guild_id)
        wanted = server.strip().casefold()
        named = [
            g
            for g in self._bot.guilds
            if g.name.casefold() == wanted and g.get_member(user_id) is not None
        ]
        return named[0] if len(named) == 1 else None

    async def _blocked(self, guild_id: int, user_id: int) -> bool:
        return await self._bot.blocks.is_blocked(guild_id, user_id, FEATURE)
