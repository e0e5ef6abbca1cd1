"""What the snippet library offers other features (bot.capabilities.KeepsSnippets), and the one
way a member is offered code to save: the share modal, prefilled.

"Save as snippet" on a message and another feature's offer (a run result's "Save as snippet"
button) both end in the same modal, after the same checks: not blocked, not over the rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.errors import NotFoundError
from bot.permissions import ensure_not_blocked, guild_of
from cogs.snippets import languages
from cogs.snippets.drafts import DESCRIPTION_MAX, TITLE_MAX
from cogs.snippets.rules import FEATURE
from cogs.snippets.views import SnippetModal

if TYPE_CHECKING:
    import discord

    from bot.capabilities import SnippetOffer
    from cogs.snippets.flows import SnippetFlows
    from cogs.snippets.search_engine import SnippetSearch
    from cogs.snippets.store import SnippetStore

# A guild's seed SQL is its newest SQL snippet carrying this tag.
FIXTURE_TAG: Final = "fixture"


class SnippetKeeper:
    def __init__(self, flows: SnippetFlows, store: SnippetStore, search: SnippetSearch) -> None:
        self._flows = flows
        self._store = store
        self._search = search

    async def check_can_save(self, interaction: discord.Interaction) -> None:
        """Refuse before a modal opens: a blocked member, or one over the share rate."""
        await ensure_not_blocked(interaction, FEATURE)
        await self._flows.check_rate(guild_of(interaction).id, interaction.user.id)

    async def open_modal(
        self, interaction: discord.Interaction, offer: SnippetOffer, *, heading: str
    ) -> None:
        # A language the snippets don't know is left for detection rather than refused.
        known = languages.resolve(offer.language) if offer.language else None
        description = offer.description[:DESCRIPTION_MAX] if offer.description else None
        await interaction.response.send_modal(
            SnippetModal(
                heading=heading,
                on_done=self._flows.share_from_modal,
                title=offer.title[:TITLE_MAX],
                language=known.key if known is not None else None,
                code=offer.code,
                description=description,
            )
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
