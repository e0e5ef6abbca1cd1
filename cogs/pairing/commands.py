"""/pair: profiles, on-demand pairing, history, and moderated rounds on a schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.cron import validate_cron
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import discord_timestamp, plural
from bot.permissions import Tier, guild_of, require
from bot.replies import acknowledge_if_slow, reply
from bot.timezones import TIMEZONE_OPTION_MAX, resolve_timezone, timezone_choices
from bot.ui.paginator import Page, send_paginated
from cogs.pairing.calendar import member_sessions
from cogs.pairing.dashboard import PairingDashboard
from cogs.pairing.introductions import Introducer
from cogs.pairing.member_notices import MemberNotices
from cogs.pairing.notice_flow import NoticeFlow
from cogs.pairing.notice_views import NOTICE_ITEMS
from cogs.pairing.publish_flow import Publisher
from cogs.pairing.queue_flow import QUEUE_SWEEP_SECONDS, QueueSweep
from cogs.pairing.records import AnswerResult, HistoryEntry, QueueMatch
from cogs.pairing.render import (
    already_waiting_text,
    history_embed,
    mentions,
    paused_text,
    preview_embed,
    profile_text,
    skipped_text,
    status_embed,
    when,
)
from cogs.pairing.round_flow import RoundFlow
from cogs.pairing.rounds import run_inline
from cogs.pairing.rules import AlreadyWaiting, PairingError
from cogs.pairing.schedule_flow import (
    NOTICE_HANDLER,
    QUEUE_SWEEP_HANDLER,
    REMINDER_HANDLER,
    RESYNC_HANDLER,
    RESYNC_SECONDS,
    ROUND_HANDLER,
    RoundSchedule,
)
from cogs.pairing.service import PairingService
from cogs.pairing.settings import NOTICE_HOURS, SCHEDULE, SETTING_SPECS, file_settings
from cogs.pairing.views import OutcomeButton

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastapi import APIRouter

    from bot.app import NexusBot
    from bot.calendar import CalendarEntry
    from bot.dashboard import DashboardViewer, Section

Level = Literal["beginner", "intermediate", "advanced"]
Track = Literal["backend", "frontend", "fullstack"]


class PairingCog(FeatureCog, name="PairingCog"):
    feature = "pairing"
    setting_specs = SETTING_SPECS

    pair = app_commands.Group(name="pair", description="Pair programming with other learners")
    round = app_commands.Group(name="round", description="Pairing rounds", parent=pair)

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        options = file_settings(bot.settings)
        self.service = PairingService(
            bot.db.sessions,
            bot.clock,
            bot.run_cpu_bound if options.use_process_pool else run_inline,
            queue_wait=timedelta(minutes=options.queue_wait_minutes),
        )
        self.introducer = Introducer(bot)
        self.schedule = RoundSchedule(
            bot.guild_settings,
            bot.clock,
            bot.scheduler,
            self.service.guilds,
            self.service.reminders,
        )
        self.publisher = Publisher(bot, self.introducer, self.service.groups)
        self.notice_flow = NoticeFlow(bot, self.schedule, self.service.guilds, self.publisher)
        self.rounds = RoundFlow(
            bot,
            rounds=self.service.rounds,
            reminders=self.service.reminders,
            guilds=self.service.guilds,
            schedule=self.schedule,
            publisher=self.publisher,
            introducer=self.introducer,
            notices=MemberNotices(bot, self.publisher),
        )
        self.queue_sweep = QueueSweep(bot, self.service.queue)
        self.dashboard = PairingDashboard(bot.db.sessions, self.service.round_reports)

    # ---- lifecycle ---------------------------------------------------------------------------

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(OutcomeButton, *NOTICE_ITEMS)
        for name, handler in self._job_handlers().items():
            self.bot.scheduler.handle(name, handler)
        await self.rounds.catch_up()
        self.bot.scheduler.schedule_every(
            "pairing:queue-sweep", timedelta(seconds=QUEUE_SWEEP_SECONDS), QUEUE_SWEEP_HANDLER
        )
        self.bot.scheduler.schedule_every(
            "pairing:resync", timedelta(seconds=RESYNC_SECONDS), RESYNC_HANDLER
        )

    def _job_handlers(self) -> dict[str, Callable[..., Awaitable[object]]]:
        return {
            ROUND_HANDLER: self._round_job,
            NOTICE_HANDLER: self._notice_job,
            REMINDER_HANDLER: self._reminders_job,
            QUEUE_SWEEP_HANDLER: self.queue_sweep.sweep_queue,
            RESYNC_HANDLER: self.schedule.resync_schedules,
        }

    async def _round_job(self, guild_id: int, scheduled_for: str) -> None:
        await self.rounds.scheduled_round(guild_id, datetime.fromisoformat(scheduled_for))

    async def _notice_job(self, guild_id: int, round_at: str) -> None:
        await self.notice_flow.post_notice(guild_id, datetime.fromisoformat(round_at))

    async def _reminders_job(self, guild_id: int, round_id: int, due: str) -> None:
        await self.rounds.send_reminders(guild_id, round_id, datetime.fromisoformat(due))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(OutcomeButton, *NOTICE_ITEMS)
        for name in self._job_handlers():
            self.bot.scheduler.unhandle(name)
        for job_id in self.bot.scheduler.job_ids():
            if job_id.startswith("pairing:"):
                self.bot.scheduler.cancel(job_id)
        self.rounds.cancel_background()

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.service.member_data.forget(guild_id, user_id)

    async def forget_preview(self, guild_id: int) -> str:
        return "their pairing profile and history are removed"

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.service.member_data.stats(guild_id)

    async def settings_changed(self, guild_id: int, keys: frozenset[str]) -> None:
        """`/admin config set pairing.schedule` (the time zone, the notice's lead): reschedule."""
        if keys & {SCHEDULE, "timezone", NOTICE_HOURS}:
            await self.schedule.schedule_guild(guild_id)

    async def calendar_events(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        return await member_sessions(self.bot, guild_id, user_id, (start, end))

    async def dashboard_sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        return await self.dashboard.sections(guild_id, viewer)

    def api_routes(self) -> APIRouter:
        # Imported when the web server is built, after ready (bot/after_ready.py).
        from cogs.pairing import api

        return api.router

    async def record_answer(self, group_id: int, user_id: int, outcome: str) -> AnswerResult:
        return await self.service.groups.answer(group_id, user_id, outcome)

    # The round notice's and the automatic pause's buttons (notice_views.NoticeActions).
    async def skip_round(self, guild_id: int, user_id: int, round_at: datetime) -> str:
        await self.service.profiles.skip_round(guild_id, user_id, round_at)
        return skipped_text(round_at)

    async def pause_until(self, guild_id: int, user_id: int, until: str) -> str:
        return paused_text(await self.service.profiles.pause(guild_id, user_id, until))

    async def come_back(self, guild_id: int, user_id: int) -> str:
        await self.service.profiles.resume(guild_id, user_id)
        return f"Welcome back! Next round: {when(await self.schedule.next_round_at(guild_id))}."

    # ---- member commands -----------------------------------------------------------------------

    @pair.command(name="join", description="Opt in to pairing rounds (or update your profile)")
    @app_commands.describe(
        level="your experience",
        timezone="your time zone, an IANA name like Europe/Berlin",
        track="what you're learning",
        topics="up to 5 topics, separated by commas (e.g. python, sql, react)",
    )
    async def join(
        self,
        interaction: discord.Interaction,
        level: Level,
        timezone: app_commands.Range[str, 1, TIMEZONE_OPTION_MAX],
        track: Track | None = None,
        topics: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        result = await self.service.profiles.join(
            guild.id,
            interaction.user.id,
            level=level,
            timezone=timezone,
            track=track,
            topics=topics,
        )
        next_round = await self.schedule.schedule_guild(guild.id)
        await interaction.response.send_message(
            profile_text(result.profile, result.created, self.bot.clock.now(), next_round),
            ephemeral=True,
        )

    @join.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @pair.command(name="leave", description="Stop being paired (your history is kept)")
    async def leave(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.service.profiles.leave(guild.id, interaction.user.id)
        await interaction.response.send_message(
            "You've left pairing; you won't be matched from now on. Your past pairings are kept "
            "so future rounds stay fair (a moderator can erase them with `/admin forget`). "
            "Come back any time with `/pair join`.",
            ephemeral=True,
        )

    @pair.command(name="pause", description="Skip pairing rounds until a date")
    @app_commands.describe(until="a date (2026-12-24) or a phrase like 'in 2 weeks'")
    async def pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 64]
    ) -> None:
        text = await self.pause_until(guild_of(interaction).id, interaction.user.id, until)
        await interaction.response.send_message(text, ephemeral=True)

    @pair.command(name="resume", description="End your pause")
    async def resume(self, interaction: discord.Interaction) -> None:
        text = await self.come_back(guild_of(interaction).id, interaction.user.id)
        await interaction.response.send_message(text, ephemeral=True)

    @pair.command(name="status", description="Your profile, the next round and your partner")
    async def status(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        status = await self.service.profiles.status(guild.id, interaction.user.id)
        embed = status_embed(
            status,
            interaction.user.id,
            self.bot.clock.now(),
            await self.schedule.next_round_in(guild.id, status.schedule_timezone),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @pair.command(name="history", description="Your past partners and sessions")
    async def history(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        user_id = interaction.user.id

        async def fetch(cursor: object | None) -> Page[HistoryEntry]:
            before = int(cursor) if isinstance(cursor, int) else None
            page = await self.service.partner_history.history(guild.id, user_id, before_id=before)
            return Page(page.entries, page.next_before_id)

        def render(page: Page[HistoryEntry], number: int) -> discord.Embed:
            return history_embed(page.items, number)

        await send_paginated(
            interaction,
            fetch,
            render,
            empty_message="You haven't been paired yet. Join with `/pair join` or try `/pair now`.",
        )

    @pair.command(name="now", description="Pair with someone right now")
    @app_commands.describe(topic="what you'd like to work on")
    async def now(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        try:
            result = await self.service.queue.queue_join(
                guild.id,
                interaction.user.id,
                topic,
                interaction.channel_id,
                self.rounds.eligibility(guild),
            )
        except AlreadyWaiting as waiting:
            raise PairingError(already_waiting_text(waiting.until)) from None
        if not isinstance(result, QueueMatch):
            await interaction.response.send_message(
                f"You're in the queue until {discord_timestamp(result.expires_at, 't')} "
                f"({discord_timestamp(result.expires_at, 'R')}). As soon as someone compatible "
                "asks, I'll open a private thread and mention you both.",
                ephemeral=True,
            )
            return
        acknowledge_if_slow(interaction)  # the thread and its introduction come first
        route = await self.publisher.introduce_match(guild, result.group)
        partner = mentions(tuple(m for m in result.group.members if m != interaction.user.id))
        where = (
            f"Your thread: <#{route.thread_id}>."
            if route.thread_id
            else "I sent the details by direct message."
        )
        await reply(interaction, f"Matched with {partner}! {where}")

    # ---- moderator commands --------------------------------------------------------------------

    @round.command(name="run", description="Run a pairing round now")
    @require(Tier.MODERATOR)
    async def round_run(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        scheduled_for = self.bot.clock.now().replace(microsecond=0)
        summary = await self.rounds.execute_round(
            guild, scheduled_for, trigger="manual", actor=interaction.user.id
        )
        if summary is None:
            raise PairingError("A round is already running for this moment. Try again shortly.")
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "pairing.round_run",
            f"round {summary.number}",
            {"pairs": summary.pairs, "trios": summary.trios, "seed": summary.seed},
        )
        await interaction.followup.send(
            f"Round {summary.number} is out: {plural(summary.pairs, 'pair')}, "
            f"{plural(summary.trios, 'trio')}, {plural(summary.repeats, 'repeat')} within 4 "
            "rounds. The summary is in the pairing channel.",
            ephemeral=True,
        )

    @round.command(name="preview", description="Show the pairs a round would make now")
    @require(Tier.MODERATOR)
    async def round_preview(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.service.rounds.preview_round(
            guild.id, self.rounds.eligibility(guild), mode=await self.rounds.mode(guild.id)
        )
        embed = preview_embed(preview)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @round.command(name="schedule", description="When pairing rounds run")
    @app_commands.describe(
        cron="5-field cron: minute hour day-of-month month day-of-week (0 9 * * 1 = Mon 09:00)",
        timezone="time zone for the schedule (default: the server's)",
    )
    @require(Tier.MODERATOR)
    async def round_schedule(
        self,
        interaction: discord.Interaction,
        cron: app_commands.Range[str, 1, 100],
        timezone: app_commands.Range[str, 1, TIMEZONE_OPTION_MAX] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        expression = validate_cron(cron)
        zone = resolve_timezone(timezone) if timezone is not None else None
        await self.bot.guild_settings.set(guild.id, SCHEDULE, expression, interaction.user.id)
        if zone is not None:
            await self.service.guilds.set_schedule_timezone(guild.id, zone)
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "pairing.schedule",  # the audit action
            expression,
            {"cron": expression, "timezone": zone},
        )
        upcoming = await self.schedule.schedule_guild(guild.id)
        _, _, effective_zone = await self.schedule.round_trigger(guild.id)
        await interaction.response.send_message(
            f"Pairing rounds now run on `{expression}` ({effective_zone}). "
            f"Next round: {when(upcoming)}.",
            ephemeral=True,
        )

    @round_schedule.autocomplete("timezone")
    async def schedule_timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)
