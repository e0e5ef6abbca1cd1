"""/pair: profiles, on-demand pairing, history, and moderated rounds on a schedule."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from apscheduler.triggers.base import BaseTrigger
from discord import app_commands

from bot.cron import crontab_trigger, ever_fires, validate_cron
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import discord_timestamp, plural
from bot.markdown import safe
from bot.permissions import Tier, guild_of, require
from bot.text import EMBED_DESCRIPTION_LIMIT, one_line, truncate
from bot.timezones import TIMEZONE_OPTION_MAX, resolve_timezone, timezone_choices
from bot.ui.paginator import Page, send_paginated
from cogs.pairing.introductions import Introducer, IntroductionRoute
from cogs.pairing.records import AnswerResult, HistoryEntry, PlannedGroup, QueueMatch, RoundSummary
from cogs.pairing.render import mentions, summary_embed, when
from cogs.pairing.rules import PairingError
from cogs.pairing.service import PairingService
from cogs.pairing.settings import SCHEDULE, SETTING_SPECS
from cogs.pairing.views import OutcomeButton

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from bot.app import NexusBot
    from cogs.pairing.records import IsEligible

log = logging.getLogger(__name__)

ROUND_KIND = "pair_round"
REMINDER_KIND = "pair_reminder"
# A round missed while the bot was down runs late if the bot is back within this window.
LATE_ROUND_GRACE = timedelta(hours=6)
QUEUE_SWEEP_SECONDS = 30
# Several processes share the database (issue 8): each one keeps a round job for every guild,
# re-reads the schedules this often (a schedule set through another process), and runs a round
# of a guild whose shard it does not run only after this delay, so that the process holding
# the guild's gateway cache normally claims it first and this one takes over only when that
# process is down (the claim keeps the round to once either way).
RESYNC_SECONDS = 60
FAILOVER_DELAY = timedelta(seconds=5)
FALLBACK_TOPICS = (
    "review each other's latest pull request",
    "write tests for an endpoint one of you built",
    "design a small REST API together, frontend and backend",
    "debug something that has been bugging one of you",
    "refactor a function you're not proud of",
)

Level = Literal["beginner", "intermediate", "advanced"]
Track = Literal["backend", "frontend", "fullstack"]

# Scheduler handlers (bot/scheduler.py): jobs name one and carry plain ids and ISO times.
ROUND_HANDLER = "pairing.round"
REMINDER_HANDLER = "pairing.reminders"
QUEUE_SWEEP_HANDLER = "pairing.queue_sweep"
RESYNC_HANDLER = "pairing.resync"


def round_job_id(guild_id: int) -> str:
    return f"pairing:round:{guild_id}"


def reminder_job_id(guild_id: int) -> str:
    return f"pairing:reminder:{guild_id}"


class PairingCog(FeatureCog, name="PairingCog"):
    feature = "pairing"
    setting_specs = SETTING_SPECS

    pair = app_commands.Group(name="pair", description="Pair programming with other learners")
    round = app_commands.Group(name="round", description="Pairing rounds", parent=pair)

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.service = PairingService(
            bot.db.sessions,
            bot.clock,
            bot.run_cpu_bound,
            queue_wait=timedelta(minutes=bot.settings.pairing.queue_wait_minutes),
        )
        self.introducer = Introducer(bot)
        self._tasks: set[asyncio.Task[object]] = set()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(OutcomeButton)
        for name, handler in self._job_handlers().items():
            self.bot.scheduler.handle(name, handler)
        for guild_id in await self.service.scheduled_guilds():
            await self.schedule_guild(guild_id, catch_up=True)
        for guild_id, round_id, due in await self.service.pending_reminders():
            self._schedule_reminder(guild_id, round_id, due)
        self.bot.scheduler.schedule_every(
            "pairing:queue-sweep", timedelta(seconds=QUEUE_SWEEP_SECONDS), QUEUE_SWEEP_HANDLER
        )
        self.bot.scheduler.schedule_every(
            "pairing:resync", timedelta(seconds=RESYNC_SECONDS), RESYNC_HANDLER
        )

    def _job_handlers(self) -> dict[str, Callable[..., Awaitable[object]]]:
        return {
            ROUND_HANDLER: self._round_job,
            REMINDER_HANDLER: self._reminders_job,
            QUEUE_SWEEP_HANDLER: self.sweep_queue,
            RESYNC_HANDLER: self.resync_schedules,
        }

    async def _round_job(self, guild_id: int, scheduled_for: str) -> None:
        await self.scheduled_round(guild_id, datetime.fromisoformat(scheduled_for))

    async def _reminders_job(self, guild_id: int, round_id: int, due: str) -> None:
        await self.send_reminders(guild_id, round_id, datetime.fromisoformat(due))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(OutcomeButton)
        for name in self._job_handlers():
            self.bot.scheduler.unhandle(name)
        for job_id in self.bot.scheduler.job_ids():
            if job_id.startswith("pairing:"):
                self.bot.scheduler.cancel(job_id)
        for task in list(self._tasks):
            task.cancel()

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.service.forget(guild_id, user_id)

    async def forget_preview(self, guild_id: int) -> str:
        return "their pairing profile and history are removed"

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.service.stats(guild_id)

    async def settings_changed(self, guild_id: int, keys: frozenset[str]) -> None:
        """`/admin config set pairing.schedule` (or the time zone): reschedule the round now."""
        if SCHEDULE in keys or "timezone" in keys:
            await self.schedule_guild(guild_id)

    # ---- scheduling --------------------------------------------------------------------------

    async def round_trigger(self, guild_id: int) -> tuple[BaseTrigger, str, str]:
        config = await self.bot.guild_settings.get(guild_id)
        cron = str(config.get(SCHEDULE))
        zone = await self.service.schedule_timezone(guild_id) or str(config.get("timezone"))
        return crontab_trigger(cron, zone), cron, zone

    async def next_round_at(self, guild_id: int, after: datetime | None = None) -> datetime | None:
        trigger, cron, _ = await self.round_trigger(guild_id)
        if not ever_fires(cron):
            return None  # stored before such schedules were refused; the search would not end
        now = after or self.bot.clock.now()
        fire: datetime | None = trigger.get_next_fire_time(None, now + timedelta(seconds=1))
        return fire

    async def schedule_guild(self, guild_id: int, *, catch_up: bool = False) -> datetime | None:
        """(Re)build the guild's round job from its settings.

        With `catch_up` (at start), a round missed while the bot was down runs late if it was
        due within LATE_ROUND_GRACE; its claim makes that a no-op when it had already run.
        """
        trigger, cron, _ = await self.round_trigger(guild_id)
        now = self.bot.clock.now()
        missed: datetime | None = (
            trigger.get_next_fire_time(None, now - LATE_ROUND_GRACE) if ever_fires(cron) else None
        )
        if catch_up and missed is not None and missed <= now:
            self._background(self._late_round(guild_id, missed), f"pairing-late-round-{guild_id}")
        upcoming = await self.next_round_at(guild_id, now)
        if upcoming is None:
            self.bot.scheduler.cancel(round_job_id(guild_id))
            return None
        self.bot.scheduler.schedule_at(
            round_job_id(guild_id), upcoming, ROUND_HANDLER, guild_id, upcoming.isoformat()
        )
        return upcoming

    async def resync_schedules(self) -> int:
        """Follow schedules changed through another process; return how many jobs moved.

        The settings event reaches only the process that handled the command; the others see
        the change here, within RESYNC_SECONDS plus the settings cache's lifetime. A job left
        on an old time meanwhile is harmless: `scheduled_round` checks the time still matches
        the schedule before it claims anything.
        """
        moved = 0
        for guild_id in await self.service.scheduled_guilds():
            upcoming = await self.next_round_at(guild_id)
            if upcoming != self.bot.scheduler.next_run(round_job_id(guild_id)):
                await self.schedule_guild(guild_id)
                moved += 1
        # Reminders of a round another process ran (that process may be down when they are due).
        now = self.bot.clock.now()
        for guild_id, round_id, due in await self.service.pending_reminders():
            if due > now and self.bot.scheduler.next_run(reminder_job_id(guild_id)) is None:
                self._schedule_reminder(guild_id, round_id, due)
        return moved

    async def _late_round(self, guild_id: int, scheduled_for: datetime) -> None:
        await self.bot.wait_until_ready()
        await self.scheduled_round(guild_id, scheduled_for, reschedule=False)

    def _background(self, coroutine: Coroutine[Any, Any, object], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        # Keep a reference until done: the event loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_reminder(self, guild_id: int, round_id: int, due: datetime) -> None:
        if due <= self.bot.clock.now():
            # Due while the bot was down: send it now (its claim keeps it to once).
            self._background(self._late_reminders(guild_id, round_id, due), "pairing-reminder")
            return
        self.bot.scheduler.schedule_at(
            reminder_job_id(guild_id), due, REMINDER_HANDLER, guild_id, round_id, due.isoformat()
        )

    async def _late_reminders(self, guild_id: int, round_id: int, due: datetime) -> None:
        await self.bot.wait_until_ready()
        await self.send_reminders(guild_id, round_id, due)

    async def scheduled_round(
        self, guild_id: int, scheduled_for: datetime, *, reschedule: bool = True
    ) -> RoundSummary | None:
        """A round firing from the schedule: claimed first, so it runs once across processes.

        Every process has a job for every guild. One that does not run the guild's shard waits
        FAILOVER_DELAY (the guild's own process normally claims it meanwhile), then works over
        REST: it still runs the round when that process is down.
        """
        try:
            if not await self._still_scheduled(guild_id, scheduled_for):
                log.info("round for guild %s at %s was rescheduled", guild_id, scheduled_for)
                return None
            guild = self.bot.get_guild(guild_id)
            if guild is None:
                await asyncio.sleep(FAILOVER_DELAY.total_seconds())
                if await self._already_claimed(guild_id, scheduled_for):
                    return None
                try:
                    guild = await self.bot.fetch_guild(guild_id, with_counts=False)
                except (discord.NotFound, discord.Forbidden):
                    log.info("scheduled round for guild %s skipped: not in it", guild_id)
                    return None
            return await self.execute_round(guild, scheduled_for, trigger="schedule", actor=None)
        except PairingError as error:
            log.info("scheduled round for guild %s skipped: %s", guild_id, error.message)
            return None
        except Exception:
            log.exception("scheduled pairing round for guild %s failed", guild_id)
            return None
        finally:
            self.introducer.forget_names(guild_id)
            if reschedule:
                await self.schedule_guild(guild_id)

    async def _still_scheduled(self, guild_id: int, scheduled_for: datetime) -> bool:
        """Whether the guild's current schedule fires at `scheduled_for` (read fresh: another
        process may have changed it since this job was made)."""
        self.bot.guild_settings.forget_cache(guild_id)
        trigger, _, _ = await self.round_trigger(guild_id)
        fire = trigger.get_next_fire_time(None, scheduled_for - timedelta(seconds=1))
        return bool(fire == scheduled_for)

    async def _already_claimed(self, guild_id: int, scheduled_for: datetime) -> bool:
        return await self.bot.occurrences.is_claimed(ROUND_KIND, str(guild_id), scheduled_for)

    async def execute_round(
        self, guild: discord.Guild, scheduled_for: datetime, *, trigger: str, actor: int | None
    ) -> RoundSummary | None:
        """Claim, match, store, then post. None when another process owns this occurrence."""
        async with self.bot.occurrences.occurrence(ROUND_KIND, str(guild.id), scheduled_for) as run:
            if not run.claimed:
                return None
            try:
                summary = await self.service.run_round(
                    guild.id,
                    self.eligibility(guild),
                    scheduled_for=scheduled_for,
                    trigger=trigger,
                    started_by=actor,
                    next_round_at=await self.next_round_at(
                        guild.id, max(scheduled_for, self.bot.clock.now())
                    ),
                    topic_for=lambda group: self.suggest_topic(guild.id, group),
                )
            except PairingError as error:
                if trigger == "manual":
                    # A moderator's refused request consumed no scheduled occurrence: nothing
                    # of it stays, and asking again in the same second works.
                    run.release()
                else:
                    run.skip(error.message)
                raise
            # Stored but maybe not fully posted: should posting fail, the claim says so.
            run.result = f"round {summary.number} stored; posting failed"
            summary = await self.publish_round(guild, summary)
            run.result = f"round {summary.number}: {len(summary.groups)} groups"
        if summary.reminder_due is not None:
            self._schedule_reminder(guild.id, summary.id, summary.reminder_due)
        return summary

    async def pairing_channel(self, guild: discord.Guild) -> discord.abc.GuildChannel | None:
        """The configured pairing channel, from the cache or (another shard's guild) by REST."""
        config = await self.bot.guild_settings.get(guild.id)
        channel_id = config.channel_id("pairing")
        if channel_id is None:
            return None
        channel: discord.abc.GuildChannel | discord.Thread | None = guild.get_channel(channel_id)
        if channel is None and self.bot.get_guild(guild.id) is None:
            try:
                channel = await guild.fetch_channel(channel_id)
            except discord.HTTPException as error:
                log.warning("guild %s: pairing channel unavailable: %s", guild.id, error)
                return None
        return channel if isinstance(channel, discord.abc.GuildChannel) else None

    async def publish_round(self, guild: discord.Guild, summary: RoundSummary) -> RoundSummary:
        channel = await self.pairing_channel(guild)
        heading = f"welcome to pairing round {summary.number}."
        routes: list[IntroductionRoute] = []
        for group in summary.groups:
            route = await self.introducer.introduce(guild, channel, group, heading, summary.number)
            await self.service.set_delivery(group.id, route.via, route.thread_id)
            routes.append(route)
        by_group = {r.group_id: r for r in routes}
        groups = tuple(
            dataclasses.replace(g, thread_id=by_group[g.id].thread_id) for g in summary.groups
        )
        summary = dataclasses.replace(summary, groups=groups)
        failures = [r for r in routes if r.via != "thread"]
        if failures:
            await self.tell_moderators_threads_failed(guild, channel, summary.number, failures)
        await self.introducer.post(
            channel,
            embed=summary_embed(summary, len(failures)),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return summary

    async def tell_moderators_threads_failed(
        self,
        guild: discord.Guild,
        channel: discord.abc.GuildChannel | None,
        round_number: int | None,
        failures: list[IntroductionRoute],
    ) -> None:
        reason = failures[0].error or "unknown error"
        await self.bot.audit.record(
            guild.id,
            None,
            "pairing.thread_failed",
            f"round {round_number}" if round_number is not None else "pair now",
            {"groups": [d.group_id for d in failures], "error": reason},
        )
        config = await self.bot.guild_settings.get(guild.id)
        role = f"<@&{config.moderator_role_id}> " if config.moderator_role_id else ""
        text = (
            f"⚠️ {role}Moderators: I couldn't create private threads for "
            f"{plural(len(failures), 'pairing')} ({safe(one_line(reason, 150))}), so I sent "
            "their introductions by direct message. Please give me **Create Private Threads** "
            "and **Manage Threads** in the pairing channel."
        )
        posted = await self.introducer.post(
            channel, content=text, allowed_mentions=discord.AllowedMentions.none()
        )
        if not posted:
            log.warning("guild %s: pairing threads failed and the channel is unusable", guild.id)

    async def send_reminders(self, guild_id: int, round_id: int, due: datetime) -> int:
        async with self.bot.occurrences.occurrence(REMINDER_KIND, str(round_id), due) as run:
            if not run.claimed:
                return 0
            groups = await self.service.due_reminders(round_id)
            upcoming = await self.next_round_at(guild_id)
            next_text = discord_timestamp(upcoming, "R") if upcoming else "soon"
            reminded = [g.id for g in groups if await self.introducer.remind(g, next_text)]
            await self.service.mark_reminded(reminded)
            run.result = f"{len(reminded)}"
        return len(reminded)

    async def sweep_queue(self) -> int:
        """End waits older than the queue window, telling each person where they asked."""
        expired = await self.service.expire_queue()
        for wait in expired:
            text = (
                f"<@{wait.user_id}> nobody compatible asked to pair in the last "
                f"{self.bot.settings.pairing.queue_wait_minutes} minutes, so your wait has "
                "ended. Try `/pair now` again later, or meet someone in the next round."
            )
            channel = self.bot.get_channel(wait.channel_id) if wait.channel_id else None
            if isinstance(channel, discord.TextChannel | discord.Thread):
                try:
                    await channel.send(text)
                    continue
                except discord.HTTPException:
                    log.info("could not post the queue expiry for %s", wait.user_id)
            user = self.bot.get_user(wait.user_id)
            if user is not None:
                try:
                    await user.send(text)
                except discord.HTTPException:
                    log.info("could not DM the queue expiry to %s", wait.user_id)
        return len(expired)

    # ---- helpers the commands share ------------------------------------------------------------

    def eligibility(self, guild: discord.Guild) -> IsEligible:
        """Still in the guild, a person, and not blocked from pairing by a moderator."""

        async def check(user_id: int) -> bool:
            member = guild.get_member(user_id)
            if member is None and self.bot.get_guild(guild.id) is None:
                # Another shard's guild (its process is down): ask Discord, and remember the
                # member so the introduction can name them.
                try:
                    member = await guild.fetch_member(user_id)
                except discord.NotFound:
                    return False
                self.introducer.remember(guild.id, member)
            if member is None or member.bot:
                return False
            return not await self.bot.blocks.is_blocked(guild.id, user_id, "pairing")

        return check

    async def suggest_topic(self, guild_id: int, group: PlannedGroup) -> str:
        if group.shared_topics:
            return group.shared_topics[0]
        for feature in self.bot.features:
            if feature is self:
                continue
            try:
                topics = await feature.open_topics(guild_id, 5)
            except Exception:
                log.exception("open_topics of %s failed", feature.feature)
                continue
            if topics:
                return topics[sum(group.members) % len(topics)]
        return FALLBACK_TOPICS[sum(group.members) % len(FALLBACK_TOPICS)]

    async def record_answer(self, group_id: int, user_id: int, outcome: str) -> AnswerResult:
        return await self.service.answer(group_id, user_id, outcome)

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
        result = await self.service.join(
            guild.id,
            interaction.user.id,
            level=level,
            timezone=timezone,
            track=track,
            topics=topics,
        )
        await self.schedule_guild(guild.id)
        profile = result.profile
        first = "Welcome to pairing!" if result.created else "Your pairing profile is updated."
        topics_text = ", ".join(safe(t) for t in profile.topics) or "none"
        paused = (
            f"\nYou're paused until {discord_timestamp(profile.paused_until, 'D')}."
            if profile.paused_until and profile.paused_until > self.bot.clock.now()
            else ""
        )
        await interaction.response.send_message(
            f"{first} Level **{profile.level}** · time zone **{profile.timezone}** · track "
            f"**{profile.track or 'not set'}** · topics: {topics_text}.\n"
            f"Next round: {when(await self.next_round_at(guild.id))}.{paused}",
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
        await self.service.leave(guild.id, interaction.user.id)
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
        guild = guild_of(interaction)
        moment = await self.service.pause(guild.id, interaction.user.id, until)
        await interaction.response.send_message(
            f"Paused until {discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')}). "
            "Use `/pair resume` to come back earlier.",
            ephemeral=True,
        )

    @pair.command(name="resume", description="End your pause")
    async def resume(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.service.resume(guild.id, interaction.user.id)
        await interaction.response.send_message(
            f"Welcome back! Next round: {when(await self.next_round_at(guild.id))}.",
            ephemeral=True,
        )

    @pair.command(name="status", description="Your profile, the next round and your partner")
    async def status(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        status = await self.service.status(guild.id, interaction.user.id)
        profile = status.profile
        embed = discord.Embed(title="Your pairing status", colour=discord.Colour.teal())
        embed.add_field(name="Level", value=profile.level)
        embed.add_field(name="Time zone", value=profile.timezone)
        embed.add_field(name="Track", value=profile.track or "not set")
        embed.add_field(
            name="Topics", value=", ".join(safe(t) for t in profile.topics) or "none", inline=False
        )
        now = self.bot.clock.now()
        if profile.paused_until is not None and profile.paused_until > now:
            embed.add_field(name="Paused until", value=when(profile.paused_until), inline=False)
        embed.add_field(
            name="Next round", value=when(await self.next_round_at(guild.id)), inline=False
        )
        if status.current is not None:
            partners = [m for m in status.current.members if m != interaction.user.id]
            where = f" in <#{status.current.thread_id}>" if status.current.thread_id else ""
            outcome = {"met": " · met ✅", "not_met": " · couldn't meet"}.get(
                status.current.outcome or "", ""
            )
            embed.add_field(
                name="Current partner" if len(partners) == 1 else "Current partners",
                value=f"{mentions(tuple(partners))}{where}{outcome}",
                inline=False,
            )
        if status.waiting_until is not None:
            embed.add_field(
                name="Pair now", value=f"waiting until {when(status.waiting_until)}", inline=False
            )
        embed.set_footer(text=f"Trios so far: {profile.trios}")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @pair.command(name="history", description="Your past partners and sessions")
    async def history(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        user_id = interaction.user.id

        async def fetch(cursor: object | None) -> Page[HistoryEntry]:
            before = int(cursor) if isinstance(cursor, int) else None
            page = await self.service.history(guild.id, user_id, before_id=before)
            return Page(page.entries, page.next_before_id)

        def render(page: Page[HistoryEntry], number: int) -> discord.Embed:
            lines = []
            for entry in page.items:
                label = f"Round {entry.round_number}" if entry.round_number else "Pair now"
                outcome = {"met": "met ✅", "not_met": "couldn't meet"}.get(
                    entry.outcome or "", "no answer"
                )
                partners = mentions(entry.partners) or "(partner's data erased)"
                lines.append(
                    f"**{label}** · {discord_timestamp(entry.created_at, 'D')} · with "
                    f"{partners} · {outcome}"
                )
            return discord.Embed(
                title="Your pairing history",
                description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
                colour=discord.Colour.teal(),
            ).set_footer(text=f"Page {number}")

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
        result = await self.service.queue_join(
            guild.id,
            interaction.user.id,
            topic,
            interaction.channel_id,
            self.eligibility(guild),
        )
        if not isinstance(result, QueueMatch):
            await interaction.response.send_message(
                f"You're in the queue until {discord_timestamp(result.expires_at, 't')} "
                f"({discord_timestamp(result.expires_at, 'R')}). As soon as someone compatible "
                "asks, I'll open a private thread and mention you both.",
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        config = await self.bot.guild_settings.get(guild.id)
        channel_id = config.channel_id("pairing")
        channel = guild.get_channel(channel_id) if channel_id is not None else None
        route = await self.introducer.introduce(
            guild, channel, result.group, "you both asked to pair right now.", None
        )
        await self.service.set_delivery(result.group.id, route.via, route.thread_id)
        if route.via != "thread":
            await self.tell_moderators_threads_failed(guild, channel, None, [route])
        partner = mentions(tuple(m for m in result.group.members if m != interaction.user.id))
        where = (
            f"Your thread: <#{route.thread_id}>."
            if route.thread_id
            else "I sent the details by direct message."
        )
        await interaction.followup.send(f"Matched with {partner}! {where}", ephemeral=True)

    # ---- moderator commands --------------------------------------------------------------------

    @round.command(name="run", description="Run a pairing round now")
    @require(Tier.MODERATOR)
    async def round_run(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        scheduled_for = self.bot.clock.now().replace(microsecond=0)
        summary = await self.execute_round(
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
        preview = await self.service.preview_round(guild.id, self.eligibility(guild))
        lines = []
        for group in preview.groups:
            reasons = "; ".join(group.reasons[:3])
            repeat = " ⚠️ met recently" if group.repeats else ""
            members = " + ".join(f"<@{m}>" for m in group.members)
            lines.append(f"• {members}{repeat}: {safe(reasons)}")
        embed = discord.Embed(
            title=f"Preview of round {preview.number} (nothing posted)",
            description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
            colour=discord.Colour.light_grey(),
        )
        embed.add_field(name="Participants", value=str(preview.participants))
        embed.add_field(name="Pairs", value=str(preview.pairs))
        embed.add_field(name="Trios", value=str(preview.trios))
        embed.add_field(name="Repeats within 4 rounds", value=str(preview.repeats))
        embed.set_footer(text=f"Seed {preview.seed}")
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
            await self.service.set_schedule_timezone(guild.id, zone)
        await self.bot.audit.record(
            guild.id,
            interaction.user.id,
            "pairing.schedule",  # the audit action
            expression,
            {"cron": expression, "timezone": zone},
        )
        upcoming = await self.schedule_guild(guild.id)
        _, _, effective_zone = await self.round_trigger(guild.id)
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
