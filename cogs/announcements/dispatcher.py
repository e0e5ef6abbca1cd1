"""The in-process dispatcher: posts each due announcement occurrence once, on time.

Why a heap and not one APScheduler job per announcement (../shared/notes/apscheduler.md): the
table's `next_run_at` already is the schedule, so the dispatcher only needs "what is due
next". A heap of (next_run_at, id) rebuilds from one indexed query (10,000 rows in well under
a second, a few MB) where APScheduler builds a trigger and a job per row (1.5 s, ~90 MB), and
one sleeper task wakes once for everything due in the same instant, so 1,000 announcements due
at 09:00 are claimed in *one* transaction instead of 1,000 (the per-firing database work was
86–97 % of APScheduler's lateness). Next runs are computed only when an occurrence is claimed,
by the same DST rules as everywhere (`schedule.Recurrence`).

One batch, in order:
1. pop every heap entry due at `now`; read those rows (one query);
2. plan each: on time → post; missed while down → the runs collapse into the latest one, then
   `post_late` (within the grace window, marked delayed) or `skip`;
3. **claim** in one transaction: insert (announcement, scheduled_for) rows — the unique key lets
   exactly one dispatcher, in any process, own an occurrence — and, in the same transaction,
   advance `next_run_at` of the claimed rows;
4. post the claimed occurrences concurrently;
5. record message ids (or failures) in one transaction.

A crash between 3 and 5 leaves a `claimed` row and an already-advanced `next_run_at`: the
occurrence is never posted again. The stale-claim sweep later marks it `unknown` and tells the
moderators (audit log + announcements channel) that it may not have been posted, so they can
`/announce send` it by hand. A deleted channel or a missing permission marks the announcement
`failed` (no retries until a moderator resumes it); other Discord errors fail that occurrence
only, and the schedule goes on. A 429 (rate limited: nothing was posted) is the one error that
is retried, a bounded number of times, with every post of the dispatcher pausing as advised.

Several processes may share one database (sharded bots, issue 8). Every process schedules and
may post *every* guild's occurrences, not only its own shards': posting is one REST call that
needs no gateway cache, so when one process is down the others still post its guilds' runs, and
the unique claim row lets exactly one process post each occurrence. Each heap learns of rows
another process created or moved earlier by a periodic **refresh** (`refresh`, every
REFRESH_EVERY): one index range scan on (status, next_run_at) reading only the rows due before
`now + REFRESH_HORIZON`. Why only those: a heap entry that is merely stale (paused, cancelled,
moved later elsewhere) corrects itself when it pops, because `_claim` re-reads the row; what
a heap can miss is a row it has never seen or one moved *earlier*, and such a row matters only
once it is near. Since the horizon is longer than the refresh period, every row is in the heap
before it falls due; the read is bounded by how many rows fall due within the horizon, not by
the table (measured: bench/announcements_refresh.py).

Tests drive it without sleeping: `await dispatcher.run_due(now)` runs every due occurrence and
returns when they are posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.scheduler import PROCESS_ID
from cogs.announcements.models import (
    Announcement,
    AnnouncementOccurrence,
    MissedPolicy,
    OccurrenceStatus,
    Status,
)
from cogs.announcements.schedule import Recurrence, recurrence_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock
    from cogs.announcements.service import AnnouncementInfo

log = logging.getLogger(__name__)

# The tables as Core objects: the batch statements below run without ORM overhead.
OCCURRENCES = cast(Table, AnnouncementOccurrence.__table__)
ANNOUNCEMENTS = cast(Table, Announcement.__table__)

# Later than this, a run counts as missed (the bot was down) rather than merely a bit slow.
ON_TIME: Final = timedelta(seconds=60)
# A claim still unfinished after this long belongs to a dispatcher that stopped mid-post.
STALE_CLAIM_AFTER: Final = timedelta(minutes=2)
# The sleeper re-reads the clock at least this often (bounded drift, periodic sweeps).
MAX_SLEEP_SECONDS: Final = 30.0
SWEEP_EVERY: Final = timedelta(minutes=1)
# Rows per statement: well under SQLite's bound-parameter limit.
CHUNK: Final = 400
MAX_CONCURRENT_POSTS: Final = 64
# Rate-limited (429) posts are tried again, this many times in all, waiting at most this long.
RATE_LIMIT_ATTEMPTS: Final = 20
MAX_RATE_LIMIT_WAIT: Final = 60.0
# After a failed claim transaction (database unavailable), the batch is retried this much later.
CLAIM_RETRY: Final = timedelta(seconds=5)
# How often the heap re-reads the rows due soon (rows created or moved earlier by another
# process), and how far ahead it reads: longer than the period, so nothing falls due unseen.
REFRESH_EVERY: Final = timedelta(seconds=5)
REFRESH_HORIZON: Final = timedelta(minutes=2)


@dataclass(frozen=True)
class Delivery:
    """One occurrence to post, with everything the poster needs."""

    occurrence_id: int
    announcement_id: int
    guild_id: int
    channel_id: int
    scheduled_for: datetime
    title: str | None
    body: str
    ping_role_id: int | None
    delayed: bool = False
    manual: bool = False


@dataclass(frozen=True)
class PostResult:
    message_id: int | None
    error: str | None = None
    # True when retrying cannot help (channel gone, permission missing): the announcement fails.
    permanent: bool = False
    # Set when Discord answered 429 (nothing was posted): seconds to wait before trying again.
    retry_after: float | None = None


# Why a send posted nothing: its moment was claimed already (the unique occurrence row).
SENT_THIS_MOMENT: Final = "it was just posted at this same moment, and is never posted twice"

Poster = Callable[[Delivery], Awaitable[PostResult]]
# Tells a guild's moderators something in its announcements channel (when there is one).
Notifier = Callable[[int, str], Awaitable[None]]


class Action(StrEnum):
    POST = "post"
    SKIP = "skip"


@dataclass(frozen=True)
class Plan:
    announcement_id: int
    scheduled_for: datetime
    action: Action
    delayed: bool
    next_run_at: datetime | None


@dataclass
class BatchReport:
    posted: list[int] = field(default_factory=list)  # occurrence ids
    skipped: list[int] = field(default_factory=list)  # announcement ids
    failed: list[int] = field(default_factory=list)  # announcement ids
    taken: list[int] = field(default_factory=list)  # announcement ids claimed elsewhere

    def merge(self, other: BatchReport) -> None:
        self.posted += other.posted
        self.skipped += other.skipped
        self.failed += other.failed
        self.taken += other.taken


def plan_occurrence(
    announcement_id: int,
    recurrence: Recurrence,
    *,
    next_run_at: datetime,
    missed: str,
    now: datetime,
    grace: timedelta,
) -> Plan:
    """What to do with a due announcement (pure, so the missed-run rules are unit tested)."""
    if now - next_run_at <= ON_TIME:
        return Plan(
            announcement_id,
            next_run_at,
            Action.POST,
            False,
            recurrence.next_after(next_run_at),
        )
    # Missed while the bot was down: only the latest run inside the grace window may be posted.
    window_start = now - grace
    first: datetime | None = next_run_at
    if next_run_at < window_start:
        first = recurrence.next_after(window_start - timedelta(microseconds=1))
    latest = None
    if first is not None and first <= now:
        latest = recurrence.latest_at_or_before(first, now)
    following = recurrence.next_after(now)
    if latest is not None and missed == MissedPolicy.POST_LATE:
        return Plan(announcement_id, latest, Action.POST, True, following)
    return Plan(announcement_id, latest or next_run_at, Action.SKIP, False, following)


def _insert_ignoring_duplicates(dialect: str) -> Any:
    # Dialect-specific: both SQLite and PostgreSQL have INSERT … ON CONFLICT DO NOTHING.
    table = OCCURRENCES
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
        self._sessions = sessions
        self._audit = audit
        self._clock = clock
        self._poster = poster
        self._notifier = notifier
        self._grace = grace
        self._dialect = dialect
        # Counts outcomes (posted, skipped, failed, taken) for the bot's metrics.
        self._count_runs = count_runs
        self._refresh_every = refresh_every
        self._last_refresh: datetime | None = None
        # What a refresh must not re-add: ids being claimed right now, and per id the latest
        # run this dispatcher has claimed or found taken (a refresh that read the row before
        # the claim's advance committed would otherwise schedule that run again).
        self._claiming: set[int] = set()
        self._settled: dict[int, float] = {}
        # Who owns a claim: the process, plus this dispatcher (two bots can share a process).
        self.claimer = f"{PROCESS_ID}:{uuid.uuid4().hex[:8]}"[:80]
        self._heap: list[tuple[float, int]] = []
        self._due: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[BatchReport]] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_sweep: datetime | None = None
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_POSTS)
        self._rate_limited_until = 0.0  # time.monotonic() before which no post is attempted
        # One writer at a time: SQLite lets a second writer wait in a sleeping busy handler,
        # which costs far more than queueing here (PostgreSQL would not mind either way).
        self._writing = asyncio.Lock()
        self.started = asyncio.Event()

    # ---- the heap ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, announcement_id: int, when: datetime) -> None:
        stamp = when.timestamp()
        if self._due.get(announcement_id) == stamp:
            return
        self._due[announcement_id] = stamp
        heapq.heappush(self._heap, (stamp, announcement_id))
        self._wake.set()

    def unschedule(self, announcement_id: int) -> None:
        # Lazy deletion: the heap entry stays and is ignored when popped.
        self._due.pop(announcement_id, None)

    def track(self, info: AnnouncementInfo) -> None:
        """Follow an announcement's current state (after create, edit, pause, resume …)."""
        if info.status == Status.ACTIVE and info.next_run_at is not None:
            self.schedule(info.id, info.next_run_at)
        else:
            self.unschedule(info.id)

    def next_due(self) -> datetime | None:
        self._drop_stale_heads()
        if not self._heap:
            return None
        return datetime.fromtimestamp(self._heap[0][0], tz=UTC)

    def _drop_stale_heads(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    def _pop_due(self, now: datetime) -> list[int]:
        limit = now.timestamp()
        popped: list[int] = []
        while self._heap and self._heap[0][0] <= limit:
            stamp, announcement_id = heapq.heappop(self._heap)
            if self._due.get(announcement_id) == stamp:
                del self._due[announcement_id]
                popped.append(announcement_id)
        return popped

    async def rebuild(self) -> int:
        """Load every active announcement's stored next run; return how many."""
        query = select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.next_run_at).where(
            ANNOUNCEMENTS.c.status == Status.ACTIVE, ANNOUNCEMENTS.c.next_run_at.is_not(None)
        )
        async with self._sessions() as session:
            connection = await session.connection()
            rows = (await connection.execute(query)).all()
        self._due = {int(i): _aware(when).timestamp() for i, when in rows if when is not None}
        self._heap = [(stamp, i) for i, stamp in self._due.items()]
        heapq.heapify(self._heap)
        self._wake.set()
        return len(self._due)

    async def refresh(self, now: datetime) -> int:
        """Learn of rows due before `now + REFRESH_HORIZON` that this heap has not got.

        Another process may have created an announcement, resumed it, or moved it earlier.
        Only earlier-or-missing entries are added: a later stored time than the heap's is left
        alone (the entry pops, `_claim` re-reads the row and follows it), which also keeps a
        refresh from undoing this process's own advance racing with it. Returns how many
        entries changed.
        """
        horizon = now + REFRESH_HORIZON
        query = select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.next_run_at).where(
            ANNOUNCEMENTS.c.status == Status.ACTIVE, ANNOUNCEMENTS.c.next_run_at <= horizon
        )
        async with self._sessions() as session:
            connection = await session.connection()
            rows = (await connection.execute(query)).all()
        changed = 0
        for row_id, when in rows:
            announcement_id, stamp = int(row_id), _aware(when).timestamp()
            if announcement_id in self._claiming or stamp <= self._settled.get(announcement_id, 0):
                continue
            known = self._due.get(announcement_id)
            if known is None or stamp < known:
                self.schedule(announcement_id, _aware(when))
                changed += 1
        # A settled run older than the horizon can no longer come back from a stale read.
        oldest = (now - REFRESH_HORIZON).timestamp()
        self._settled = {i: t for i, t in self._settled.items() if t >= oldest}
        return changed

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
        due = self._pop_due(now)
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
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

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
        report = await self._process(self._pop_due(moment), moment)
        if self._inflight:
            for other in await asyncio.gather(*list(self._inflight), return_exceptions=True):
                if isinstance(other, BatchReport):
                    report.merge(other)
        return report

    async def claim_due(self, now: datetime) -> list[Delivery]:
        """Steps 1–3 only: claim what is due and return it unposted (tests simulate a crash)."""
        deliveries, _ = await self._claim(self._pop_due(now), now)
        return deliveries

    async def _process(self, announcement_ids: list[int], now: datetime) -> BatchReport:
        """Claim the whole batch in one transaction, then post it.

        (Claiming in chunks while earlier chunks post was measured slower: the posts keep the
        event loop busy and every database round trip of the later claims waits behind them.)
        """
        started = time.perf_counter()
        self._claiming.update(announcement_ids)
        try:
            deliveries, report = await self._claim(announcement_ids, now)
        except Exception:
            # Nothing was claimed (the transaction rolled back): try these again shortly
            # rather than dropping them from the heap until the next restart.
            log.exception("announcements: claiming %d due runs failed", len(announcement_ids))
            retry_at = self._clock.now() + CLAIM_RETRY
            for announcement_id in announcement_ids:
                self.schedule(announcement_id, retry_at)
            return BatchReport()
        finally:
            self._claiming.difference_update(announcement_ids)
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
        rows = await self._load(announcement_ids)
        plans: list[Plan] = []
        by_id: dict[int, Any] = {}
        for row in rows:
            if row.status != Status.ACTIVE or row.next_run_at is None:
                continue
            if row.next_run_at > now:  # moved by an edit elsewhere: follow the table
                self.schedule(row.id, row.next_run_at)
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
        claimed = await self._insert_claims(plans, by_id, now)
        deliveries: list[Delivery] = []
        for plan in plans:
            due_stamp = _aware(by_id[plan.announcement_id].next_run_at).timestamp()
            self._settled[plan.announcement_id] = due_stamp
            if plan.next_run_at is not None:
                self.schedule(plan.announcement_id, plan.next_run_at)
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
                    )
                )
        return deliveries, report

    async def _load(self, announcement_ids: list[int]) -> list[Any]:
        """The due rows as plain Core rows (same attribute names, no ORM bookkeeping)."""
        rows: list[Any] = []
        async with self._sessions() as session:
            connection = await session.connection()
            for chunk in _chunks(announcement_ids):
                query = select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id.in_(chunk))
                rows.extend((await connection.execute(query)).all())
        return rows

    async def _insert_claims(
        self, plans: list[Plan], rows: dict[int, Any], now: datetime
    ) -> dict[int, int]:
        """One transaction: claim rows (duplicates ignored) + advance the claimed next runs."""
        if not plans:
            return {}
        claimed: dict[int, int] = {}
        table = OCCURRENCES
        values = [
            {
                "guild_id": rows[plan.announcement_id].guild_id,
                "announcement_id": plan.announcement_id,
                "scheduled_for": plan.scheduled_for,
                "claimed_at": now,
                "claimed_by": self.claimer,
                "status": OccurrenceStatus.CLAIMED
                if plan.action is Action.POST
                else OccurrenceStatus.SKIPPED,
                "delayed": plan.delayed,
                "manual": False,
            }
            for plan in plans
        ]
        # One statement, many parameter sets: SQLAlchemy batches them into multi-row INSERTs
        # ("insertmanyvalues") compiled once, and RETURNING names the rows that were inserted.
        statement = (
            _insert_ignoring_duplicates(self._dialect)
            .on_conflict_do_nothing(index_elements=["announcement_id", "scheduled_for"])
            .returning(table.c.announcement_id, table.c.id)
        )
        async with self._writing, self._sessions.begin() as session:
            connection = await session.connection()
            result = await connection.execute(statement, values)
            for announcement_id, occurrence_id in result.all():
                claimed[int(announcement_id)] = int(occurrence_id)
            advances = [
                {
                    "b_id": plan.announcement_id,
                    "b_next": plan.next_run_at,
                    "b_status": Status.ACTIVE if plan.next_run_at is not None else Status.DONE,
                }
                for plan in plans
                if plan.announcement_id in claimed
            ]
            if advances:
                await connection.execute(
                    update(ANNOUNCEMENTS)
                    .where(ANNOUNCEMENTS.c.id == bindparam("b_id"))
                    .values(next_run_at=bindparam("b_next"), status=bindparam("b_status")),
                    advances,
                )
        return claimed

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
        """Post, retrying only rate-limited attempts (a 429 means nothing was posted).

        discord.py already waits out a few 429s itself; when it gives up, every post of this
        dispatcher pauses for the advised time, so a burst settles at Discord's pace instead
        of failing. Bounded: after RATE_LIMIT_ATTEMPTS the occurrence fails like any error.
        """
        result = PostResult(None, "not attempted")
        for _ in range(RATE_LIMIT_ATTEMPTS):
            await self._wait_for_rate_limit()
            async with self._semaphore:
                try:
                    result = await self._poster(delivery)
                except Exception as error:  # a bug or a network error: this occurrence only
                    log.exception("announcements: posting #%s failed", delivery.announcement_id)
                    return PostResult(None, f"unexpected error: {type(error).__name__}")
            if result.retry_after is None:
                return result
            resume = time.monotonic() + min(result.retry_after, MAX_RATE_LIMIT_WAIT)
            self._rate_limited_until = max(self._rate_limited_until, resume)
        return result

    async def _wait_for_rate_limit(self) -> None:
        delay = self._rate_limited_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _record(self, outcomes: list[tuple[Delivery, PostResult]]) -> None:
        posted_at = self._clock.now()
        occurrences = [
            {
                "b_id": d.occurrence_id,
                "b_status": OccurrenceStatus.POSTED
                if r.message_id is not None
                else OccurrenceStatus.FAILED,
                "b_message": r.message_id,
                "b_posted": posted_at if r.message_id is not None else None,
                "b_error": (r.error or "")[:300] or None,
            }
            for d, r in outcomes
        ]
        successes = [
            {"b_id": d.announcement_id, "b_message": r.message_id, "b_posted": posted_at}
            for d, r in outcomes
            if r.message_id is not None
        ]
        failures = [
            {"b_id": d.announcement_id, "b_failure": (r.error or "")[:300]}
            for d, r in outcomes
            if r.message_id is None and r.permanent
        ]
        occurrence_table = OCCURRENCES
        announcement_table = ANNOUNCEMENTS
        async with self._writing, self._sessions.begin() as session:
            connection = await session.connection()
            await connection.execute(
                update(occurrence_table)
                .where(occurrence_table.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("b_status"),
                    message_id=bindparam("b_message"),
                    posted_at=bindparam("b_posted"),
                    error=bindparam("b_error"),
                ),
                occurrences,
            )
            if successes:
                await connection.execute(
                    update(announcement_table)
                    .where(announcement_table.c.id == bindparam("b_id"))
                    .values(
                        last_message_id=bindparam("b_message"),
                        last_posted_at=bindparam("b_posted"),
                        run_count=announcement_table.c.run_count + 1,
                    ),
                    successes,
                )
            if failures:
                await connection.execute(
                    update(announcement_table)
                    .where(announcement_table.c.id == bindparam("b_id"))
                    .values(status=Status.FAILED, next_run_at=None, failure=bindparam("b_failure")),
                    failures,
                )
            for d, r in outcomes:
                if r.message_id is None:
                    await self._audit.record(
                        d.guild_id,
                        None,
                        "announcement.failed",
                        f"announcement #{d.announcement_id}",
                        {
                            "scheduled_for": d.scheduled_for.isoformat(),
                            "error": r.error,
                            "stopped": r.permanent,
                        },
                        session=session,
                    )
        for d, r in outcomes:
            if r.message_id is None and r.permanent:
                self.unschedule(d.announcement_id)

    async def _tell_failures(self, failures: Iterable[tuple[Delivery, PostResult]]) -> None:
        for delivery, result in failures:
            if result.permanent:
                text = (
                    f"Announcement #{delivery.announcement_id} could not be posted in "
                    f"<#{delivery.channel_id}>: {result.error}. It is marked failed and will not "
                    "be retried; fix the channel, then "
                    f"`/announce resume {delivery.announcement_id}` (or `/announce edit` it to "
                    "another channel)."
                )
            else:
                text = (
                    f"Announcement #{delivery.announcement_id} could not be posted in "
                    f"<#{delivery.channel_id}> this time ({result.error}). Its schedule goes on."
                )
            await self._notify(delivery.guild_id, text)

    async def _notify(self, guild_id: int, text: str) -> None:
        try:
            await self._notifier(guild_id, text)
        except Exception:
            log.exception("announcements: could not tell guild %s's moderators", guild_id)

    # ---- claims left behind -----------------------------------------------------------------

    async def sweep_stale_claims(self, now: datetime) -> int:
        """Claims a stopped dispatcher left: marked unknown, moderators told, never reposted."""
        table = OCCURRENCES
        cutoff = now - STALE_CLAIM_AFTER
        async with self._sessions.begin() as session:
            connection = await session.connection()
            stale = (
                await connection.execute(
                    update(table)
                    .where(
                        table.c.status == OccurrenceStatus.CLAIMED,
                        table.c.claimed_at < cutoff,
                        table.c.claimed_by != self.claimer,
                    )
                    .values(
                        status=OccurrenceStatus.UNKNOWN,
                        error="the bot stopped between claiming and posting; not reposted",
                    )
                    .returning(table.c.guild_id, table.c.announcement_id, table.c.scheduled_for)
                )
            ).all()
            for guild_id, announcement_id, scheduled_for in stale:
                await self._audit.record(
                    int(guild_id),
                    None,
                    "announcement.unknown",
                    f"announcement #{announcement_id}",
                    {"scheduled_for": _iso(scheduled_for)},
                    session=session,
                )
        for guild_id, announcement_id, scheduled_for in stale:
            stamp = int(_aware(scheduled_for).timestamp())
            await self._notify(
                int(guild_id),
                f"Announcement #{announcement_id}'s run of <t:{stamp}:f> may not have been posted: "
                "the bot stopped while posting it. It was not reposted, to avoid a duplicate; "
                f"if it is missing, `/announce send {announcement_id}` posts it now.",
            )
        return len(stale)

    # ---- posting on demand -------------------------------------------------------------------

    async def send_now(self, info: AnnouncementInfo, now: datetime) -> PostResult:
        """`/announce send`: a manual occurrence, claimed, posted and recorded like the others.

        Another send (or a run) that claimed this announcement at this very moment posts it; this
        one then posts nothing and says so.
        """
        try:
            async with self._sessions.begin() as session:
                occurrence = AnnouncementOccurrence(
                    guild_id=info.guild_id,
                    announcement_id=info.id,
                    scheduled_for=now,
                    claimed_at=now,
                    claimed_by=self.claimer,
                    status=OccurrenceStatus.CLAIMED,
                    delayed=False,
                    manual=True,
                )
                session.add(occurrence)
                await session.flush()
                occurrence_id = occurrence.id
        except IntegrityError:
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
        )
        result = await self._post_one(delivery)
        await self._record([(delivery, result)])
        return result


def _chunks(items: list[Any], size: int = CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _iso(value: datetime) -> str:
    return _aware(value).isoformat()
