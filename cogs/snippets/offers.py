"""What the snippet library offers other features (bot.capabilities.KeepsSnippets), and the one
way a member is offered code to save: the share modal, prefilled.

"Save as snippet" on a message and another feature's offer (a run result's "Save as snippet"
button) both end in the same modal, after the same checks: not blocked, not over the rate.
Outside a server (a DM, a private channel) the member first chooses the server that keeps it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Final

from bot.errors import NotFoundError
from bot.permissions import ensure_not_blocked
from bot.ui import send_with_view
from cogs.snippets import languages
from cogs.snippets.drafts import DESCRIPTION_MAX, TITLE_MAX
from cogs.snippets.rules import FEATURE
from cogs.snippets.servers import NONE_SHARED
from cogs.snippets.views import ServerPicker, SnippetModal, SubmitHandler

if TYPE_CHECKING:
    import discord

    from bot.capabilities import SnippetOffer
    from cogs.snippets.flows import SnippetFlows
    from cogs.snippets.search_engine import SnippetSearch
    from cogs.snippets.servers import ServerChoice
    from cogs.snippets.store import SnippetStore

# A guild's seed SQL is its newest SQL snippet carrying this tag.
FIXTURE_TAG: Final = "fixture"


class SnippetKeeper:
    def __init__(
        self,
        flows: SnippetFlows,
        store: SnippetStore,
        search: SnippetSearch,
        servers: ServerChoice,
    ) -> None:
        self._flows = flows
        self._store = store
        self._search = search
        self._servers = servers

    async def check_can_save(self, interaction: discord.Interaction) -> None:
        """Refuse before a modal opens: a blocked member, or one over the share rate. Outside
        a server the same is checked once the server that keeps the snippet is chosen."""
        home = self._servers.home(interaction)
        if home is None:
            return
        await ensure_not_blocked(interaction, FEATURE)
        await self._flows.check_rate(home, interaction.user.id)

    async def open_modal(
        self, interaction: discord.Interaction, offer: SnippetOffer, *, heading: str
    ) -> None:
        """The share modal, prefilled; outside a server, for the server the member chooses
        (straight away when only one of theirs keeps snippets, else after a select)."""
        if self._servers.home(interaction) is not None:
            await interaction.response.send_modal(
                self._modal(offer, heading, self._flows.share_from_modal)
            )
            return
        servers = await self._servers.candidates(interaction.user.id)
        if not servers:
            raise NotFoundError(NONE_SHARED)
        if len(servers) == 1:
            await self._open_for(servers[0].id, offer, heading, interaction)
            return
        picker = ServerPicker(
            interaction.user.id,
            [(guild.id, guild.name) for guild in servers],
            functools.partial(self._picked, offer, heading),
        )
        await send_with_view(interaction, content="Which server keeps this snippet?", view=picker)

    async def _picked(
        self, offer: SnippetOffer, heading: str, interaction: discord.Interaction, value: str
    ) -> None:
        guild_id = await self._servers.chosen(interaction, value)
        await self._open_for(guild_id, offer, heading, interaction)

    async def _open_for(
        self, guild_id: int, offer: SnippetOffer, heading: str, interaction: discord.Interaction
    ) -> None:
        await self._flows.check_rate(guild_id, interaction.user.id)
        on_done = functools.partial(self._submit_to, guild_id)
        await interaction.response.send_modal(self._modal(offer, heading, on_done))

    async def _submit_to(
        self, guild_id: int, interaction: discord.Interaction, values: dict[str, str | None]
    ) -> None:
        # The member may have left the server (or been blocked) while the form was open.
        await self._servers.checked(interaction.client.get_guild(guild_id), interaction.user.id)
        await self._flows.share_to(guild_id, interaction, values)

    def _modal(self, offer: SnippetOffer, heading: str, on_done: SubmitHandler) -> SnippetModal:
        # A language the snippets don't know is left for detection rather than refused.
        known = languages.resolve(offer.language) if offer.language else None
        description = offer.description[:DESCRIPTION_MAX] if offer.description else None
        return SnippetModal(
            heading=heading,
            on_done=on_done,
            title=offer.title[:TITLE_MAX],
            language=known.key if known is not None else None,
            code=offer.code,
            description=description,
        )

    async def offer_snippet(self, interaction: discord.Interaction, offer: SnippetOffer) -> None:
        await self.check_can_save(interaction)
        await self.open_modal(interaction, offer, heading="Save as snippet")

    @staticmethod
    def detect_language(code: str) -> str | None:
        found = languages.detect(code)
        return None if found is languages.TEXT else found.key

    async def sql_fixture(self, guild_id: int) -> str | None:
        # The search's filters are tokens of the full-text index (guild, language, tag), so
        # this is an index lookup, newest first, whatever the size of the guild.
        page = await self._search.search(guild_id, language="sql", tag=FIXTURE_TAG)
        if not page.items:
            return None
        try:
            return (await self._store.get(guild_id, page.items[0].id)).code
        except NotFoundError:  # deleted between the two reads: as if there were none
            return None
