"""Expanding a code link where a moderator turned it on, and the reply's two buttons.

Nothing a member posts can make the bot fail loudly: a link the fetch guard refuses, a file too
large or too slow, a guild over its rate, a channel the bot cannot answer in, each leaves the
message as it was and one INFO line in the log.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.capabilities import KeepsSnippets, SnippetOffer, capability, offered
from bot.errors import UserFacingError
from bot.fetch import FetchError
from bot.permissions import Tier, has_tier
from cogs.codelinks.excerpts import ExcerptSource
from cogs.codelinks.languages import fence_language
from cogs.codelinks.links import LinkHosts, find_links
from cogs.codelinks.rate_limit import GuildRate
from cogs.codelinks.render import reply_content, shown_lines, snippet_title
from cogs.codelinks.rules import FEATURE
from cogs.codelinks.settings import CHANNELS
from cogs.codelinks.views import reply_buttons

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.codelinks.records import CodeLink
    from cogs.codelinks.settings import FileSettings

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def hosts_from(settings: FileSettings) -> LinkHosts:
    return LinkHosts(
        github_raw=settings.github_raw_url,
        gist_raw=settings.gist_raw_url,
        bitbucket_raw=settings.bitbucket_raw_url,
        gitlab=frozenset(settings.gitlab_hosts),
    )


def _channel_ids(channel: discord.abc.MessageableChannel) -> set[int]:
    ids = {channel.id}
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        ids.add(channel.parent_id)
    return ids


class CodeLinkFlow:
    def __init__(self, bot: NexusBot, settings: FileSettings) -> None:
        self.bot = bot
        self.settings = settings
        self.hosts = hosts_from(settings)
        self.source = ExcerptSource(bot.fetcher, settings, bot.clock)
        self.rate = GuildRate(settings.per_guild_per_minute, bot.clock)

    async def link_to_expand(self, message: discord.Message) -> CodeLink | None:
        """The message's first code link, if this is a member's message in a channel where
        expansion is on; None otherwise (most messages: no settings are read for them)."""
        if message.guild is None or message.author.bot or "://" not in message.content:
            return None
        links = find_links(message.content, self.hosts)
        if not links:
            return None
        config = await self.bot.guild_settings.get(message.guild.id)
        if not _channel_ids(message.channel) & set(config.get(CHANNELS) or []):
            return None
        if await self.bot.blocks.is_blocked(message.guild.id, message.author.id, FEATURE):
            return None
        return links[0]

    async def expand(self, message: discord.Message) -> None:
        link = await self.link_to_expand(message)
        if link is None or message.guild is None:
            return
        if not self.rate.take(message.guild.id):
            log.info(
                "code link not expanded: guild %s is over %d per minute",
                message.guild.id,
                self.settings.per_guild_per_minute,
            )
            return
        try:
            excerpt = await self.source.excerpt(link)
        except FetchError as error:
            log.info("code link %s not expanded: %s", link.url, error)
            return
        view = reply_buttons(
            message.author.id, can_save=offered(self.bot, KeepsSnippets) is not None
        )
        try:
            await message.reply(
                reply_content(excerpt, self.settings.max_lines),
                view=view,
                allowed_mentions=NO_MENTIONS,
                mention_author=False,
            )
        except discord.HTTPException as error:
            log.info("code link %s not expanded: Discord refused the reply (%s)", link.url, error)
            return
        await self._hide_preview(message)

    @staticmethod
    async def _hide_preview(message: discord.Message) -> None:
        """The service's own preview of the link repeats what the reply shows; it is hidden
        where the bot may (Manage Messages) and left alone elsewhere."""
        if message.guild is None:
            return
        if not message.channel.permissions_for(message.guild.me).manage_messages:
            return
        with contextlib.suppress(discord.HTTPException):
            await message.edit(suppress=True)

    # ---- the buttons -------------------------------------------------------------------------

    async def save(self, interaction: discord.Interaction) -> None:
        keeper = capability(
            interaction, KeepsSnippets, "Saving snippets isn't available right now."
        )
        content = interaction.message.content if interaction.message is not None else ""
        links = find_links(content, self.hosts)
        shown = shown_lines(content, links[-1]) if links else None
        if not links or shown is None:
            raise UserFacingError("I can't read the code back from this message.")
        link = links[-1]
        await keeper.offer_snippet(
            interaction,
            SnippetOffer(
                code=shown.code,
                language=fence_language(link.path) or None,
                title=snippet_title(link.path, shown.first, shown.last),
                description=f"Source: {link.url}",
            ),
        )

    async def delete(self, interaction: discord.Interaction, poster_id: int) -> None:
        if interaction.user.id != poster_id and not await has_tier(interaction, Tier.MODERATOR):
            raise UserFacingError(
                "Only the member who posted the link or a moderator can delete this."
            )
        if interaction.message is not None:
            with contextlib.suppress(discord.NotFound):
                await interaction.message.delete()
        await interaction.response.send_message("Deleted the expanded code.", ephemeral=True)
