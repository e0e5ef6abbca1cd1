"""/announce: scheduled announcements, for moderators. Thin: parse, call the store, reply.

The cog also owns the dispatcher (dispatcher.py) and gives it the two Discord-facing pieces it
needs (discord_poster.py): a poster (renders and sends one occurrence) and a notifier (tells
moderators).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.permissions import Tier, guild_of, require
from bot.replies import acknowledge_if_slow, reply
from bot.timezones import TIMEZONE_OPTION_MAX, timezone_choices
from bot.ui import confirm
from cogs.announcements.autocomplete import MISSED_CHOICES, id_choices, repeat_choices
from cogs.announcements.calendar import guild_entries
from cogs.announcements.channels import check_role
from cogs.announcements.dashboard import AnnouncementDashboard
from cogs.announcements.discord_poster import DiscordPoster
from cogs.announcements.dispatcher import Dispatcher
from cogs.announcements.embeds import NOTHING_PINGS, details_embed, to_embed
from cogs.announcements.event_sync import EventSync
from cogs.announcements.flows import AnnouncementFlow, Changed
from cogs.announcements.listing import send_list
from cogs.announcements.member_data import AnnouncementMemberData
from cogs.announcements.models import Status
from cogs.announcements.records import Draft, Edit
from cogs.announcements.render import (
    cancel_question,
    event_text,
    local_when_text,
    render,
    scheduled_reply,
    silent_ping_note,
)
from cogs.announcements.settings import SETTING_SPECS, file_settings
from cogs.announcements.startup import apply_file_then_dispatch
from cogs.announcements.store import AnnouncementStore
from cogs.announcements.views import EditFields, EditModal, MessageFields, MessageModal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from fastapi import APIRouter

    from bot.app import NexusBot
    from bot.calendar import CalendarEntry
    from bot.dashboard import DashboardViewer, Section


class AnnouncementsCog(FeatureCog):
    feature = "announcements"
    setting_specs = SETTING_SPECS

    announce = app_commands.Group(
        name="announce",
        description="Scheduled announcements (moderators)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.store = AnnouncementStore(bot.db.sessions, bot.audit)
        self.member_data = AnnouncementMemberData(bot.db.sessions)
        self.dashboard = AnnouncementDashboard(bot.db.sessions)
        self.poster = DiscordPoster(bot)
        self.events = EventSync(bot, timedelta(minutes=file_settings(bot.settings).event_minutes))
        self.dispatcher = Dispatcher(
            bot.db.sessions,
            bot.audit,
            bot.clock,
            self.events.after_posting(self.poster.post),
            self.poster.notify_moderators,
            grace=timedelta(hours=file_settings(bot.settings).missed_grace_hours),
            dialect=bot.db.dialect,
            count_runs=self._count_runs,
        )
        self.flow = AnnouncementFlow(bot, self.store, self.dispatcher, self.events)
        self._startup: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def cog_load(self) -> None:
        self._startup = asyncio.create_task(self._start(), name="announcements-start")

    async def cog_unload(self) -> None:
        if self._startup is not None:
            self._startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._startup
        await self.dispatcher.stop()

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.member_data.forget(guild_id, user_id)

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.member_data.stats(guild_id)

    def api_routes(self) -> APIRouter:
        # Imported when the web server is built, after ready (bot/after_ready.py).
        from cogs.announcements import api

        return api.router

    async def dashboard_sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        return await self.dashboard.sections(guild_id, viewer)

    async def calendar_events(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        length = timedelta(minutes=file_settings(self.bot.settings).event_minutes)
        return await guild_entries(self.store, guild_id, (start, end), length)

    async def calendar_occurrences(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        length = timedelta(minutes=file_settings(self.bot.settings).event_minutes)
        return await guild_entries(self.store, guild_id, (start, end), length, each_run=True)

    async def _start(self) -> None:
        try:
            await apply_file_then_dispatch(
                self.store,
                self.dispatcher,
                file_settings(self.bot.settings).file,
                self._guild_timezone,
                now=self.bot.clock.now(),
                wait_until_ready=self.bot.wait_until_ready,
                sync_events=self.events.sync_managed,
            )
        finally:
            self.ready.set()

    def _count_runs(self, outcome: str, count: int) -> None:
        self.bot.metrics.scheduled_runs.labels(kind="announcement", outcome=outcome).inc(count)

    async def _guild_timezone(self, guild_id: int) -> ZoneInfo:
        return (await self.bot.guild_settings.get(guild_id)).timezone

    # ---- helpers ----------------------------------------------------------------------------

    async def _reply_scheduled(
        self, interaction: discord.Interaction, changed: Changed, verb: str
    ) -> None:
        role = changed.silent_role
        notes = [silent_ping_note(role.mention) if role else "", changed.event_note]
        text = scheduled_reply(changed.info, verb, "\n".join(n for n in notes if n) or None)
        await reply(interaction, text, allowed_mentions=NOTHING_PINGS)

    # ---- /announce create -------------------------------------------------------------------

    @announce.command(name="create", description="Schedule an announcement (once or repeating)")
    @app_commands.describe(
        channel="where to post it",
        when="e.g. 2026-12-01 09:00, in 2h, in 30 minutes, tomorrow 9am, next monday 10:00",
        message="the text; \\n starts a new line (or leave out to write it in a form)",
        title="a title: the announcement is posted as an embed (else plain text)",
        repeat="none, daily, weekly, monthly or a 5-field cron expression",
        timezone="the time zone `when` and `repeat` are read in (default: the server's)",
        ping="a role to ping with every post",
        missed="when the bot was down at the time: post late (within the grace window) or skip",
        event="also a Discord scheduled event members can mark Interested",
        ping_interested="each post pings the event's Interested members (up to 100)",
    )
    @app_commands.choices(missed=MISSED_CHOICES)
    @require(Tier.MODERATOR)
    async def create(  # noqa: PLR0917 - slash command options are positional
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        when: app_commands.Range[str, 1, 100],
        message: str | None = None,
        title: app_commands.Range[str, 1, 256] | None = None,
        repeat: app_commands.Range[str, 1, 120] | None = None,
        timezone: app_commands.Range[str, 1, TIMEZONE_OPTION_MAX] | None = None,
        ping: discord.Role | None = None,
        missed: app_commands.Choice[str] | None = None,
        event: bool = False,
        ping_interested: bool = False,
    ) -> None:
        guild = guild_of(interaction)
        self.flow.check_channel(guild.id, channel.id, embed=title is not None)
        ping_role_id = check_role(ping)
        # Refuse a bad time before asking for the text, not after.
        await self.flow.check_schedule(guild.id, when, repeat, timezone)

        def draft(fields: MessageFields) -> Draft:
            return Draft(
                channel_id=channel.id,
                when=when,
                body=fields.body,
                title=fields.title,
                repeat=repeat,
                timezone=timezone,
                ping_role_id=ping_role_id,
                missed=missed.value if missed else "post_late",
                event=event,
                ping_interested=ping_interested,
            )

        async def save(submitted: discord.Interaction, fields: MessageFields) -> None:
            changed = await self.flow.create(guild.id, submitted.user.id, draft(fields))
            await self._reply_scheduled(submitted, changed, "scheduled")

        if message is None:
            await interaction.response.send_modal(MessageModal(title, save))
            return
        # A slash option cannot hold a line break; "\n" typed in it stands for one.
        await save(interaction, MessageFields(title, message.replace("\\n", "\n")))

    @create.autocomplete("repeat")
    async def _repeat_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return repeat_choices(current)

    @create.autocomplete("timezone")
    async def _timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    # ---- /announce list and show -----------------------------------------------------------

    @announce.command(name="list", description="Upcoming announcements and their next run")
    @require(Tier.MODERATOR)
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, self.store, guild_of(interaction).id)

    @announce.command(name="show", description="The exact post, plus its next 5 runs")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def show(self, interaction: discord.Interaction, id: int) -> None:
        info = await self.store.get(guild_of(interaction).id, id)
        rendered = render(info.title, info.body, info.ping_role_id)
        view = await self.events.view(info)
        event = event_text(view.link, view.interested, view.error) if view else None
        embeds = [e for e in (to_embed(rendered), details_embed(info, event)) if e is not None]
        await interaction.response.send_message(
            content=rendered.content, embeds=embeds, ephemeral=True, allowed_mentions=NOTHING_PINGS
        )

    # ---- /announce edit ----------------------------------------------------------------------

    @announce.command(name="edit", description="Change an announcement (a form, prefilled)")
    @app_commands.describe(
        id="the announcement",
        channel="move it to another channel",
        ping="ping this role instead",
        remove_ping="stop pinging a role",
        missed="change what happens to runs missed while the bot was down",
        event="turn its Discord scheduled event on or off",
        ping_interested="whether posts ping the event's Interested members",
    )
    @app_commands.choices(missed=MISSED_CHOICES)
    @require(Tier.MODERATOR)
    async def edit(  # noqa: PLR0917 - slash command options are positional
        self,
        interaction: discord.Interaction,
        id: int,
        channel: discord.TextChannel | None = None,
        ping: discord.Role | None = None,
        remove_ping: bool = False,
        missed: app_commands.Choice[str] | None = None,
        event: bool | None = None,
        ping_interested: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        info = await self.flow.editable(guild.id, id)
        ping_role_id = check_role(ping)
        current = EditFields(
            title=info.title,
            body=info.body,
            when=local_when_text(info),
            repeat=info.cron if info.cron else info.repeat,
            timezone=info.timezone,
        )

        async def save(submitted: discord.Interaction, fields: EditFields) -> None:
            schedule_changed = (fields.when, fields.repeat, fields.timezone) != (
                current.when,
                current.repeat,
                current.timezone,
            )
            change = Edit(
                title=fields.title,
                clear_title=fields.title is None,
                body=fields.body,
                channel_id=channel.id if channel else None,
                ping_role_id=ping_role_id,
                clear_ping=remove_ping,
                missed=missed.value if missed else None,
                event=event,
                ping_interested=ping_interested,
                when=fields.when if schedule_changed else None,
                repeat=fields.repeat if schedule_changed else None,
                timezone=fields.timezone if schedule_changed else None,
            )
            changed = await self.flow.edit(guild.id, submitted.user.id, id, change)
            await self._reply_scheduled(submitted, changed, "updated")

        await interaction.response.send_modal(EditModal(id, current, save))

    # ---- /announce pause, resume, cancel, send ----------------------------------------------

    @announce.command(name="pause", description="Stop posting until resumed")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def pause(self, interaction: discord.Interaction, id: int) -> None:
        changed = await self.flow.pause(guild_of(interaction).id, interaction.user.id, id)
        note = changed.event_note
        await reply(
            interaction,
            f"Announcement **#{id}** is paused; nothing is posted until `/announce resume {id}`."
            + (f"\n{note}" if note else ""),
            allowed_mentions=NOTHING_PINGS,
        )

    @announce.command(name="resume", description="Post again (paused or failed announcements)")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def resume(self, interaction: discord.Interaction, id: int) -> None:
        changed = await self.flow.resume(guild_of(interaction).id, interaction.user.id, id)
        await self._reply_scheduled(interaction, changed, "resumed")

    @announce.command(name="cancel", description="Cancel an announcement for good")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def cancel(self, interaction: discord.Interaction, id: int) -> None:
        guild = guild_of(interaction)
        info = await self.store.get(guild.id, id)
        if info.status == Status.CANCELLED:
            raise UserFacingError(f"Announcement #{id} is already cancelled.")
        if not await confirm(
            interaction,
            cancel_question(info),
            confirm_label="Cancel announcement",
            cancel_label="Keep it",
        ):
            await interaction.followup.send("Kept; nothing changed.", ephemeral=True)
            return
        changed = await self.flow.cancel(guild.id, interaction.user.id, id)
        text = f"Announcement **#{id}** is cancelled.\n{changed.event_note}".strip()
        await interaction.followup.send(text, ephemeral=True)

    @announce.command(name="send", description="Post it now; the schedule stays as it is")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def send(self, interaction: discord.Interaction, id: int) -> None:
        guild = guild_of(interaction)
        info = await self.store.get(guild.id, id)
        if info.status == Status.CANCELLED:
            raise UserFacingError(f"Announcement #{id} was cancelled.")
        self.flow.check_channel(guild.id, info.channel_id, embed=info.title is not None)
        acknowledge_if_slow(interaction)  # the post comes first
        result = await self.dispatcher.send_now(info, self.bot.clock.now())
        if result.message_id is None:
            raise UserFacingError(
                f"I couldn't post announcement #{id}: {result.error}."
                + (" It is marked failed until resumed." if result.permanent else "")
            )
        link = f"https://discord.com/channels/{guild.id}/{info.channel_id}/{result.message_id}"
        await reply(
            interaction,
            f"Posted announcement **#{id}** in <#{info.channel_id}> ({link}). "
            "Its schedule is unchanged.",
        )

    # ---- id autocomplete ---------------------------------------------------------------------

    @show.autocomplete("id")
    @edit.autocomplete("id")
    @pause.autocomplete("id")
    @resume.autocomplete("id")
    @cancel.autocomplete("id")
    @send.autocomplete("id")
    async def _id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        found = await self.store.search(interaction.guild_id, current)
        return id_choices(found)
