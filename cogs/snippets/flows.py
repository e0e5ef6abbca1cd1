"""Sharing, changing and deleting a snippet, where the store and Discord must agree.

A share is stored, then posted, then told where its post is; a post that fails takes the
stored copy back. A delete asks first, then removes the snippet and tidies its post. Errors
are raised, never answered here: the bot's one handler turns a UserFacingError into an
ephemeral message.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Final

import discord

from bot.errors import UserFacingError
from bot.markdown import safe_truncate
from bot.permissions import Tier, guild_of, has_tier
from bot.replies import acknowledge_if_slow, reply
from bot.ui import confirm
from cogs.snippets import languages
from cogs.snippets.attachments import download_code, first_text_attachment
from cogs.snippets.drafts import (
    MessageCode,
    SnippetDraft,
    SnippetInputError,
    build_draft,
    extract_message_code,
)
from cogs.snippets.posts import (
    configured_destination,
    post_arguments,
    post_destination,
    remove_post,
    update_post,
)
from cogs.snippets.rules import FEATURE
from cogs.snippets.settings import SHARES_PER_MINUTE, file_settings

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.snippets.records import SnippetRecord, StarResult
    from cogs.snippets.store import SnippetStore

# A modal must be the first answer to the menu (within 3 s), so the download can't be deferred.
MENU_DOWNLOAD_TIMEOUT: Final = 2.0


class SnippetFlows:
    def __init__(self, bot: NexusBot, store: SnippetStore) -> None:
        self.bot = bot
        self.store = store

    @property
    def max_bytes(self) -> int:
        return file_settings(self.bot.settings).max_file_bytes

    async def shares_per_minute(self, guild_id: int) -> int:
        config = await self.bot.guild_settings.get(guild_id)
        return int(config.get(SHARES_PER_MINUTE))

    async def check_rate(self, guild_id: int, user_id: int) -> None:
        """Refuse early (before a modal opens) when a share would be over the limit."""
        await self.store.check_rate(guild_id, user_id, await self.shares_per_minute(guild_id))

    async def download(self, attachment: discord.Attachment) -> str:
        return await download_code(
            self.bot.fetcher,
            attachment,
            max_bytes=self.max_bytes,
            api_url=self.bot.settings.discord.api_url,
        )

    async def draft(
        self,
        *,
        title: str,
        code: str | None,
        language: str | None,
        tags: str | None,
        description: str | None,
        filename: str | None = None,
    ) -> SnippetDraft:
        def build() -> SnippetDraft:
            return build_draft(
                title=title,
                code=code or "",
                language=language,
                tags=tags,
                description=description,
                max_bytes=self.max_bytes,
                filename=filename,
            )

        if language is not None and language.strip():
            # Named: the checks are a few string operations, less than a trip to a thread.
            return build()
        # Language detection can take a few milliseconds on big files: keep the loop free.
        return await asyncio.to_thread(build)

    async def draft_from(self, values: dict[str, str | None]) -> SnippetDraft:
        """The draft the share modal's fields make."""
        return await self.draft(
            title=values["title"] or "",
            code=values["code"],
            language=values["language"],
            tags=values["tags"],
            description=values["description"],
        )

    async def message_code(self, message: discord.Message) -> tuple[str, MessageCode]:
        """The title and code (with its language) "Save as snippet" offers for a message: its
        code blocks, else its first text attachment."""
        found = extract_message_code(message.content)
        title = f"Code from {message.author.display_name}"
        if found is not None:
            return title, found
        attachment = first_text_attachment(message)
        if attachment is None:
            raise SnippetInputError(
                "That message has no code to save: I look for ``` code blocks or a text "
                "file attachment."
            )
        try:
            code = await asyncio.wait_for(self.download(attachment), MENU_DOWNLOAD_TIMEOUT)
        except TimeoutError:
            raise UserFacingError(
                "The file took too long to download; try `/snippet share` with it instead."
            ) from None
        return attachment.filename, MessageCode(
            code, languages.detect(code, attachment.filename).key
        )

    async def publish(self, interaction: discord.Interaction, draft: SnippetDraft) -> None:
        """Store the snippet and post it: in place when run in the snippets channel (or when
        none is configured), else in the snippets channel with a private link back."""
        guild_id = guild_of(interaction).id
        config = await self.bot.guild_settings.get(guild_id)
        destination = post_destination(self.bot, interaction, config.channel_id(FEATURE))
        here = interaction.channel_id
        if (
            here is not None
            and getattr(destination, "id", None) == here
            and not interaction.response.is_done()
        ):
            record = await self._store_share(guild_id, interaction.user.id, draft)
            try:
                await self._post_as_reply(interaction, guild_id, here, record)
            except discord.HTTPException:
                await self._take_back(guild_id, record)
                raise
            return
        record = await self.share_in(guild_id, interaction.user.id, draft, destination)
        assert record.channel_id is not None and record.message_id is not None
        post = self.bot.get_partial_messageable(record.channel_id, guild_id=guild_id)
        jump = post.get_partial_message(record.message_id).jump_url
        await reply(interaction, f"Shared as snippet **#{record.id}**: {jump}")

    async def share_in(
        self,
        guild_id: int,
        author_id: int,
        draft: SnippetDraft,
        destination: discord.abc.Messageable | None,
    ) -> SnippetRecord:
        """Store a share and post it in `destination` (None: stored without a post, as for an
        API call in a guild with no snippets channel); the post failing takes the share back."""
        record = await self._store_share(guild_id, author_id, draft)
        if destination is None:
            return record
        try:
            message = await destination.send(**post_arguments(self.bot, record))
        except discord.HTTPException:
            await self._take_back(guild_id, record)
            raise
        await self.store.record_post(guild_id, record.id, message.channel.id, message.id)
        return dataclasses.replace(record, channel_id=message.channel.id, message_id=message.id)

    async def _store_share(
        self, guild_id: int, author_id: int, draft: SnippetDraft
    ) -> SnippetRecord:
        limit = await self.shares_per_minute(guild_id)
        return await self.store.share(guild_id, author_id, draft, shares_per_minute=limit)

    async def _take_back(self, guild_id: int, record: SnippetRecord) -> None:
        # Not posted means not shared: take the stored copy back before reporting.
        assert record.author_id is not None
        await self.store.delete(guild_id, record.id, record.author_id, is_moderator=True)

    async def _post_as_reply(
        self,
        interaction: discord.Interaction,
        guild_id: int,
        channel_id: int,
        record: SnippetRecord,
    ) -> None:
        """The post is the reply itself. Deferring creates its message first, so where it is
        gets stored before the post shows: a crash in between can't leave a shown post that
        the snippet doesn't know (deleting the snippet would leave it behind)."""
        callback = await interaction.response.defer(thinking=True)
        message_id = callback.message_id if callback is not None else None
        if message_id is None:
            message_id = (await interaction.original_response()).id
        await self.store.record_post(guild_id, record.id, channel_id, message_id)
        # The first followup after a "thinking" deferral fills the deferred message.
        await interaction.followup.send(**post_arguments(self.bot, record))

    async def share_from_modal(
        self, interaction: discord.Interaction, values: dict[str, str | None]
    ) -> None:
        draft = await self.draft_from(values)
        await self.publish(interaction, draft)

    async def share_to(
        self, guild_id: int, interaction: discord.Interaction, values: dict[str, str | None]
    ) -> None:
        """A share made outside the server that keeps it (a DM): posted in that server's
        snippets channel, or kept without a post when it has none; answered with where."""
        draft = await self.draft_from(values)
        config = await self.bot.guild_settings.get(guild_id)
        destination = configured_destination(self.bot, config.channel_id(FEATURE))
        record = await self.share_in(guild_id, interaction.user.id, draft, destination)
        guild = self.bot.get_guild(guild_id)
        server = safe_truncate(guild.name, 100) if guild is not None else "that server"
        if record.channel_id is None or record.message_id is None:
            await reply(interaction, f"Saved as snippet **#{record.id}** in **{server}**.")
            return
        post = self.bot.get_partial_messageable(record.channel_id, guild_id=guild_id)
        jump = post.get_partial_message(record.message_id).jump_url
        await reply(interaction, f"Saved as snippet **#{record.id}** in **{server}**: {jump}")

    async def edit_from_modal(
        self, snippet_id: int, submitted: discord.Interaction, values: dict[str, str | None]
    ) -> None:
        acknowledge_if_slow(submitted)  # the stored edit and the post's redraw come first
        updated = await self.edit(
            guild_of(submitted).id,
            snippet_id,
            submitted.user.id,
            values,
            is_moderator=await has_tier(submitted, Tier.MODERATOR),
        )
        await reply(submitted, f"Updated snippet **#{updated.id}**.")

    async def edit(
        self,
        guild_id: int,
        snippet_id: int,
        editor_id: int,
        values: dict[str, str | None],
        *,
        is_moderator: bool,
    ) -> SnippetRecord:
        """Replace a snippet's fields (the edit modal's, or an API call's) and redraw its post."""
        draft = await self.draft_from(values)
        updated = await self.store.edit(
            guild_id, snippet_id, editor_id, draft, is_moderator=is_moderator
        )
        await update_post(self.bot, updated)
        return updated

    async def delete(
        self, guild_id: int, snippet_id: int, actor_id: int, *, is_moderator: bool
    ) -> None:
        """Delete without asking (an API call: the caller's DELETE is the decision)."""
        deleted = await self.store.delete(guild_id, snippet_id, actor_id, is_moderator=is_moderator)
        await remove_post(self.bot, deleted.channel_id, deleted.message_id)

    async def set_star(
        self, guild_id: int, snippet_id: int, user_id: int, *, starred: bool
    ) -> StarResult:
        result = await self.store.set_star(guild_id, snippet_id, user_id, starred=starred)
        await update_post(self.bot, await self.store.get(guild_id, snippet_id))
        return result

    async def changeable(self, interaction: discord.Interaction, snippet_id: int) -> SnippetRecord:
        record = await self.store.get(guild_of(interaction).id, snippet_id)
        if record.author_id != interaction.user.id and not await has_tier(
            interaction, Tier.MODERATOR
        ):
            raise UserFacingError(
                f"Only the author or a moderator can change snippet #{snippet_id}."
            )
        return record

    async def confirm_and_delete(
        self, interaction: discord.Interaction, snippet_id: int
    ) -> discord.Message | None:
        """Ask, delete, tidy the share post; returns the clicked message to remove, if any."""
        record = await self.changeable(interaction, snippet_id)
        title = safe_truncate(record.title, 80)
        if not await confirm(
            interaction,
            f"Delete snippet **#{record.id}** “{title}”? This can't be undone.",
            confirm_label="Delete",
        ):
            await interaction.followup.send("Nothing was deleted.", ephemeral=True)
            return None
        deleted = await self.store.delete(
            guild_of(interaction).id,
            snippet_id,
            interaction.user.id,
            is_moderator=await has_tier(interaction, Tier.MODERATOR),
        )
        clicked = interaction.message
        await remove_post(
            self.bot, deleted.channel_id, deleted.message_id, skip=clicked.id if clicked else None
        )
        await interaction.followup.send(f"Deleted snippet #{deleted.id}.", ephemeral=True)
        return clicked
