"""/snippet commands, the "Save as snippet" message menu, and what the library offers other
features (KeepsSnippets, through offers.py); the buttons' actions are button_actions.py.

Thin: parse what Discord gives, call the snippets' parts or flows, reply. Errors are raised,
never answered here: the bot's one handler turns a UserFacingError into an ephemeral message.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.capabilities import SnippetOffer
from bot.db import sqlite_path
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.permissions import Tier, any_install, anywhere, guild_of, has_tier, server_only
from bot.replies import reply
from bot.text import TEXT_INPUT_PARAGRAPH_LIMIT
from cogs.snippets.button_actions import SnippetButtons
from cogs.snippets.dashboard import SnippetDashboard
from cogs.snippets.drafts import TITLE_MAX, SnippetInputError
from cogs.snippets.flows import SnippetFlows
from cogs.snippets.lists import SnippetLists
from cogs.snippets.offers import SnippetKeeper
from cogs.snippets.parts import build_parts
from cogs.snippets.posts import post_arguments
from cogs.snippets.render import (
    id_choices,
    language_choices,
    search_path,
    star_reply,
    tag_choices,
)
from cogs.snippets.rules import FEATURE
from cogs.snippets.running import run_snippet
from cogs.snippets.search_index import rebuild_search_index
from cogs.snippets.servers import ServerChoice
from cogs.snippets.settings import ON_FORGET, SETTING_SPECS, file_settings, search_index_directory
from cogs.snippets.views import DYNAMIC_ITEMS, SnippetModal

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.ext.asyncio import AsyncConnection

    from bot.app import NexusBot
    from bot.dashboard import DashboardViewer, Section


SERVER = "outside a server: whose snippets (inside one, that server's)"


class SnippetsCog(FeatureCog, name="SnippetsCog"):
    feature = FEATURE
    setting_specs = SETTING_SPECS
    # Usable everywhere as a whole (Discord sets this per top-level command): get and search
    # work outside a server, for a server chosen with their `server` option; the others are
    # `server_only`.
    snippet = app_commands.Group(
        name="snippet",
        description="Share, find and reuse code",
        allowed_contexts=anywhere(),
        allowed_installs=any_install(),
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.parts = build_parts(
            bot.db.sessions,
            dialect=bot.db.dialect,
            clock=bot.clock,
            audit=bot.audit,
            sqlite_file=sqlite_path(bot.db.url),
            search_directory=search_index_directory(bot.settings),
            changes_kept=file_settings(bot.settings).search_changes_kept,
        )
        self.flows = SnippetFlows(bot, self.parts.store)
        self.servers = ServerChoice(bot, self.parts.choices)
        self.lists = SnippetLists(self.parts, bot.guild_settings)
        self.dashboard = SnippetDashboard(bot.db.sessions, self.parts.search_counts)
        self.keeper = SnippetKeeper(
            self.flows, self.parts.store, self.parts.snippet_search, self.servers
        )
        # What the buttons under a post do (views.py finds them here).
        self.buttons = SnippetButtons(bot, self.parts.store, self.flows)
        self.save_menu = app_commands.ContextMenu(
            name="Save as snippet",
            callback=self.save_as_snippet,
            allowed_contexts=anywhere(),
            allowed_installs=any_install(),
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.parts.change_log.schedule(self.bot.scheduler)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # The search index opens (or builds) once the bot is ready: the start waits for none of
        # it, and a search before then finds it opening (the database's own index answers).
        self.parts.start_search()

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.parts.change_log.unschedule(self.bot.scheduler)
        self.parts.store.close()
        await self.parts.search_counts.close()
        await self.parts.close_search()

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

    def api_routes(self) -> APIRouter:
        # Imported when the web server is built, after ready (bot/after_ready.py).
        from fastapi import APIRouter

        from cogs.snippets import api as snippets_api
        from cogs.snippets import api_writes as snippets_api_writes

        router = APIRouter()
        router.include_router(snippets_api.router)
        router.include_router(snippets_api_writes.router)
        return router

    def page_routes(self) -> APIRouter:
        # Imported when the web server is built, after ready (bot/after_ready.py).
        from bot.web.pages.routing import page_router
        from cogs.snippets import pages as snippets_pages
        from cogs.snippets import search_page as snippets_search_page

        router = page_router()
        router.include_router(snippets_pages.router)
        router.include_router(snippets_search_page.router)
        return router

    def page_links(self, guild_id: int) -> list[tuple[str, str]]:
        return [("Snippets", search_path(guild_id))]

    def landing_page(self, guild_id: int) -> str:
        return search_path(guild_id)

    async def dashboard_sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        return await self.dashboard.sections(guild_id, viewer)

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.parts.member_data.stats(guild_id)

    @staticmethod
    async def rebuild_derived(connection: AsyncConnection) -> None:
        await rebuild_search_index(connection)

    # ---- autocomplete -------------------------------------------------------------------

    async def _id_choices(
        self, interaction: discord.Interaction, current: str, *, own_only: bool
    ) -> list[app_commands.Choice[int]]:
        guild_id = await self.servers.lenient(interaction)
        if guild_id is None:
            return []
        author = None
        if own_only and not await has_tier(interaction, Tier.MODERATOR):
            author = interaction.user.id
        found = await self.parts.choices.autocomplete(guild_id, current, author_id=author)
        return id_choices(found)

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
        return language_choices(current)

    async def server_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.servers.autocomplete(interaction, current)

    async def tag_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild_id = await self.servers.lenient(interaction)
        if guild_id is None:
            return []
        tags = await self.parts.choices.tags_in_use(guild_id, current)
        return tag_choices(tags)

    # ---- commands -----------------------------------------------------------------------

    @snippet.command(name="share", description="Share code: stored, searchable and posted")
    @server_only
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
        guild_id = guild_of(interaction).id
        if code is not None and file is not None:
            raise SnippetInputError("Give the code or a file, not both.")
        if code is None:
            # Refused before a modal opens or a file downloads; code given here is checked
            # once, in the share's own transaction.
            await self.flows.check_rate(guild_id, interaction.user.id)
        if code is None and file is None:
            await interaction.response.send_modal(
                SnippetModal(
                    heading="Share a snippet",
                    on_done=self.flows.share_from_modal,
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
            code = await self.flows.download(file)
            filename = file.filename
        draft = await self.flows.draft(
            title=title,
            code=code,
            language=language,
            tags=tags,
            description=description,
            filename=filename,
        )
        await self.flows.publish(interaction, draft)

    @share.autocomplete("language")
    async def _share_language(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.language_autocomplete(interaction, current)

    @snippet.command(name="get", description="Post a snippet here, highlighted")
    @app_commands.describe(id="the snippet's number (type to search by title)", server=SERVER)
    @app_commands.autocomplete(id=any_id_autocomplete)
    @app_commands.autocomplete(server=server_autocomplete)
    async def get(
        self, interaction: discord.Interaction, id: int, server: str | None = None
    ) -> None:
        record = await self.parts.store.get(await self.servers.chosen(interaction, server), id)
        # Its buttons act in the server that keeps it, so outside one it is posted without them.
        in_home = self.servers.home(interaction) is not None
        await interaction.response.send_message(
            **post_arguments(self.bot, record, with_buttons=in_home)
        )

    @snippet.command(name="run", description="Run a snippet and see its output")
    @server_only
    @app_commands.describe(
        id="the snippet's number (type to search by title)",
        input="what the program reads from standard input",
    )
    @app_commands.autocomplete(id=any_id_autocomplete)
    async def run(
        self,
        interaction: discord.Interaction,
        id: int,
        input: app_commands.Range[str, None, TEXT_INPUT_PARAGRAPH_LIMIT] | None = None,
    ) -> None:
        record = await self.parts.store.get(guild_of(interaction).id, id)
        await run_snippet(interaction, record, input or "")

    @snippet.command(name="search", description="Find snippets by words, language, tag or author")
    @app_commands.describe(
        query='words to find; "quoted phrase"; prefix* (3+ letters)',
        language="only this language",
        tag="only snippets with this tag",
        author="only this member's snippets",
        server=SERVER,
    )
    @app_commands.autocomplete(tag=tag_autocomplete, server=server_autocomplete)
    async def search(  # noqa: PLR0917 (one parameter per Discord option)
        self,
        interaction: discord.Interaction,
        query: str | None = None,
        language: str | None = None,
        tag: str | None = None,
        author: discord.Member | discord.User | None = None,
        server: str | None = None,
    ) -> None:
        guild_id = await self.servers.chosen(interaction, server)
        await self.lists.send_search(interaction, guild_id, query, language, tag, author)

    @search.autocomplete("language")
    async def _search_language(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.language_autocomplete(interaction, current)

    @snippet.command(name="edit", description="Change a snippet (author or moderator)")
    @server_only
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=own_id_autocomplete)
    async def edit(self, interaction: discord.Interaction, id: int) -> None:
        record = await self.flows.changeable(interaction, id)
        await interaction.response.send_modal(
            SnippetModal(
                heading=f"Edit snippet #{record.id}",
                on_done=functools.partial(self.flows.edit_from_modal, record.id),
                title=record.title,
                language=record.language,
                code=record.code,
                tags=", ".join(record.tags),
                description=record.description,
            )
        )

    @snippet.command(name="delete", description="Delete a snippet (author or moderator)")
    @server_only
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=own_id_autocomplete)
    async def delete(self, interaction: discord.Interaction, id: int) -> None:
        await self.flows.confirm_and_delete(interaction, id)

    @snippet.command(name="star", description="Star a snippet, or take your star back")
    @server_only
    @app_commands.describe(id="the snippet's number (type to search by title)")
    @app_commands.autocomplete(id=any_id_autocomplete)
    async def star(self, interaction: discord.Interaction, id: int) -> None:
        result = await self.parts.store.toggle_star(
            guild_of(interaction).id, id, interaction.user.id
        )
        await reply(interaction, star_reply(id, result))

    @snippet.command(name="top", description="The most-starred snippets")
    @server_only
    @app_commands.describe(period="all: every star ever (default); month: stars given this month")
    async def top(
        self, interaction: discord.Interaction, period: Literal["all", "month"] = "all"
    ) -> None:
        await self.lists.send_top(interaction, guild_of(interaction).id, period)

    @snippet.command(name="mine", description="Your snippets, newest first")
    @server_only
    async def mine(self, interaction: discord.Interaction) -> None:
        await self.lists.send_mine(interaction, guild_of(interaction).id)

    # ---- the message menu ---------------------------------------------------------------

    async def save_as_snippet(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self.keeper.check_can_save(interaction)
        title, found = await self.flows.message_code(message)
        offer = SnippetOffer(code=found.code, language=found.language, title=title)
        await self.keeper.open_modal(interaction, offer, heading="Save as snippet")

    # ---- what other features may ask (bot.capabilities.KeepsSnippets) ---------------------

    async def offer_snippet(self, interaction: discord.Interaction, offer: SnippetOffer) -> None:
        await self.keeper.offer_snippet(interaction, offer)

    def detect_language(self, code: str) -> str | None:
        return self.keeper.detect_language(code)

    async def sql_fixture(self, guild_id: int) -> str | None:
        return await self.keeper.sql_fixture(guild_id)
