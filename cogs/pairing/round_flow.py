"""A pairing round: claimed first, so it runs once across processes; then matched, stored and
published, and whoever it could not match or paused is told. A round or reminder missed while
the bot was down runs late, and a round's reminders are sent once when they are due."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.formatters import discord_timestamp
from cogs.pairing.records import LeftOut
from cogs.pairing.round_model import ALONE
from cogs.pairing.rules import PairingError, TooFewToPair
from cogs.pairing.settings import MODE
from cogs.pairing.topics import suggest_topic

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from bot.app import NexusBot
    from cogs.pairing.guilds import GuildStore
    from cogs.pairing.introductions import Introducer
    from cogs.pairing.member_notices import MemberNotices
    from cogs.pairing.publish_flow import Publisher
    from cogs.pairing.records import IsEligible, RoundSummary
    from cogs.pairing.reminders import ReminderStore
    from cogs.pairing.rounds import RoundStore
    from cogs.pairing.schedule_flow import RoundSchedule

log = logging.getLogger(__name__)

ROUND_KIND = "pair_round"
REMINDER_KIND = "pair_reminder"
# Every process keeps a round job for every guild (schedule_flow.py), and runs a round of a
# guild whose shard it does not run only after this delay, so that the process holding the
# guild's gateway cache normally claims it first and this one takes over only when that
# process is down (the claim keeps the round to once either way).
FAILOVER_DELAY = timedelta(seconds=5)


class RoundFlow:
    def __init__(
        self,
        bot: NexusBot,
        *,
        rounds: RoundStore,
        reminders: ReminderStore,
        guilds: GuildStore,
        schedule: RoundSchedule,
        publisher: Publisher,
        introducer: Introducer,
        notices: MemberNotices,
    ) -> None:
        self.bot = bot
        self.rounds = rounds
        self.reminders = reminders
        self.guilds = guilds
        self.schedule = schedule
        self.publisher = publisher
        self.introducer = introducer
        self.notices = notices
        self._tasks: set[asyncio.Task[object]] = set()

    # ---- at start, and late runs -------------------------------------------------------------

    async def catch_up(self) -> None:
        """Build every guild's round job and reminders' job at start.

        A round missed while the bot was down runs late if it was due within the schedule's
        LATE_ROUND_GRACE; its claim makes that a no-op when it had already run.
        """
        for guild_id in await self.guilds.scheduled_guilds():
            missed = await self.schedule.missed_round(guild_id)
            if missed is not None:
                self._background(
                    self._late_round(guild_id, missed), f"pairing-late-round-{guild_id}"
                )
            await self.schedule.schedule_guild(guild_id)
        for guild_id, round_id, due in await self.reminders.pending_reminders():
            self.schedule_reminder(guild_id, round_id, due)

    def cancel_background(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _late_round(self, guild_id: int, scheduled_for: datetime) -> None:
        await self.bot.wait_until_ready()
        await self.scheduled_round(guild_id, scheduled_for, reschedule=False)

    def _background(self, coroutine: Coroutine[Any, Any, object], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        # Keep a reference until done: the event loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def schedule_reminder(self, guild_id: int, round_id: int, due: datetime) -> None:
        if due <= self.bot.clock.now():
            # Due while the bot was down: send it now (its claim keeps it to once).
            self._background(self._late_reminders(guild_id, round_id, due), "pairing-reminder")
            return
        self.schedule.schedule_reminder_job(guild_id, round_id, due)

    async def _late_reminders(self, guild_id: int, round_id: int, due: datetime) -> None:
        await self.bot.wait_until_ready()
        await self.send_reminders(guild_id, round_id, due)

    # ---- a round -------------------------------------------------------------------------------

    async def scheduled_round(
        self, guild_id: int, scheduled_for: datetime, *, reschedule: bool = True
    ) -> RoundSummary | None:
        """A round firing from the schedule: claimed first, so it runs once across processes.

        Every process has a job for every guild. One that does not run the guild's shard waits
        FAILOVER_DELAY (the guild's own process normally claims it meanwhile), then works over
        REST: it still runs the round when that process is down.
        """
        try:
            if not await self.schedule.still_scheduled(guild_id, scheduled_for):
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
                await self.schedule.schedule_guild(guild_id)

    async def _already_claimed(self, guild_id: int, scheduled_for: datetime) -> bool:
        return await self.bot.occurrences.is_claimed(ROUND_KIND, str(guild_id), scheduled_for)

    async def mode(self, guild_id: int) -> str:
        """The guild's `pairing.mode`: who its rounds prefer to pair."""
        return str((await self.bot.guild_settings.get(guild_id)).get(MODE))

    async def execute_round(
        self, guild: discord.Guild, scheduled_for: datetime, *, trigger: str, actor: int | None
    ) -> RoundSummary | None:
        """Claim, match, store, then post. None when another process owns this occurrence."""
        async with self.bot.occurrences.occurrence(ROUND_KIND, str(guild.id), scheduled_for) as run:
            if not run.claimed:
                return None
            try:
                summary = await self.rounds.run_round(
                    guild.id,
                    self.eligibility(guild),
                    scheduled_for=scheduled_for,
                    trigger=trigger,
                    started_by=actor,
                    next_round_at=await self.schedule.next_round_at(
                        guild.id, max(scheduled_for, self.bot.clock.now())
                    ),
                    topic_for=lambda group: suggest_topic(
                        group, lambda: self._open_topics(guild.id)
                    ),
                    mode=await self.mode(guild.id),
                )
            except PairingError as error:
                if trigger == "manual":
                    # A moderator's refused request consumed no scheduled occurrence: nothing
                    # of it stays, and asking again in the same second works.
                    run.release()
                else:
                    run.skip(error.message)
                    if isinstance(error, TooFewToPair):
                        alone = [LeftOut(user_id, ALONE) for user_id in error.available]
                        await self.notices.left_out(guild, None, alone)
                raise
            # Stored but maybe not fully posted: should posting fail, the claim says so.
            run.result = f"round {summary.number} stored; posting failed"
            summary = await self.publisher.publish_round(guild, summary)
            await self.notices.left_out(guild, summary.number, summary.left_out)
            await self.notices.paused(guild, summary.paused)
            run.result = f"round {summary.number}: {len(summary.groups)} groups"
        if summary.reminder_due is not None:
            self.schedule_reminder(guild.id, summary.id, summary.reminder_due)
        return summary

    async def send_reminders(self, guild_id: int, round_id: int, due: datetime) -> int:
        async with self.bot.occurrences.occurrence(REMINDER_KIND, str(round_id), due) as run:
            if not run.claimed:
                return 0
            groups = await self.reminders.due_reminders(round_id)
            upcoming = await self.schedule.next_round_at(guild_id)
            next_text = discord_timestamp(upcoming, "R") if upcoming else "soon"
            reminded = [g.id for g in groups if await self.introducer.remind(g, next_text)]
            await self.reminders.mark_reminded(reminded)
            run.result = f"{len(reminded)}"
        return len(reminded)

    # ---- who is matched, and on what -----------------------------------------------------------

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

    async def _open_topics(self, guild_id: int) -> list[str]:
        """The open topics of the first other feature that has some."""
        for feature in self.bot.features:
            if feature.feature == "pairing":
                continue
            try:
                topics = await feature.open_topics(guild_id, 5)
            except Exception:
                log.exception("open_topics of %s failed", feature.feature)
                continue
            if topics:
                return topics
        return []
