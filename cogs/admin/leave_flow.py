"""The automatic forget after a member leaves a guild that forgets leavers: plan it when they
leave, drop it when they come back, and carry it out once when it is due."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from cogs.admin.forget import PENDING_REMOVED, ForgetOutcome, ForgetService
from cogs.admin.pending_forgets import PendingForgetPlan, PendingForgets
from cogs.admin.rules import NothingToForget

if TYPE_CHECKING:
    from bot.app import NexusBot

log = logging.getLogger(__name__)

FORGET_KIND = "admin.forget"
FORGET_HANDLER = "admin.forget"
FORGET_RETRY = timedelta(hours=1)
# A plan's job id names only the guild and the member; any due time finds the job.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ForgetOnLeave:
    def __init__(self, bot: NexusBot, pending: PendingForgets, forgetter: ForgetService) -> None:
        self.bot = bot
        self.pending = pending
        self.forgetter = forgetter

    async def start(self) -> None:
        """Take the scheduler's handler and queue every stored plan."""
        self.bot.scheduler.handle(FORGET_HANDLER, self._forget_job)
        for plan in await self.pending.plans():
            self.schedule(plan)

    async def stop(self) -> None:
        for plan in await self.pending.plans():
            self.bot.scheduler.cancel(plan.job_id)
        self.bot.scheduler.unhandle(FORGET_HANDLER)

    async def member_left(self, guild_id: int, user_id: int) -> None:
        config = await self.bot.guild_settings.get(guild_id)
        if not config.get("privacy.forget_on_leave"):
            return
        delay = timedelta(days=int(config.get("privacy.forget_delay_days")))
        due_at = await self.pending.schedule(guild_id, user_id, self.bot.clock.now(), delay)
        self.schedule(PendingForgetPlan(guild_id, user_id, due_at))
        log.info("member %s left guild %s: forget due %s", user_id, guild_id, due_at)

    async def member_returned(self, guild_id: int, user_id: int) -> None:
        if await self.pending.cancel(guild_id, user_id):
            self.unschedule(guild_id, user_id)
            log.info("member %s rejoined guild %s: forget cancelled", user_id, guild_id)

    def unschedule(self, guild_id: int, user_id: int) -> None:
        self.bot.scheduler.cancel(PendingForgetPlan(guild_id, user_id, _EPOCH).job_id)

    def schedule(self, plan: PendingForgetPlan) -> None:
        """Queue the job; a forget already due (it came due while the bot was down) runs now."""
        self.bot.scheduler.schedule_at(
            plan.job_id, plan.due_at, FORGET_HANDLER, plan.guild_id, plan.user_id
        )

    async def _forget_job(self, guild_id: int, user_id: int) -> None:
        try:
            await self.forget_if_due(guild_id, user_id)
        except Exception:
            log.exception("automatic forget of %s in guild %s failed", user_id, guild_id)

    async def forget_if_due(self, guild_id: int, user_id: int) -> ForgetOutcome | None:
        """Run one pending forget: once (claimed), only when due, and only if the guild still
        forgets leavers and the member has not come back. A failure is retried an hour later
        (a new occurrence), so a crash never loses the forget."""
        await self.bot.wait_until_ready()
        plan = await self.pending.plan_for(guild_id, user_id)
        if plan is None:
            return None
        if plan.due_at > self.bot.clock.now():
            self.schedule(plan)
            return None
        config = await self.bot.guild_settings.get(guild_id)
        guild = self.bot.get_guild(guild_id)
        back = guild is not None and guild.get_member(user_id) is not None
        if back or not config.get("privacy.forget_on_leave"):
            await self.pending.cancel(guild_id, user_id)
            return None
        async with self.bot.occurrences.occurrence(FORGET_KIND, plan.item_key, plan.due_at) as run:
            if not run.claimed:
                return None
            try:
                outcome = await self._forget_left_member(plan)
            except Exception:
                await self._retry_later(plan)
                raise
            run.result = json.dumps(outcome.removed)[:200]
        if outcome.failed:
            await self._retry_later(plan)
        return outcome

    async def _forget_left_member(self, plan: PendingForgetPlan) -> ForgetOutcome:
        try:
            outcome = await self.forgetter.forget_member(
                plan.guild_id, plan.user_id, self.bot.features
            )
        except NothingToForget:
            outcome = ForgetOutcome({})
        # The pending row itself is the plan being carried out, not the member's data.
        removed = {k: v for k, v in outcome.removed.items() if k != PENDING_REMOVED}
        outcome = ForgetOutcome(removed, outcome.failed)
        await self.bot.audit.record(
            plan.guild_id, None, "admin.forget.auto", str(plan.user_id),
            {"removed": outcome.removed, "failed": list(outcome.failed)},
        )  # fmt: skip
        return outcome

    async def _retry_later(self, plan: PendingForgetPlan) -> None:
        retry_at = self.bot.clock.now() + FORGET_RETRY
        await self.pending.reschedule(plan.guild_id, plan.user_id, retry_at)
        self.schedule(PendingForgetPlan(plan.guild_id, plan.user_id, retry_at))
