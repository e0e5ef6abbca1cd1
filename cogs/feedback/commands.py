"""/feedback: log API feedback, triage it, list and export it, and register API specs."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import plural
from bot.permissions import Tier, ensure_not_blocked, guild_of, require
from bot.replies import reply
from bot.ui import Page, confirm, send_paginated
from cogs.feedback import web_routes
from cogs.feedback.buttons import PERSISTENT_BUTTONS, WithdrawButton
from cogs.feedback.choices import ExportFormat, Severity, SortOrder, StatusFilter, TriageStatus
from cogs.feedback.export_files import check_attachable, export_file
from cogs.feedback.flows import FeedbackFlows, acknowledging, answering_status, tell_what_followed
from cogs.feedback.forum_check import forum_problems
from cogs.feedback.forum_intake import ForumIntake
from cogs.feedback.item_flow import ItemFlow
from cogs.feedback.mode_moves import ModeMoves
from cogs.feedback.parts import build_parts
from cogs.feedback.publisher import FeedbackPublisher
from cogs.feedback.queries import list_filters
from cogs.feedback.render import item_embed, jump_url
from cogs.feedback.render_lists import (
    describe_filters,
    history_embed,
    list_embed,
    spec_summary,
    specs_embed,
)
from cogs.feedback.render_replies import with_outcome
from cogs.feedback.rules import FeedbackError, parse_item_number
from cogs.feedback.settings import SETTING_SPECS, file_settings
from cogs.feedback.spec_flow import SpecFlow
from cogs.feedback.views import DetailsModal, MessageLogModal

if TYPE_CHECKING:
    from bot.app import NexusBot
    from bot.dashboard import DashboardViewer, Section
    from cogs.feedback.records import ItemPage, ItemRecord


class FeedbackCog(FeatureCog, name="FeedbackCog"):
    """API feedback from frontend learners, triaged by backend learners."""

    feature = "feedback"
    setting_specs = SETTING_SPECS
    preflight_problems = staticmethod(forum_problems)
    api_routes = staticmethod(web_routes.api_router)
    page_routes = staticmethod(web_routes.page_router)
    page_links = staticmethod(web_routes.page_links)
    feedback = app_commands.Group(
        name="feedback", description="Report and triage problems with the APIs you use"
    )
    api = app_commands.Group(
        name="api", description="OpenAPI specs that feed endpoint suggestions", parent=feedback
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        cached = bot.settings.memory.guilds_cached
        self.parts = build_parts(bot.db.sessions, bot.audit, clock=bot.clock, guilds_cached=cached)
        self.publisher = FeedbackPublisher(bot, store=self.parts.store)
        # What is done to an item, the same for commands, buttons and the HTTP API.
        self.items = ItemFlow(self.parts, self.publisher)
        # What the modals and buttons ask of the feature (actions.py's FeedbackActions).
        self.flows = FeedbackFlows(self.parts, self.items)
        self.forum_posts = ForumIntake(bot, self.parts, self.publisher)
        self.mode_moves = ModeMoves(bot, self.parts, self.publisher)
        self.spec_flow = SpecFlow(self.parts.specs, bot.fetcher, file_settings(bot.settings))
        self.message_menu = app_commands.ContextMenu(
            name="Log API feedback", callback=self.log_from_message
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.message_menu)
        self.bot.add_dynamic_items(*PERSISTENT_BUTTONS)
        self.bot.add_listener(self.forum_posts.on_thread_create, "on_thread_create")
        self.bot.add_listener(self.mode_moves.resume, "on_ready")
        self.bot.add_listener(self.items.post_what_is_due, "on_ready")

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.message_menu.name, type=self.message_menu.type)
        self.bot.remove_dynamic_items(*PERSISTENT_BUTTONS)
        self.bot.remove_listener(self.forum_posts.on_thread_create, "on_thread_create")
        self.bot.remove_listener(self.mode_moves.resume, "on_ready")
        self.bot.remove_listener(self.items.post_what_is_due, "on_ready")
        self.mode_moves.stop()

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.parts.member_data.forget(guild_id, user_id)

    async def forget_preview(self, guild_id: int) -> str:
        return "their API feedback is kept without their name"

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.parts.member_data.stats(guild_id)

    async def open_topics(self, guild_id: int, limit: int) -> list[str]:
        return await self.parts.member_data.open_topics(guild_id, limit)

    async def settings_changed(self, guild_id: int, keys: frozenset[str]) -> None:
        await self.mode_moves.settings_changed(guild_id, keys)

    async def dashboard_sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        return await self.parts.dashboard.sections(guild_id, viewer)

    # ---- logging -------------------------------------------------------------------------

    @feedback.command(name="log", description="Report a problem with an API endpoint")
    @app_commands.describe(
        endpoint="method and path, like GET /api/jobs",
        severity="how badly it hurts",
        title="one line saying what is wrong",
        details="what you did and what happened (leave out to get a form)",
        expected="what you expected the API to do",
        actual="what it actually did",
    )
    async def log_feedback(  # noqa: PLR0917 (one parameter per command option)
        self,
        interaction: discord.Interaction,
        endpoint: app_commands.Range[str, 1, 220],
        severity: Severity,
        title: app_commands.Range[str, 1, 100],
        details: app_commands.Range[str, 1, 2000] | None = None,
        expected: app_commands.Range[str, 1, 1000] | None = None,
        actual: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        # Check what was typed before asking for more, so a bad endpoint costs no typing.
        draft = self.flows.draft_from(
            interaction,
            endpoint=endpoint,
            severity=severity,
            title=title,
            details="(to be given)" if details is None else details,
            expected=expected,
            actual=actual,
        )
        if details is None:
            modal = DetailsModal(
                self.flows,
                endpoint=endpoint,
                severity=severity,
                title=title,
                expected=expected,
                actual=actual,
            )
            await interaction.response.send_modal(modal)
            return
        await self.flows.intake(interaction, draft)

    @log_feedback.autocomplete("endpoint")
    async def endpoint_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._endpoint_choices(interaction, current)

    async def _endpoint_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        choices = await self.parts.specs.endpoint_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]

    async def log_from_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Message menu "Log API feedback": a form prefilled from the message."""
        await ensure_not_blocked(interaction, self.feature)
        guild_of(interaction)  # refuses direct messages
        text = message.content.strip()
        if not text:
            raise FeedbackError("That message has no text to log as feedback.")
        await interaction.response.send_modal(
            MessageLogModal.prefilled(self.flows, text, message.jump_url)
        )

    # ---- reading -------------------------------------------------------------------------

    @feedback.command(name="show", description="One feedback item with its history")
    @app_commands.describe(id="the item, like FB-12")
    async def show(self, interaction: discord.Interaction, id: str) -> None:
        guild_id = guild_of(interaction).id
        number = parse_item_number(id)
        item, history = await self.parts.queries.with_history(guild_id, number)
        link = jump_url(item)
        view = discord.ui.View(timeout=None)
        if item.reporter_id == interaction.user.id and item.status == "open":
            view.add_item(WithdrawButton(item.number))
        await reply(
            interaction, f"Thread and post: {link}" if link else None,
            embeds=[item_embed(item), history_embed(item, history)],
            view=view if view.children else discord.utils.MISSING,
        )  # fmt: skip

    @feedback.command(name="list", description="Feedback items, newest first, with filters")
    @app_commands.describe(
        status="only this status (active = not closed yet)",
        endpoint="only this endpoint (GET /api/jobs) or path (/api/jobs)",
        severity="only this severity",
        mine="only the items you reported",
        sort="newest first (the default), or most +1s first",
    )
    async def list_items(  # noqa: PLR0917 (one parameter per command option)
        self,
        interaction: discord.Interaction,
        status: StatusFilter | None = None,
        endpoint: str | None = None,
        severity: Severity | None = None,
        mine: bool = False,
        sort: SortOrder = "newest",
    ) -> None:
        guild_id = guild_of(interaction).id
        filters = list_filters(status, endpoint, severity, interaction.user.id if mine else None)
        by_plus_ones = sort == "plus_ones"

        async def fetch(cursor: object) -> Page[ItemRecord]:
            before = cursor if isinstance(cursor, int | tuple) else None
            page: ItemPage = await self.parts.queries.list_page(
                guild_id, filters, before, by_plus_ones=by_plus_ones
            )
            return Page(page.items, page.next_cursor)

        shown = describe_filters(status, endpoint, severity, mine)
        if by_plus_ones:
            shown += " · most +1s first"

        def render(page: Page[ItemRecord], number: int) -> discord.Embed:
            return list_embed(page, number, shown)

        await send_paginated(
            interaction, fetch, render, empty_message="No feedback matches those filters."
        )

    @list_items.autocomplete("endpoint")
    async def list_endpoint_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._endpoint_choices(interaction, current)

    @feedback.command(
        name="export", description="Download feedback as a CSV, JSON or Markdown file"
    )
    @app_commands.describe(format="file format", status="only this status (active = not closed)")
    async def export(
        self,
        interaction: discord.Interaction,
        format: ExportFormat,
        status: StatusFilter | None = None,
    ) -> None:
        guild_id = guild_of(interaction).id
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await export_file(
            self.parts.queries, guild_id, status, format, self.bot.clock.now()
        )
        check_attachable(exported, guild_of(interaction).filesize_limit)
        await reply(
            interaction,
            f"{plural(exported.item_count, 'item')} with their history.",
            file=discord.File(io.BytesIO(exported.body), filename=exported.name),
        )

    # ---- triage --------------------------------------------------------------------------

    @feedback.command(name="status", description="Triagers: move an item along its workflow")
    @require(Tier.TRIAGER)
    @app_commands.describe(
        id="the item, like FB-12",
        status="its new status",
        note="a word for the reporter, shown in the thread",
        duplicate_of="with status duplicate: the item it duplicates",
    )
    async def status(
        self,
        interaction: discord.Interaction,
        id: str,
        status: TriageStatus,
        note: app_commands.Range[str, 1, 500] | None = None,
        duplicate_of: str | None = None,
    ) -> None:
        target = parse_item_number(duplicate_of) if duplicate_of else None
        _, outcome = await self.items.change_status(
            guild_of(interaction).id,
            parse_item_number(id),
            interaction.user.id,
            status,
            note=note,
            duplicate_of=target,
            acknowledge=answering_status(interaction),
        )
        await tell_what_followed(interaction, outcome)

    @feedback.command(name="assign", description="Triagers: give an item to someone")
    @require(Tier.TRIAGER)
    @app_commands.describe(id="the item, like FB-12", user="who looks after it")
    async def assign(self, interaction: discord.Interaction, id: str, user: discord.Member) -> None:
        assignment, outcome = await self.items.assign(
            guild_of(interaction).id,
            parse_item_number(id),
            interaction.user.id,
            user,
            acknowledge=acknowledging(interaction),
        )
        text = f"**{assignment.item.ref}** is now assigned to {user.mention}."
        await reply(interaction, with_outcome(text, outcome))

    @show.autocomplete("id")
    @status.autocomplete("id")
    @status.autocomplete("duplicate_of")
    @assign.autocomplete("id")
    async def item_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        choices = await self.parts.queries.item_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]

    # ---- the spec registry ---------------------------------------------------------------

    @api.command(name="add", description="Triagers: register an OpenAPI spec by URL")
    @require(Tier.TRIAGER)
    @app_commands.describe(
        name="a short name, like jobs-api", spec_url="http(s) URL of the JSON or YAML document"
    )
    async def api_add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        spec_url: app_commands.Range[str, 1, 500],
    ) -> None:
        guild_id = guild_of(interaction).id
        name = await self.parts.specs.ensure_spec_name_free(guild_id, name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        spec = await self.spec_flow.add(guild_id, name, spec_url, interaction.user.id)
        await reply(
            interaction,
            f"Registered **{spec.name}**: {spec_summary(spec)}. "
            "The `endpoint` option now suggests its operations.",
        )

    @api.command(name="list", description="The API specs registered here")
    async def api_list(self, interaction: discord.Interaction) -> None:
        specs = await self.parts.specs.list_specs(guild_of(interaction).id)
        if not specs:
            await reply(
                interaction, "No API specs yet. A triager can add one with `/feedback api add`."
            )
            return
        await reply(interaction, embed=specs_embed(specs))

    @api.command(name="remove", description="Triagers: forget a registered spec")
    @require(Tier.TRIAGER)
    @app_commands.describe(name="the spec's name")
    async def api_remove(self, interaction: discord.Interaction, name: str) -> None:
        guild_id = guild_of(interaction).id
        spec = await self.parts.specs.get_spec(guild_id, name)
        prompt = (
            f"Remove the spec **{spec.name}** and its {plural(spec.operation_count, 'operation')}?"
            " Logged items keep their endpoints."
        )
        if not await confirm(interaction, prompt, confirm_label="Remove"):
            await reply(interaction, "Kept it; nothing changed.")
            return
        removed = await self.parts.specs.remove_spec(guild_id, spec.name, interaction.user.id)
        await reply(interaction, f"Removed the spec **{removed.name}**.")

    @api.command(name="refresh", description="Triagers: fetch a registered spec again")
    @require(Tier.TRIAGER)
    @app_commands.describe(name="the spec's name")
    async def api_refresh(self, interaction: discord.Interaction, name: str) -> None:
        guild_id = guild_of(interaction).id
        spec = await self.parts.specs.get_spec(guild_id, name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        fresh, old_count = await self.spec_flow.refresh(guild_id, spec, interaction.user.id)
        await reply(
            interaction, f"Refreshed **{fresh.name}**: {spec_summary(fresh)} (was {old_count})."
        )

    @api_remove.autocomplete("name")
    @api_refresh.autocomplete("name")
    async def spec_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        choices = await self.parts.specs.spec_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]
