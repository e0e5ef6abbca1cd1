"""The in-process dispatcher: posts each due announcement occurrence once, on time.

It takes what falls due from the due heap (due_heap.py), decides with the occurrence plan
(occurrence_plan.py), claims through the claims table (claims.py), posts through the injected
poster and tells moderators through the injected notifier. Next runs are computed only when an
occurrence is claimed, by the same DST rules as everywhere (`schedule.Recurrence`).

One batch, in order:
1. pop every heap entry due at `now`; read those rows (one query);
2. plan each: on time → post; missed while down → the runs collapse into the latest one, then
   `post_late` (within the grace window, marked delayed) or `skip`;
3. **claim** in one transaction, advancing `next_run_at` of the claimed rows;
4. post the claimed occurrences concurrently;
5. record message ids (or failures) in one transaction.

A deleted channel or a missing permission marks the announcement `failed` (no retries until a
moderator resumes it); other Discord errors fail that occurrence only, and the schedule goes
on. A 429 (rate limited: nothing was posted) is the one error that is retried, a bounded number
of times, with every post of the dispatcher pausing as advised (pacing.py).

Several processes may share one database (sharded bots, issue 8). Every process schedules and
may post *every* guild's occurrences, not only its own shards': posting is one REST call that
needs no gateway cache, so when one process is down the others still post its guilds' runs, and
the unique claim row lets exactly one process post each occurrence; each heap's periodic
refresh (every REFRESH_EVERY) learns of rows the other processes wrote.

Tests drive it without sleeping: `await dispatcher.run_due(now)` runs every due occurrence and
returns when they are posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from bot.sql import as_utc
from cogs.announcements.claims import OccurrenceClaims
from cogs.announcements.due_heap import DueHeap
from cogs.announcements.models import Status
from cogs.announcements.occurrence_plan import Action, Plan, plan_occurrence
from cogs.announcements.pacing import Poster, PostPacer
from cogs.announcements.records import BatchReport, Delivery, PostResult
from cogs.announcements.render import SENT_THIS_MOMENT, failure_notice, unknown_run_notice
from cogs.announcements.schedule import recurrence_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock
    from cogs.announcements.records import AnnouncementInfo

log = logging.getLogger(__name__)

# The sleeper re-reads the clock at least this often (bounded drift, periodic sweeps).
MAX_SLEEP_SECONDS: Final = 30.0
SWEEP_EVERY: Final = timedelta(minutes=1)
# After a failed claim transaction (database unavailable), the batch is retried this much later.
CLAIM_RETRY: Final = timedelta(seconds=5)
# How often the heap re-reads the rows due soon (rows created or moved earlier by another
# process); due_heap.REFRESH_HORIZON is longer, so nothing falls due unseen.
REFRESH_EVERY: Final = timedelta(seconds=5)

# Tells a guild's moderators something in its announcements channel (when there is one).
Notifier = Callable[[int, str], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        clock: Clock,
        poster: Poster,
        notifier: Notifier,
        *,
        grace: timedelta,
        dialect: str,
        count_runs: Callable[[str, int], None] | None = None,
        refresh_every: timedelta = REFRESH_EVERY,
    ) -> None:
        self._clock = clock
        self._poster = poster
        self._notifier = notifier
        self._grace = grace
        # Counts outcomes (posted, skipped, failed, taken) for the bot's metrics.
        self._count_runs = count_runs
        self._refresh_every = refresh_every
        self._last_refresh: datetime | None = None
        self._due = DueHeap(sessions)
        self.claims = OccurrenceClaims(sessions, audit, dialect=dialect)
        self._inflight: set[asyncio.Task[BatchReport]] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_sweep: datetime | None = None
        self._pacer = PostPacer()
        self.started = asyncio.Event()

    # ---- the heap ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._due)

    def track(self, info: AnnouncementInfo) -> None:
        """Follow an announcement's current state (after create, edit, pause, resume …)."""
        self._due.track(info)

    def next_due(self) -> datetime | None:
        return self._due.next_due()

    async def rebuild(self) -> int:
        """Load every active announcement's stored next run; return how many."""
        return await self._due.rebuild()

    async def refresh(self, now: datetime) -> int:
        """Learn of rows due soon that the heap has not got (see `DueHeap.refresh`)."""
        return await self._due.refresh(now)

    # ---- running ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._main(), name="announcements-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=10)

    async def _main(self) -> None:
        try:
            count = await self.rebuild()
            log.info("announcements: %d scheduled", count)
            now = self._clock.now()
            await self.sweep_stale_claims(now)
            # Whatever fell due while the bot was down, before anything else.
            await self.run_due(now)
        except Exception:
            log.exception("announcements: start-up catch-up failed")
        finally:
            self.started.set()
        while True:
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep dispatching whatever one batch did
                log.exception("announcements: dispatcher tick failed")
                await asyncio.sleep(1)

    async def _tick(self) -> None:
        now = self._clock.now()
        due = self._due.pop_due(now)
        if due:
            self._spawn(self._process(due, now))
        if self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY:
            self._last_sweep = now
            self._spawn(self.sweep_stale_claims(now))
        if self._last_refresh is None or now - self._last_refresh >= self._refresh_every:
            self._last_refresh = now
            self._spawn(self.refresh(now))
        head = self.next_due()
        timeout = min(MAX_SLEEP_SECONDS, self._refresh_every.total_seconds())
        if head is not None:
            timeout = max(0.0, min(timeout, (head - self._clock.now()).total_seconds()))
        self._due.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._due.wake.wait(), timeout)

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def run() -> BatchReport:
            result = await work
            return result if isinstance(result, BatchReport) else BatchReport()

        task = asyncio.create_task(run())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def run_due(self, now: datetime | None = None) -> BatchReport:
        """Post everything due at `now` (default: the clock's now) and wait until done."""
        moment = now or self._clock.now()
        report = await self._process(self._due.pop_due(moment), moment)
        if self._inflight:
            for other in await asyncio.gather(*list(self._inflight), return_exceptions=True):
                if isinstance(other, BatchReport):
                    report.merge(other)
        return report

    async def claim_due(self, now: datetime) -> list[Delivery]:
        """Steps 1–3 only: claim what is due and return it unposted (tests simulate a crash)."""
        deliveries, _ = await self._claim(self._due.pop_due(now), now)
        return deliveries

    async def _process(self, announcement_ids: list[int], now: datetime) -> BatchReport:
        """Claim the whole batch in one transaction, then post it.

        (Claiming in chunks while earlier chunks post was measured slower: the posts keep the
        event loop busy and every database round trip of the later claims waits behind them.)
        """
        started = time.perf_counter()
        self._due.claiming.update(announcement_ids)
        try:
            deliveries, report = await self._claim(announcement_ids, now)
        except Exception:
            # Nothing was claimed (the transaction rolled back): try these again shortly
            # rather than dropping them from the heap until the next restart.
            log.exception("announcements: claiming %d due runs failed", len(announcement_ids))
            retry_at = self._clock.now() + CLAIM_RETRY
            for announcement_id in announcement_ids:
                self._due.schedule(announcement_id, retry_at)
            return BatchReport()
        finally:
            self._due.claiming.difference_update(announcement_ids)
        claimed_after = time.perf_counter() - started
        report.merge(await self.deliver(deliveries, now))
        if self._count_runs is not None:
            for outcome, ids in (
                ("posted", report.posted),
                ("skipped", report.skipped),
                ("failed", report.failed),
                ("taken", report.taken),
            ):
                if ids:
                    self._count_runs(outcome, len(ids))
        if announcement_ids:
            log.info(
                "announcements: batch of %d due at %s: claimed in %.3f s, done in %.3f s "
                "(%d posted, %d skipped, %d failed, %d taken elsewhere)",
                len(announcement_ids),
                now.isoformat(timespec="seconds"),
                claimed_after,
                time.perf_counter() - started,
                len(report.posted),
                len(report.skipped),
                len(report.failed),
                len(report.taken),
            )
        return report

    # ---- claim ------------------------------------------------------------------------------

    async def _claim(
        self, announcement_ids: list[int], now: datetime
    ) -> tuple[list[Delivery], BatchReport]:
        rows = await self.claims.load(announcement_ids)
        plans: list[Plan] = []
        by_id: dict[int, Any] = {}
        for row in rows:
            if row.status != Status.ACTIVE or row.next_run_at is None:
                continue
            if row.next_run_at > now:  # moved by an edit elsewhere: follow the table
                self._due.schedule(row.id, row.next_run_at)
                continue
            recurrence = recurrence_of(row.repeat, row.cron, row.timezone, row.anchor_local)
            plans.append(
                plan_occurrence(
                    row.id,
                    recurrence,
                    next_run_at=row.next_run_at,
                    missed=row.missed,
                    now=now,
                    grace=self._grace,
                )
            )
            by_id[row.id] = row
        report = BatchReport()
        claimed = await self.claims.insert(plans, by_id, now)
        deliveries: list[Delivery] = []
        for plan in plans:
            due_stamp = as_utc(by_id[plan.announcement_id].next_run_at).timestamp()
            self._due.settled[plan.announcement_id] = due_stamp
            if plan.next_run_at is not None:
                self._due.schedule(plan.announcement_id, plan.next_run_at)
            occurrence_id = claimed.get(plan.announcement_id)
            if occurrence_id is None:
                report.taken.append(plan.announcement_id)
            elif plan.action is Action.SKIP:
                report.skipped.append(plan.announcement_id)
            else:
                row = by_id[plan.announcement_id]
                deliveries.append(
                    Delivery(
                        occurrence_id,
                        row.id,
                        row.guild_id,
                        row.channel_id,
                        plan.scheduled_for,
                        row.title,
                        row.body,
                        row.ping_role_id,
                        delayed=plan.delayed,
                        event=row.event,
                        event_id=row.event_id,
                        ping_interested=row.ping_interested,
                    )
                )
        return deliveries, report

    # ---- post and record ----------------------------------------------------------------------

    async def deliver(self, deliveries: list[Delivery], now: datetime) -> BatchReport:
        """Post claimed occurrences concurrently, then record the outcome in one transaction."""
        report = BatchReport()
        if not deliveries:
            return report
        results = await asyncio.gather(*(self._post_one(d) for d in deliveries))
        await self._record(list(zip(deliveries, results, strict=True)))
        for delivery, result in zip(deliveries, results, strict=True):
            if result.message_id is not None:
                report.posted.append(delivery.occurrence_id)
            else:
                report.failed.append(delivery.announcement_id)
        await self._tell_failures(
            [(d, r) for d, r in zip(deliveries, results, strict=True) if r.message_id is None]
        )
        return report

    async def _post_one(self, delivery: Delivery) -> PostResult:
        # The poster is read at each post: a benchmark swaps in a timed one on a running bot.
        return await self._pacer.post(self._poster, delivery)

    async def _record(self, outcomes: list[tuple[Delivery, PostResult]]) -> None:
        await self.claims.record(outcomes, self._clock.now())
        for d, r in outcomes:
            if r.message_id is None and r.permanent:
                self._due.unschedule(d.announcement_id)

    async def _tell_failures(self, failures: Iterable[tuple[Delivery, PostResult]]) -> None:
        for delivery, result in failures:
            await self._notify(delivery.guild_id, failure_notice(delivery, result))

    async def _notify(self, guild_id: int, text: str) -> None:
        try:
            await self._notifier(guild_id, text)
        except Exception:
            log.exception("announcements: could not tell guild %s's moderators", guild_id)

    # ---- claims left behind -----------------------------------------------------------------

    async def sweep_stale_claims(self, now: datetime) -> int:
        """Claims a stopped dispatcher left: marked unknown, moderators told, never reposted."""
        stale = await self.claims.sweep_stale(now)
        for guild_id, announcement_id, scheduled_for in stale:
            await self._notify(guild_id, unknown_run_notice(announcement_id, scheduled_for))
        return len(stale)

    # ---- posting on demand -------------------------------------------------------------------

    async def send_now(self, info: AnnouncementInfo, now: datetime) -> PostResult:
        """`/announce send`: a manual occurrence, claimed, posted and recorded like the others.

        Another send (or a run) that claimed this announcement at this very moment posts it; this
        one then posts nothing and says so.
        """
        occurrence_id = await self.claims.claim_manual(info, now)
        if occurrence_id is None:
            return PostResult(None, error=SENT_THIS_MOMENT)
        delivery = Delivery(
            occurrence_id,
            info.id,
            info.guild_id,
            info.channel_id,
            now,
            info.title,
            info.body,
            info.ping_role_id,
            manual=True,
            event_id=info.event_id,
            ping_interested=info.ping_interested,
        )
        result = await self._post_one(delivery)
        await self._record([(delivery, result)])
        return result
