"""When pairing rounds run: each guild's round job, the round's notice job and its reminders'
jobs, from the settings.

Jobs name a scheduler handler (bot/scheduler.py) and carry plain ids and ISO times; the cog
registers the handlers, the round flow says what a firing does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.cron import crontab_trigger, ever_fires, next_fire_time
from cogs.pairing.settings import NOTICE_HOURS, SCHEDULE

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

    from bot.clock import Clock
    from bot.guild_settings import GuildSettingsService
    from bot.scheduler import Scheduler
    from cogs.pairing.guilds import GuildStore
    from cogs.pairing.reminders import ReminderStore

# Scheduler handlers: jobs name one and carry plain ids and ISO times.
ROUND_HANDLER = "pairing.round"
NOTICE_HANDLER = "pairing.notice"
REMINDER_HANDLER = "pairing.reminders"
QUEUE_SWEEP_HANDLER = "pairing.queue_sweep"
RESYNC_HANDLER = "pairing.resync"

# A round missed while the bot was down runs late if the bot is back within this window.
LATE_ROUND_GRACE = timedelta(hours=6)
# A notice whose time has passed when its job is (re)built goes out this long after.
NOTICE_LATE_DELAY = timedelta(minutes=1)
# Several processes share the database (issue 8): each one keeps a round job for every guild
# and re-reads the schedules this often (a schedule set through another process).
RESYNC_SECONDS = 60


def round_job_id(guild_id: int) -> str:
    return f"pairing:round:{guild_id}"


def notice_job_id(guild_id: int) -> str:
    return f"pairing:notice:{guild_id}"


def reminder_job_id(guild_id: int) -> str:
    return f"pairing:reminder:{guild_id}"


class RoundSchedule:
    def __init__(
        self,
        guild_settings: GuildSettingsService,
        clock: Clock,
        scheduler: Scheduler,
        guilds: GuildStore,
        reminders: ReminderStore,
    ) -> None:
        self._guild_settings = guild_settings
        self._clock = clock
        self._scheduler = scheduler
        self._guilds = guilds
        self._reminders = reminders

    async def round_trigger(self, guild_id: int) -> tuple[BaseTrigger, str, str]:
        return await self._trigger(guild_id, await self._guilds.schedule_timezone(guild_id))

    async def _trigger(
        self, guild_id: int, schedule_timezone: str | None
    ) -> tuple[BaseTrigger, str, str]:
        config = await self._guild_settings.get(guild_id)
        cron = str(config.get(SCHEDULE))
        zone = schedule_timezone or str(config.get("timezone"))
        return crontab_trigger(cron, zone), cron, zone

    async def next_round_at(self, guild_id: int, after: datetime | None = None) -> datetime | None:
        trigger, cron, _ = await self.round_trigger(guild_id)
        return self._next_fire(trigger, cron, after)

    async def next_round_in(self, guild_id: int, schedule_timezone: str | None) -> datetime | None:
        """As `next_round_at` from now, when the caller has already read the schedule's own
        time zone (None: the guild's), as `/pair status` has."""
        trigger, cron, _ = await self._trigger(guild_id, schedule_timezone)
        return self._next_fire(trigger, cron, None)

    def _next_fire(
        self, trigger: BaseTrigger, cron: str, after: datetime | None
    ) -> datetime | None:
        if not ever_fires(cron):
            return None  # stored before such schedules were refused; the search would not end
        now = after or self._clock.now()
        return next_fire_time(trigger, now + timedelta(seconds=1))

    async def missed_round(self, guild_id: int) -> datetime | None:
        """The round that was due within LATE_ROUND_GRACE before now, if any: at start, one
        missed while the bot was down."""
        trigger, cron, _ = await self.round_trigger(guild_id)
        now = self._clock.now()
        missed: datetime | None = (
            trigger.get_next_fire_time(None, now - LATE_ROUND_GRACE) if ever_fires(cron) else None
        )
        return missed if missed is not None and missed <= now else None

    async def schedule_guild(self, guild_id: int) -> datetime | None:
        """(Re)build the guild's round job and its notice's from the settings; when the round
        fires next, if ever."""
        upcoming = await self.next_round_at(guild_id, self._clock.now())
        if upcoming is None:
            self._scheduler.cancel(round_job_id(guild_id))
            self._scheduler.cancel(notice_job_id(guild_id))
            return None
        self._scheduler.schedule_at(
            round_job_id(guild_id), upcoming, ROUND_HANDLER, guild_id, upcoming.isoformat()
        )
        await self._schedule_notice(guild_id, upcoming)
        return upcoming

    async def _schedule_notice(self, guild_id: int, round_at: datetime) -> None:
        """The notice of the round at `round_at`, `pairing.notice_hours` ahead (0: none).

        When that time has passed (the bot started, the schedule changed or a member joined
        inside the window) the notice goes out NOTICE_LATE_DELAY from now: after the command
        that got here has answered, never racing it. The notice's claim keeps it to one post
        per round however often the job is rebuilt.
        """
        hours = int((await self._guild_settings.get(guild_id)).get(NOTICE_HOURS))
        if hours <= 0:
            self._scheduler.cancel(notice_job_id(guild_id))
            return
        due = max(round_at - timedelta(hours=hours), self._clock.now() + NOTICE_LATE_DELAY)
        self._scheduler.schedule_at(
            notice_job_id(guild_id), due, NOTICE_HANDLER, guild_id, round_at.isoformat()
        )

    async def still_scheduled(self, guild_id: int, scheduled_for: datetime) -> bool:
        """Whether the guild's current schedule fires at `scheduled_for` (read fresh: another
        process may have changed it since this job was made)."""
        self._guild_settings.forget_cache(guild_id)
        trigger, _, _ = await self.round_trigger(guild_id)
        fire = trigger.get_next_fire_time(None, scheduled_for - timedelta(seconds=1))
        return bool(fire == scheduled_for)

    def schedule_reminder_job(self, guild_id: int, round_id: int, due: datetime) -> None:
        self._scheduler.schedule_at(
            reminder_job_id(guild_id), due, REMINDER_HANDLER, guild_id, round_id, due.isoformat()
        )

    async def resync_schedules(self) -> int:
        """Follow schedules changed through another process; return how many jobs moved.

        The settings event reaches only the process that handled the command; the others see
        the change here, within RESYNC_SECONDS plus the settings cache's lifetime. A job left
        on an old time meanwhile is harmless: the round flow checks the time still matches
        the schedule before it claims anything.
        """
        moved = 0
        for guild_id in await self._guilds.scheduled_guilds():
            upcoming = await self.next_round_at(guild_id)
            if upcoming != self._scheduler.next_run(round_job_id(guild_id)):
                await self.schedule_guild(guild_id)
                moved += 1
        # Reminders of a round another process ran (that process may be down when they are due).
        now = self._clock.now()
        for guild_id, round_id, due in await self._reminders.pending_reminders():
            if due > now and self._scheduler.next_run(reminder_job_id(guild_id)) is None:
                self.schedule_reminder_job(guild_id, round_id, due)
        return moved
