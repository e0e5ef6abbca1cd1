"""/snippet commands, the "Save as snippet" message menu and the snippet buttons' actions.

Thin: parse what Discord gives, call the snippets' parts, reply. Errors are raised, never answered
here: the bot's one handler turns a UserFacingError into an ephemeral message.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Final, Literal

import discord
from discord import app_commands

from bot.db import sqlite_path
from bot.errors import UserFacingError
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.fetch import FetchError, FetchTooLarge
from bot.markdown import safe_truncate
from bot.permissions import Tier, ensure_not_blocked, has_tier
from bot.text import AUTOCOMPLETE_NAME_LIMIT, truncate
from bot.ui import Page, confirm, send_paginated
from cogs.snippets import languages
from cogs.snippets.drafts import (
    TITLE_MAX,
    SnippetDraft,
    SnippetInputError,
    build_draft,
    check_attachment_size,
    decode_attachment,
    extract_message_code,
)
from cogs.snippets.parts import build_parts
from cogs.snippets.records import PageCursor, SnippetRecord, SnippetSummary
from cogs.snippets.render import page_embed, raw_file, snippet_embed
from cogs.snippets.search_index import rebuild_search_index
from cogs.snippets.settings import ON_FORGET, SETTING_SPECS, SHARES_PER_MINUTE
from cogs.snippets.views import DYNAMIC_ITEMS, SnippetModal, snippet_buttons

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from bot.app import NexusBot

FEATURE: Final = "snippets"
ATTACHMENT_TIMEOUT_SECONDS: Final = 30.0
# A modal must be the first answer to the menu (within 3 s), so the download can't be deferred.
MENU_DOWNLOAD_TIMEOUT: Final = 2.0
NO_MENTIONS: Final = discord.AllowedMentions.none()


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserFacingError("Snippets live in a server; use this there.")
    return interaction.guild_id


async def _reply(interaction: discord.Interaction, text: str, **extra: Any) -> None:
    """Ephemeral answer, whether or not the interaction was answered or deferred already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **extra)
    else:
        await interaction.response.send_message(text, ephemeral=True, **extra)


def _post_arguments(record: SnippetRecord) -> dict[str, Any]:
    rendered = snippet_embed(record)
    arguments: dict[str, Any] = {
        "embed": rendered.embed,
        "view": snippet_buttons(record.id, record.star_count),
        "allowed_mentions": NO_MENTIONS,
    }
    file = rendered.file()
    if file is not None:
        arguments["file"] = file
    return arguments


class SnippetsCog(FeatureCog, name="SnippetsCog"):
    feature = FEATURE
    setting_specs = SETTING_SPECS
    snippet = app_commands.Group(
        name="snippet", description="Share, find and reuse code", guild_only=True
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.parts = build_parts(
            bot.db.sessions,
            dialect=bot.db.dialect,
            clock=bot.clock,
            audit=bot.audit,
            sqlite_file=sqlite_path(bot.db.url),
        )
        self.save_menu = app_commands.ContextMenu(
            name="Save as snippet", callback=self.save_as_snippet
        )
        self.save_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.parts.store.close()

    # ---- the feature contract ---------------------------------------------------------------

    async def _forget_mode(self, guild_id: int) -> str:
        return str((await self.bot.guild_settings.get(guild_id)).get(ON_FORGET))

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.parts.member_data.forget(
            guild_id, user_id, await self._forget_mode(guild_id)
        )

    async def forget_preview(self, guild_id: int) -> str:
        if await self._forget_mode(guild_id) == "delete":
            return "their snippets are deleted"
        return "their snippets are kept without their name"

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.parts.member_data.stats(guild_id)

    @staticmethod
    async def rebuild_derived(connection: AsyncConnection) -> None:
        await rebuild_search_index(connection)

    # ---- helpers ------------------------------------------------------------------------

    @property
    def max_bytes(self) -> int:
        return self.bot.settings.snippets.max_file_bytes

    async def _shares_per_minute(self, guild_id: int) -> int:
        config = await self.bot.guild_settings.get(guild_id)
        return int(config.get(SHARES_PER_MINUTE))

    async def _download(self, attachment: discord.Attachment) -> str:
        check_attachment_size(attachment.size, self.max_bytes, attachment.filename)
        try:
            fetched = await self.bot.fetcher.fetch(
                attachment.url,
                max_bytes=self.max_bytes,
                timeout_seconds=ATTACHMENT_TIMEOUT_SECONDS,
                # Attachments live on the Discord-compatible server the bot is configured to
                # talk to (the sandbox serves them from 127.0.0.1).
                trusted_origin=self.bot.settings.discord.api_url,
            )
        except FetchTooLarge:
            # The size Discord reports is trusted only as far as the bytes agree.
            raise SnippetInputError(
                f"`{attachment.filename[:64]}` is larger than the {self.max_bytes:,} bytes "
                "attachments can be."
            ) from None
        except FetchError as error:
            raise UserFacingError(
                f"I couldn't download `{attachment.filename[:64]}`: {error.message} Try again."
            ) from None
        return decode_attachment(fetched.body, self.max_bytes, attachment.filename)

    async def _draft(
        self,
        *,
        title: str,
        code: str | None,
        language: str | None,
        tags: str | None,
        description: str | None,
        filename: str | None = None,
    ) -> SnippetDraft:
        # Language detection can take a few milliseconds on big files: keep the loop free.
        return await asyncio.to_thread(
            lambda: build_draft(
                title=title,
                code=code or "",
                language=language,
                tags=tags,
                description=description,
                max_bytes=self.max_bytes,
                filename=filename,
            )
        )

    def _destination(
        self, interaction: discord.Interaction, channel_id: int | None
    ) -> discord.abc.Messageable:
        if channel_id is not None:
            channel = self.bot.get_channel(channel_id)
            if isinstance(channel, discord.TextChannel | discord.Thread):
                return channel
        if isinstance(interaction.channel, discord.abc.Messageable):
            return interaction.channel
        raise UserFacingError("I can't post in this channel.")

    async def _publish(self, interaction: discord.Interaction, draft: SnippetDraft) -> None:
        """Store the snippet and post it: in place when run in the snippets channel (or when
        none is configured), else in the snippets channel with a private link back."""
        guild_id = _guild_id(interaction)
        limit = await self._shares_per_minute(guild_id)
        record = await self.parts.store.share(
            guild_id, interaction.user.id, draft, shares_per_minute=limit
        )
        config = await self.bot.guild_settings.get(guild_id)
        destination = self._destination(interaction, config.channel_id(FEATURE))
        here = interaction.channel_id
        try:
            if (
                here is not None
                and getattr(destination, "id", None) == here
                and not interaction.response.is_done()
            ):
                await self._post_as_reply(interaction, guild_id, here, record)
                return
            message = await destination.send(**_post_arguments(record))
        except discord.HTTPException:
            # Not posted means not shared: take the stored copy back before reporting.
            await self.parts.store.delete(
                guild_id, record.id, interaction.user.id, is_moderator=True
            )
            raise
        await self.parts.store.record_post(guild_id, record.id, message.channel.id, message.id)
        await _reply(interaction, f"Shared as snippet **#{record.id}**: {message.jump_url}")

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
        await self.parts.store.record_post(guild_id, record.id, channel_id, message_id)
        # The first followup after a "thinking" deferral fills the deferred message.
        await interaction.followup.send(**_post_arguments(record))

    async def _share_from_modal(
        self, interaction: discord.Interaction, values: dict[str, str | None]
    ) -> None:
        draft = await self._draft(
            title=values["title"] or "",
            code=values["code"],
            language=values["language"],
            tags=values["tags"],
            description=values["description"],
        )
        await self._publish(interaction, draft)

    async def _changeable(self, interaction: discord.Interaction, snippet_id: int) -> SnippetRecord:
        record = await self.parts.store.get(_guild_id(interaction), snippet_id)
        if record.author_id != interaction.user.id and not await has_tier(
            interaction, Tier.MODERATOR
        ):
            raise UserFacingError(
                f"Only the author or a moderator can change snippet #{snippet_id}."
            )
        return record

    async def _update_post(self, record: SnippetRecord) -> None:
        """Redraw the original share post after an edit (best effort: it may be gone)."""
        if record.channel_id is None or record.message_id is None:
            return
        channel = self.bot.get_channel(record.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return
        arguments = _post_arguments(record)
        file = arguments.pop("file", None)
        arguments["attachments"] = [file] if file is not None else []
        with contextlib.suppress(discord.HTTPException):
            await channel.get_partial_message(record.message_id).edit(**arguments)

    async def _remove_post(
        self, channel_id: int | None, message_id: int | None, *, skip: int | None = None
    ) -> None:
        if channel_id is None or message_id is None or message_id == skip:
            return
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.TextChannel | discord.Thread):
            with contextlib.suppress(discord.HTTPException):
                await channel.get_partial_message(message_id).delete()

    async def _confirm_and_delete(
        self, interaction: discord.Interaction, snippet_id: int
    ) -> discord.Message | None:
        """Ask, delete, tidy the share post; returns the clicked message to remove, if any."""
        record = await self._changeable(interaction, snippet_id)
        title = safe_truncate(record.title, 80)
        if not await confirm(
            interaction,
            f"Delete snippet **#{record.id}** “{title}”? This can't be undone.",
            confirm_label="Delete",
        ):
            await interaction.followup.send("Nothing was deleted.", ephemeral=True)
            return None
        deleted = await self.parts.store.delete(
            _guild_id(interaction),
            snippet_id,
            interaction.user.id,
            is_moderator=await has_tier(interaction, Tier.MODERATOR),
        )
        clicked = interaction.message
        await self._remove_post(
            deleted.channel_id, deleted.message_id, skip=clicked.id if clicked else None
        )
        await interaction.followup.send(f"Deleted snippet #{deleted.id}.", ephemeral=True)
        return clicked

    # ---- autocomplete -------------------------------------------------------------------

    async def _id_choices(
        self, interaction: discord.Interaction, current: str, *, own_only: bool
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        author = None
        if own_only and not await has_tier(interaction, Tier.MODERATOR):
            author = interaction.user.id
        found = await self.parts.choices.autocomplete(
            interaction.guild_id, current, author_id=author
        )
        return [
            app_commands.Choice(
                name=truncate(f"#{c.id} · {c.title}", AUTOCOMPLETE_NAME_LIMIT), value=c.id
            )
            for c in found
        ]

    async def any_id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._id_choices(interaction, current, own_only=False)

    async def own_id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._id_choices(interaction, current, own_only=True)

    async def language_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = []
        for language in languages.autocomplete(current):
            aliases = f" ({', '.join(language.aliases[:3])})" if language.aliases else ""
            choices.append(
                app_commands.Choice(
                    name=truncate(language.name + aliases, AUTOCOMPLETE_NAME_LIMIT),
                    value=language.key,
                )
            )
        return choices

    async def tag_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        tags = await self.parts.choices.tags_in_use(interaction.guild_id, current)
        return [app_commands.Choice(name=f"#{tag}", value=tag) for tag in tags]

    # ---- commands -----------------------------------------------------------------------

    @snippet.command(name="share", description="Share code: stored, searchable and posted")
    @app_commands.describe(
        title="a short name for it (up to 100 characters)",
        code="the code (leave code and file empty to paste it in a form)",
        file="a UTF-8 text file, up to 100 KB, for longer code",
        language="detected when left empty",
        tags="up to 5, separated by commas (e.g. api, async)",
        description="what it does, in a sentence or two",
    )
    async def share(  # noqa: PLR0917 (one parameter per Discord option)
        self,
        interaction: discord.Interaction,
        title: str,
        code: str | None = None,
        file: discord.Attachment | None = None,
        language: str | None = None,
        tags: str | None = None,
        description: str | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        if code is not None and file is not None:
            raise SnippetInputError("Give the code or a file, not both.")
        await self.parts.store.check_rate(
            guild_id, interaction.user.id, await self._shares_per_minute(guild_id)
        )
        if code is None and file is None:
            await interaction.response.send_modal(
                SnippetModal(
                    heading="Share a snippet",
                    on_done=self._share_from_modal,
                    title=title[:TITLE_MAX],
                    language=language,
                    tags=tags,
                    description=description,
                )
            )
            return
        filename = None
        if file is not None:
            # Downloading may outlast Discord's 3 s; the post then goes out as a new message.
            await interaction.response.defer(ephemeral=True, thinking=True)
            code = await self._download(file)
            filename = file.filename
        draft = await self._draft(
            title=title,
            code=code,
            language=language,
            tags=tags,
            description=description,
            filename=filename,
        )
        await self._publish(interaction, draft)

    @share.autocomplete("language")
    async def _share_language(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.language_autocomplete(interaction, current)

    @snippet.command(name="get", description="Post a snippet here, highlighted")
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=any_id_autocomplete)
    async def get(self, interaction: discord.Interaction, id: int) -> None:
        record = await self.parts.store.get(_guild_id(interaction), id)
        await interaction.response.send_message(**_post_arguments(record))

    @snippet.command(name="search", description="Find snippets by words, language, tag or author")
    @app_commands.describe(
        query='words to find; "quoted phrase"; prefix* (3+ letters)',
        language="only this language",
        tag="only snippets with this tag",
        author="only this member's snippets",
    )
    @app_commands.autocomplete(tag=tag_autocomplete)
    async def search(
        self,
        interaction: discord.Interaction,
        query: str | None = None,
        language: str | None = None,
        tag: str | None = None,
        author: discord.Member | discord.User | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        language_key = None
        if language is not None and language.strip():
            found = languages.resolve(language)
            if found is None:
                raise UserFacingError(
                    f"I don't know the language `{language.strip()[:32]}`; pick one from the list."
                )
            language_key = found.key
        author_id = author.id if author is not None else None

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self.parts.snippet_search.search(
                guild_id,
                query,
                language=language_key,
                tag=tag,
                author_id=author_id,
                cursor=_cursor(cursor),
            )
            return Page(page.items, page.next_cursor)

        heading = _search_heading(query, language_key, tag, author)

        def render(page: Page[SnippetSummary], number: int) -> discord.Embed:
            return page_embed(heading, page.items, number)

        await send_paginated(
            interaction, fetch, render, empty_message="No snippets match that search."
        )

    @search.autocomplete("language")
    async def _search_language(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.language_autocomplete(interaction, current)

    @snippet.command(name="edit", description="Change a snippet (author or moderator)")
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=own_id_autocomplete)
    async def edit(self, interaction: discord.Interaction, id: int) -> None:
        record = await self._changeable(interaction, id)

        async def done(submitted: discord.Interaction, values: dict[str, str | None]) -> None:
            await submitted.response.defer(ephemeral=True, thinking=True)
            draft = await self._draft(
                title=values["title"] or "",
                code=values["code"],
                language=values["language"],
                tags=values["tags"],
                description=values["description"],
            )
            updated = await self.parts.store.edit(
                _guild_id(submitted),
                record.id,
                submitted.user.id,
                draft,
                is_moderator=await has_tier(submitted, Tier.MODERATOR),
            )
            await self._update_post(updated)
            await _reply(submitted, f"Updated snippet **#{updated.id}**.")

        await interaction.response.send_modal(
            SnippetModal(
                heading=f"Edit snippet #{record.id}",
                on_done=done,
                title=record.title,
                language=record.language,
                code=record.code,
                tags=", ".join(record.tags),
                description=record.description,
            )
        )

    @snippet.command(name="delete", description="Delete a snippet (author or moderator)")
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=own_id_autocomplete)
    async def delete(self, interaction: discord.Interaction, id: int) -> None:
        await self._confirm_and_delete(interaction, id)

    @snippet.command(name="star", description="Star a snippet, or take your star back")
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=any_id_autocomplete)
    async def star(self, interaction: discord.Interaction, id: int) -> None:
        result = await self.parts.store.toggle_star(_guild_id(interaction), id, interaction.user.id)
        if result.starred:
            text = f"⭐ Starred snippet #{id}; it has {result.star_count} now."
        else:
            text = f"Took your star back from snippet #{id}; it has {result.star_count} now."
        await _reply(interaction, text)

    @snippet.command(name="top", description="The most-starred snippets")
    @app_commands.describe(period="all: every star ever (default); month: stars given this month")
    async def top(
        self, interaction: discord.Interaction, period: Literal["all", "month"] = "all"
    ) -> None:
        guild_id = _guild_id(interaction)
        zone = (await self.bot.guild_settings.get(guild_id)).timezone

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self.parts.listings.top(guild_id, period, _cursor(cursor), zone=zone)
            return Page(page.items, page.next_cursor)

        heading = "Most-starred snippets" + (" this month" if period == "month" else "")
        await send_paginated(
            interaction,
            fetch,
            lambda page, number: page_embed(heading, page.items, number),
            empty_message="No starred snippets yet"
            + (" this month." if period == "month" else "."),
        )

    @snippet.command(name="mine", description="Your snippets, newest first")
    async def mine(self, interaction: discord.Interaction) -> None:
        guild_id = _guild_id(interaction)
        user_id = interaction.user.id

        async def fetch(cursor: Any) -> Page[SnippetSummary]:
            page = await self.parts.listings.mine(guild_id, user_id, _cursor(cursor))
            return Page(page.items, page.next_cursor)

        await send_paginated(
            interaction,
            fetch,
            lambda page, number: page_embed("Your snippets", page.items, number),
            empty_message="You haven't shared any snippets yet. Try `/snippet share`.",
        )

    # ---- the message menu ---------------------------------------------------------------

    async def save_as_snippet(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await ensure_not_blocked(interaction, FEATURE)
        guild_id = _guild_id(interaction)
        await self.parts.store.check_rate(
            guild_id, interaction.user.id, await self._shares_per_minute(guild_id)
        )
        found = extract_message_code(message.content)
        title = f"Code from {message.author.display_name}"
        if found is not None:
            code, language = found.code, found.language
        else:
            attachment = _first_text_attachment(message)
            if attachment is None:
                raise SnippetInputError(
                    "That message has no code to save: I look for ``` code blocks or a text "
                    "file attachment."
                )
            try:
                code = await asyncio.wait_for(self._download(attachment), MENU_DOWNLOAD_TIMEOUT)
            except TimeoutError:
                raise UserFacingError(
                    "The file took too long to download; try `/snippet share` with it instead."
                ) from None
            language = languages.detect(code, attachment.filename).key
            title = attachment.filename
        await interaction.response.send_modal(
            SnippetModal(
                heading="Save as snippet",
                on_done=self._share_from_modal,
                title=title[:TITLE_MAX],
                language=language,
                code=code,
            )
        )

    # ---- button actions (called by the dynamic items in views.py) -----------------------

    async def star_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None:
        guild_id = _guild_id(interaction)
        await self.parts.store.toggle_star(guild_id, snippet_id, interaction.user.id)
        record = await self.parts.store.get(guild_id, snippet_id)
        rendered = snippet_embed(record)
        # Attachments are left as they are: the code did not change.
        await interaction.response.edit_message(
            embed=rendered.embed, view=snippet_buttons(record.id, record.star_count)
        )

    async def send_raw(self, interaction: discord.Interaction, snippet_id: int) -> None:
        record = await self.parts.store.get(_guild_id(interaction), snippet_id)
        await interaction.response.send_message(
            f"Snippet #{record.id}, exactly as stored:", file=raw_file(record), ephemeral=True
        )

    async def delete_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None:
        clicked = await self._confirm_and_delete(interaction, snippet_id)
        if clicked is not None:
            with contextlib.suppress(discord.HTTPException):
                await clicked.delete()


def _cursor(value: Any) -> PageCursor | None:
    return value if isinstance(value, tuple) else None


def _first_text_attachment(message: discord.Message) -> discord.Attachment | None:
    for attachment in message.attachments:
        kind = (attachment.content_type or "").split(";")[0]
        if kind.startswith(("image/", "video/", "audio/")):
            continue
        return attachment
    return None


def _search_heading(
    query: str | None,
    language: str | None,
    tag: str | None,
    author: discord.Member | discord.User | None,
) -> str:
    parts = []
    if query:
        parts.append(f"“{safe_truncate(' '.join(query.split()), 60)}”")
    if language:
        parts.append(languages.get(language).name)
    if tag:
        parts.append(f"#{safe_truncate(tag, 30)}")
    if author is not None:
        parts.append(f"by {safe_truncate(author.display_name, 40)}")
    return "Snippets: " + (" · ".join(parts) if parts else "newest")
