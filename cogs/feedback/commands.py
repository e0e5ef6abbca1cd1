"""/feedback: log API feedback, triage it, list and export it, and register API specs."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import discord_timestamp, plural
from bot.markdown import safe, safe_truncate
from bot.permissions import Tier, ensure_not_blocked, require
from bot.text import EMBED_DESCRIPTION_LIMIT, MESSAGE_LIMIT, one_line, truncate
from bot.ui import Page, confirm, send_paginated
from cogs.feedback import export as exports
from cogs.feedback.endpoints import find_endpoint_in_text
from cogs.feedback.publisher import FeedbackPublisher, Outcome
from cogs.feedback.queries import list_filters
from cogs.feedback.render import (
    SEVERITY_EMOJI,
    STATUS_COLOURS,
    STATUS_EMOJI,
    endpoint_text,
    item_embed,
    jump_url,
    status_text,
    user_text,
)
from cogs.feedback.rules import STATUS_LABELS, FeedbackError, parse_item_number
from cogs.feedback.service import FeedbackService
from cogs.feedback.settings import SETTING_SPECS
from cogs.feedback.spec_parser import fetch_spec_bytes, parse_spec
from cogs.feedback.views import (
    DetailsModal,
    DuplicateAddButton,
    DuplicateCreateButton,
    MessageLogModal,
    WithdrawButton,
    duplicate_prompt,
)

if TYPE_CHECKING:
    from bot.app import NexusBot
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.records import Draft, ItemPage
    from cogs.feedback.records import ItemHistoryEntry as HistoryEntry
    from cogs.feedback.records import ItemRecord as ItemView
    from cogs.feedback.records import SpecRecord as SpecView

log = logging.getLogger(__name__)

SeverityOption = Literal["blocker", "bug", "suggestion", "question"]
StatusOption = Literal["open", "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate"]
StatusFilterOption = Literal[
    "active", "open", "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate",
    "withdrawn",
]  # fmt: skip
FormatOption = Literal["csv", "json", "markdown"]
HISTORY_SHOWN = 15
ACTION_LABELS = {
    "created": "reported it",
    "status": "changed the status",
    "reopened": "reopened it",
    "assigned": "assigned it",
    "plus_one": "added a +1",
    "details_added": "added details",
    "duplicate_linked": "marked a duplicate of this",
    "withdrawn": "withdrew it",
    "reposted": "re-posted it",
}


class FeedbackCog(FeatureCog, name="FeedbackCog"):
    """API feedback from frontend learners, triaged by backend learners."""

    feature = "feedback"
    setting_specs = SETTING_SPECS
    feedback = app_commands.Group(
        name="feedback", description="Report and triage problems with the APIs you use"
    )
    api = app_commands.Group(
        name="api", description="OpenAPI specs that feed endpoint suggestions", parent=feedback
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.service = FeedbackService(bot.db.sessions, bot.audit, clock=bot.clock)
        self.publisher = FeedbackPublisher(bot, self.service)
        self.message_menu = app_commands.ContextMenu(
            name="Log API feedback", callback=self.log_from_message
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.message_menu)
        self.bot.add_dynamic_items(WithdrawButton, DuplicateAddButton, DuplicateCreateButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.message_menu.name, type=self.message_menu.type)
        self.bot.remove_dynamic_items(WithdrawButton, DuplicateAddButton, DuplicateCreateButton)

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.service.forget(guild_id, user_id)

    async def forget_preview(self, guild_id: int) -> str:
        return "their API feedback is kept without their name"

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.service.stats(guild_id)

    async def open_topics(self, guild_id: int, limit: int) -> list[str]:
        return await self.service.open_topics(guild_id, limit)

    # ---- logging -------------------------------------------------------------------------

    def draft_from(
        self,
        interaction: discord.Interaction,
        *,
        endpoint: str,
        severity: str,
        title: str,
        details: str | None,
        expected: str | None,
        actual: str | None,
    ) -> Draft:
        return self.service.draft(
            _guild_id(interaction),
            interaction.user.id,
            endpoint=endpoint,
            severity=severity,
            title=title,
            details=details,
            expected=expected,
            actual=actual,
        )

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
        severity: SeverityOption,
        title: app_commands.Range[str, 1, 100],
        details: app_commands.Range[str, 1, 2000] | None = None,
        expected: app_commands.Range[str, 1, 1000] | None = None,
        actual: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        # Check what was typed before asking for more, so a bad endpoint costs no typing.
        self.draft_from(
            interaction,
            endpoint=endpoint,
            severity=severity,
            title=title,
            details=details or "(to be given)",
            expected=expected,
            actual=actual,
        )
        if details is None:
            modal = DetailsModal(
                self,
                endpoint=endpoint,
                severity=severity,
                title=title,
                expected=expected,
                actual=actual,
            )
            await interaction.response.send_modal(modal)
            return
        draft = self.draft_from(
            interaction,
            endpoint=endpoint,
            severity=severity,
            title=title,
            details=details,
            expected=expected,
            actual=actual,
        )
        await self.intake(interaction, draft)

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
        choices = await self.service.endpoint_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]

    async def log_from_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Message menu "Log API feedback": a form prefilled from the message."""
        await ensure_not_blocked(interaction, self.feature)
        if interaction.guild_id is None:
            raise FeedbackError("API feedback is logged in a server, not in direct messages.")
        text = message.content.strip()
        if not text:
            raise FeedbackError("That message has no text to log as feedback.")
        first_line = text.splitlines()[0]
        source = f"\n\n(from {message.jump_url})"
        details = truncate(text, 2000 - len(source)) + source
        modal = MessageLogModal(
            self,
            endpoint=find_endpoint_in_text(text) or "",
            title=one_line(first_line, 100),
            details=details,
        )
        await interaction.response.send_modal(modal)

    async def intake(self, interaction: discord.Interaction, draft: Draft) -> None:
        """Warn of likely duplicates first; otherwise create and post right away."""
        candidates = await self.service.find_duplicates(draft)
        if not candidates:
            await self.create_and_post(interaction, draft)
            return
        draft_id = await self.service.save_draft(draft)
        await interaction.response.send_message(
            embed=_duplicates_embed(draft, candidates),
            view=duplicate_prompt(draft_id, candidates),
            ephemeral=True,
        )

    async def create_and_post(self, interaction: discord.Interaction, draft: Draft) -> None:
        await _defer(interaction)
        await self._announce_new(interaction, await self.service.create(draft))

    async def resolve_duplicate(
        self, interaction: discord.Interaction, draft_id: int, number: int | None
    ) -> None:
        """The duplicate prompt's buttons: "Add my details to FB-N" or "Create anyway"."""
        guild_id = _guild_id(interaction)
        draft = await self.service.load_draft(guild_id, draft_id, interaction.user.id)
        if number is None:
            item = await self.service.create(draft, draft_id=draft_id)
            await _close_prompt(interaction)
            await self._announce_new(interaction, item)
            return
        plus = await self.service.add_details(guild_id, number, draft, draft_id=draft_id)
        await _close_prompt(interaction)
        outcome = await self.publisher.apply_plus_one(plus)
        if plus.counted:
            text = f"Added your details to **{plus.item.ref}** — that's +{plus.item.plus_ones}."
        elif plus.item.reporter_id == plus.user_id:
            text = f"Added your details to **{plus.item.ref}**, your own report."
        else:
            text = f"Added your details to **{plus.item.ref}** (your +1 was already counted)."
        link = jump_url(outcome.item)
        if link is not None:
            text += f" {link}"
        await interaction.followup.send(_with_outcome(text, outcome), ephemeral=True)

    async def _announce_new(self, interaction: discord.Interaction, item: ItemView) -> None:
        """Post a new item in the feedback channel and tell the reporter where it is."""
        outcome = await self.publisher.post(item)
        item = outcome.item
        lines = [f"Logged **{item.ref}** · `{item.endpoint}` · {item.severity}."]
        link = jump_url(item)
        if link is not None:
            lines[0] += f" It's posted here: {link}"
            lines.append(
                "Discuss it in its thread; you'll be mentioned when its status changes. "
                f"While it is open you can withdraw it from `/feedback show {item.ref}`."
            )
        if item.in_spec is False:
            lines.append(
                f"⚠️ `{item.endpoint}` is not in any registered API spec, so it is marked "
                '"not in spec".'
            )
        lines += outcome.problems
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    # ---- reading -------------------------------------------------------------------------

    @feedback.command(name="show", description="One feedback item with its history")
    @app_commands.describe(id="the item, like FB-12")
    async def show(self, interaction: discord.Interaction, id: str) -> None:
        guild_id = _guild_id(interaction)
        number = parse_item_number(id)
        item = await self.service.get(guild_id, number)
        history = await self.service.history(guild_id, number)
        embeds = [item_embed(item), _history_embed(item, history)]
        link = jump_url(item)
        content = f"Thread and post: {link}" if link else None
        view = discord.ui.View(timeout=None)
        if item.reporter_id == interaction.user.id and item.status == "open":
            view.add_item(WithdrawButton(item.number))
        await interaction.response.send_message(
            content, embeds=embeds, view=view if view.children else discord.utils.MISSING,
            ephemeral=True,
        )  # fmt: skip

    @feedback.command(name="list", description="Feedback items, newest first, with filters")
    @app_commands.describe(
        status="only this status (active = not closed yet)",
        endpoint="only this endpoint (GET /api/jobs) or path (/api/jobs)",
        severity="only this severity",
        mine="only the items you reported",
    )
    async def list_items(
        self,
        interaction: discord.Interaction,
        status: StatusFilterOption | None = None,
        endpoint: str | None = None,
        severity: SeverityOption | None = None,
        mine: bool = False,
    ) -> None:
        guild_id = _guild_id(interaction)
        filters = list_filters(status, endpoint, severity, interaction.user.id if mine else None)

        async def fetch(cursor: object) -> Page[ItemView]:
            before = cursor if isinstance(cursor, int) else None
            page: ItemPage = await self.service.list_page(guild_id, filters, before)
            return Page(page.items, page.next_cursor)

        def render(page: Page[ItemView], number: int) -> discord.Embed:
            return _list_embed(page, number, _describe_filters(status, endpoint, severity, mine))

        await send_paginated(
            interaction,
            fetch,
            render,
            empty_message="No feedback matches those filters.",
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
        format: FormatOption,
        status: StatusFilterOption | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        items = await self.service.export(guild_id, status)
        if not items:
            raise FeedbackError("No feedback matches; there is nothing to export.")
        extension, body = await asyncio.to_thread(exports.render, format, items)
        limit = interaction.guild.filesize_limit if interaction.guild else 10 * 1024 * 1024
        if len(body) > limit:
            raise FeedbackError(
                f"That export is {len(body) / 1_048_576:.1f} MB, over this server's upload "
                "limit. Narrow it with `status`."
            )
        stamp = self.bot.clock.now().strftime("%Y%m%d-%H%M")
        name = f"feedback-{status or 'all'}-{stamp}.{extension}"
        await interaction.followup.send(
            f"{plural(len(items), 'item')} with their history.",
            file=discord.File(io.BytesIO(body), filename=name),
            ephemeral=True,
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
        status: StatusOption,
        note: app_commands.Range[str, 1, 500] | None = None,
        duplicate_of: str | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        number = parse_item_number(id)
        target = parse_item_number(duplicate_of) if duplicate_of else None
        change = await self.service.change_status(
            guild_id, number, interaction.user.id, status, note=note, duplicate_of=target
        )
        await _defer(interaction)
        outcome = await self.publisher.apply_status(change)
        text = (
            f"**{change.item.ref}**: {STATUS_LABELS[change.old_status]} → "
            f"**{status_text(outcome.item)}**. The reporter was told in the thread."
        )
        await interaction.followup.send(_with_outcome(text, outcome), ephemeral=True)

    @feedback.command(name="assign", description="Triagers: give an item to someone")
    @require(Tier.TRIAGER)
    @app_commands.describe(id="the item, like FB-12", user="who looks after it")
    async def assign(
        self,
        interaction: discord.Interaction,
        id: str,
        user: discord.Member,
    ) -> None:
        if user.bot:
            raise FeedbackError("Assign a person, not a bot.")
        guild_id = _guild_id(interaction)
        assignment = await self.service.assign(
            guild_id, parse_item_number(id), interaction.user.id, user.id
        )
        await _defer(interaction)
        outcome = await self.publisher.apply_assignment(assignment)
        text = f"**{assignment.item.ref}** is now assigned to {user.mention}."
        await interaction.followup.send(_with_outcome(text, outcome), ephemeral=True)

    async def withdraw(self, interaction: discord.Interaction, number: int) -> None:
        """The reporter's Withdraw button on `/feedback show`."""
        change = await self.service.withdraw(_guild_id(interaction), number, interaction.user.id)
        await _defer(interaction)
        outcome = await self.publisher.apply_status(change)
        await interaction.followup.send(
            _with_outcome(f"You withdrew **{change.item.ref}**.", outcome), ephemeral=True
        )

    @show.autocomplete("id")
    @status.autocomplete("id")
    @status.autocomplete("duplicate_of")
    @assign.autocomplete("id")
    async def item_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        choices = await self.service.item_choices(interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]

    # ---- the spec registry ---------------------------------------------------------------

    async def _fetch(self, url: str) -> bytes:
        settings = self.bot.settings.feedback
        return await fetch_spec_bytes(
            self.bot.fetcher,
            url,
            timeout_seconds=settings.spec_timeout_seconds,
            max_bytes=settings.spec_max_bytes,
        )

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
        guild_id = _guild_id(interaction)
        name = await self.service.ensure_spec_name_free(guild_id, name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        parsed = await asyncio.to_thread(parse_spec, await self._fetch(spec_url))
        spec = await self.service.add_spec(guild_id, name, spec_url, parsed, interaction.user.id)
        await interaction.followup.send(
            f"Registered **{spec.name}**: {_spec_summary(spec)}. "
            "The `endpoint` option now suggests its operations.",
            ephemeral=True,
        )

    @api.command(name="list", description="The API specs registered here")
    async def api_list(self, interaction: discord.Interaction) -> None:
        specs = await self.service.list_specs(_guild_id(interaction))
        if not specs:
            await interaction.response.send_message(
                "No API specs yet. A triager can add one with `/feedback api add`.",
                ephemeral=True,
            )
            return
        lines = [
            f"**{spec.name}** — {_spec_summary(spec)}\n{safe(spec.url)} · fetched "
            f"{discord_timestamp(spec.fetched_at, 'R')}"
            for spec in specs
        ]
        embed = discord.Embed(
            title="Registered API specs",
            description=truncate("\n\n".join(lines), EMBED_DESCRIPTION_LIMIT),
            colour=discord.Colour.blurple(),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @api.command(name="remove", description="Triagers: forget a registered spec")
    @require(Tier.TRIAGER)
    @app_commands.describe(name="the spec's name")
    async def api_remove(self, interaction: discord.Interaction, name: str) -> None:
        guild_id = _guild_id(interaction)
        spec = await self.service.get_spec(guild_id, name)
        prompt = (
            f"Remove the spec **{spec.name}** and its {plural(spec.operation_count, 'operation')}?"
            " Logged items keep their endpoints."
        )
        if not await confirm(interaction, prompt, confirm_label="Remove"):
            await interaction.followup.send("Kept it; nothing changed.", ephemeral=True)
            return
        removed = await self.service.remove_spec(guild_id, spec.name, interaction.user.id)
        await interaction.followup.send(f"Removed the spec **{removed.name}**.", ephemeral=True)

    @api.command(name="refresh", description="Triagers: fetch a registered spec again")
    @require(Tier.TRIAGER)
    @app_commands.describe(name="the spec's name")
    async def api_refresh(self, interaction: discord.Interaction, name: str) -> None:
        guild_id = _guild_id(interaction)
        spec = await self.service.get_spec(guild_id, name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        parsed = await asyncio.to_thread(parse_spec, await self._fetch(spec.url))
        fresh, old_count = await self.service.refresh_spec(
            guild_id, spec.name, parsed, interaction.user.id
        )
        await interaction.followup.send(
            f"Refreshed **{fresh.name}**: {_spec_summary(fresh)} (was {old_count}).",
            ephemeral=True,
        )

    @api_remove.autocomplete("name")
    @api_refresh.autocomplete("name")
    async def spec_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        specs = await self.service.list_specs(interaction.guild_id)
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=truncate(f"{s.name} — {s.title or s.url}", 100), value=s.name)
            for s in specs
            if typed in s.name or typed in (s.title or "").lower()
        ][:25]


# ---- rendering helpers ------------------------------------------------------------------------


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise FeedbackError("API feedback lives in a server, not in direct messages.")
    return interaction.guild_id


async def _close_prompt(interaction: discord.Interaction) -> None:
    """Take the buttons off the duplicate prompt once it is answered."""
    await interaction.response.edit_message(view=None)


async def _defer(interaction: discord.Interaction) -> None:
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


def _with_outcome(text: str, outcome: Outcome) -> str:
    return truncate("\n".join([text, *outcome.notes, *outcome.problems]), MESSAGE_LIMIT)


def _duplicates_embed(draft: Draft, candidates: list[DuplicateCandidate]) -> discord.Embed:
    lines = [
        f"**FB-{c.number}** · `{c.method} {c.path}` — {safe_truncate(c.title, 150)}"
        for c in candidates
    ]
    return discord.Embed(
        title="This may already be reported",
        description=(
            f"You're logging `{draft.endpoint}` — {safe_truncate(draft.title, 150)}\n\n"
            + "\n".join(lines)
            + "\n\nAdd your details to one of these (it counts as a +1), or create yours anyway."
        ),
        colour=discord.Colour.gold(),
    )


def _history_line(entry: HistoryEntry) -> str:
    who = user_text(entry.actor_id, "Nexus")
    what = ACTION_LABELS.get(entry.action, entry.action)
    if entry.action in ("status", "reopened", "withdrawn") and entry.to_value:
        before = STATUS_LABELS.get(entry.from_value or "", entry.from_value or "—")
        after = STATUS_LABELS.get(entry.to_value, entry.to_value)
        what += f": {before} → {after}"
    elif entry.action == "assigned" and entry.to_value:
        target = entry.to_value
        what += f" to <@{target}>" if target.isdigit() else f" to {target}"
    elif entry.action == "duplicate_linked" and entry.to_value:
        what = f"marked {entry.to_value} a duplicate of this"
    line = f"{discord_timestamp(entry.created_at, 'f')} {who} {what}"
    if entry.note:
        line += f" — {safe_truncate(one_line(entry.note, 300), 200)}"
    return line


def _history_embed(item: ItemView, history: list[HistoryEntry]) -> discord.Embed:
    shown = history[-HISTORY_SHOWN:]
    lines = [_history_line(entry) for entry in shown]
    if len(history) > len(shown):
        lines.insert(
            0, f"…{plural(len(history) - len(shown), 'earlier change')} (see `/feedback export`)"
        )
    return discord.Embed(
        title=f"History of {item.ref}",
        description=truncate("\n".join(lines) or "No changes yet.", EMBED_DESCRIPTION_LIMIT),
        colour=STATUS_COLOURS[item.status],
    )


def _list_line(item: ItemView) -> str:
    link = jump_url(item)
    ref = f"[{item.ref}]({link})" if link else f"**{item.ref}**"
    return (
        f"{STATUS_EMOJI[item.status]} {ref} · {SEVERITY_EMOJI[item.severity]} {item.severity} · "
        f"{endpoint_text(item)} — {safe_truncate(item.title, 80)}"
    )


def _list_embed(page: Page[ItemView], number: int, filters: str) -> discord.Embed:
    embed = discord.Embed(
        title="API feedback",
        description=truncate("\n".join(_list_line(i) for i in page.items), EMBED_DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=f"Page {number} · {filters}")
    return embed


def _describe_filters(
    status: str | None, endpoint: str | None, severity: str | None, mine: bool
) -> str:
    parts = []
    if status:
        parts.append(f"status {status}")
    if endpoint:
        parts.append(f"endpoint {one_line(endpoint, 60)}")
    if severity:
        parts.append(f"severity {severity}")
    if mine:
        parts.append("yours")
    return "filters: " + ", ".join(parts) if parts else "all items"


def _spec_summary(spec: SpecView) -> str:
    title = safe_truncate(spec.title, 100) if spec.title else "untitled"
    version = f" {safe_truncate(spec.version, 30)}" if spec.version else ""
    return f"{title}{version} ({spec.spec_format}), {plural(spec.operation_count, 'operation')}"
