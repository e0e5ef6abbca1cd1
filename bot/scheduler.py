"""Scheduling: in-memory jobs that run on the injected clock, and the database claim that makes
each run happen once.

Our tables are the truth. Features rebuild their jobs from them at start and after each change
(`schedule_at`, `schedule_every`, `cancel`), and each firing claims its occurrence before acting
(`async with ledger.occurrence(...)`): the unique (kind, item, scheduled time) row lets exactly
one firing through, across restarts and processes.

A job names its handler ("pairing.round") and carries plain ids; the feature registers the
handler when it loads (`handle`) and removes it when it unloads. A job that fires while its
handler is away (an extension mid-reload) does nothing: the feature's table still says the work
is pending, and the reloaded feature schedules it again.

Why not APScheduler's own scheduler loop: it reads the wall clock (`datetime.now`) in a dozen
places, so a job computed from the bot's clock was due, late or never due depending on the day
the code ran (docs/decisions/0001-one-clock.md). APScheduler stays our calendar (its cron
triggers compute fire times with DST handled, see bot/cron.py); this module only decides when to
wake, and it asks the `Clock` what time it is. One sleeper task serves every job: it wakes for the
earliest one, and at least every `MAX_SLEEP_SECONDS`, so a clock that jumps (a test moving it, a
host resuming from suspend) is noticed within that bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
import itertools
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.models import OccurrenceClaim

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

log = logging.getLogger(__name__)

# Who claimed an occurrence: enough to tell processes apart in the claims table.
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"

# The sleeper re-reads the clock at least this often.
MAX_SLEEP_SECONDS = 30.0

# Replaced and cancelled entries of a heap with lazy deletion (this queue, the announcements'
# due heap) stay until they reach its head: for a weekly round rescheduled at each `/pair join`,
# a week away. Once there are more of them than live entries plus this many, the heap is
# rebuilt from its live entries (`mostly_stale`).
STALE_ENTRIES_ALLOWED = 64

# A job's handler: called with the job's arguments (plain ids and ISO strings).
Handler = Callable[..., Awaitable[Any]]
# A queue entry: (next run, tie, job id, generation); current while its job has that generation.
_Entry = tuple[datetime, int, str, int]


def mostly_stale(entries: int, live: int) -> bool:
    """Whether a heap of `entries` with `live` current ones is due to be rebuilt from those:
    O(n) after at least n changes, so O(1) a change, and never much over twice what is live."""
    return entries > 2 * live + STALE_ENTRIES_ALLOWED


@dataclass
class _Job:
    id: str
    handler: str
    args: tuple[Any, ...]
    next_run: datetime
    # A firing later than this (the scheduler's own lateness: a busy loop, a clock jump) is
    # skipped with a warning. A one-shot job scheduled for a time already past runs at once.
    late_from: datetime
    every: timedelta | None
    generation: int


class Scheduler:
    """Jobs by id, each run once at a time or every interval, timed by the injected clock."""

    def __init__(self, clock: Clock, *, misfire_grace: timedelta = timedelta(seconds=60)) -> None:
        self._clock = clock
        # APScheduler's default grace (1 s) silently drops runs on a busy host; ours is explicit.
        self._misfire_grace = misfire_grace
        self._jobs: dict[str, _Job] = {}
        self._handlers: dict[str, Handler] = {}
        self._queue: list[_Entry] = []
        self._tie = itertools.count()
        self._generation = itertools.count()
        self._wake = asyncio.Event()
        self._sleeper: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[Any]] = set()

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Needs a running event loop: call from `setup_hook`."""
        if self._sleeper is None or self._sleeper.done():
            self._sleeper = asyncio.get_running_loop().create_task(
                self._sleep_until_due(), name="nexus-scheduler"
            )

    def shutdown(self) -> None:
        """Stop firing. Jobs already running finish on their own (each claimed its occurrence)."""
        if self._sleeper is not None:
            self._sleeper.cancel()
            self._sleeper = None

    @property
    def running(self) -> bool:
        return self._sleeper is not None and not self._sleeper.done()

    def wake(self) -> None:
        """Re-read the clock now (after a test moved it, say) instead of at the next wake-up."""
        self._wake.set()

    # ---- handlers ----------------------------------------------------------------------------

    def handle(self, name: str, handler: Handler) -> None:
        """Let jobs naming `name` run `handler` (a reloaded feature replaces its old one)."""
        self._handlers[name] = handler

    def unhandle(self, name: str) -> None:
        self._handlers.pop(name, None)

    # ---- jobs --------------------------------------------------------------------------------

    def schedule_at(self, job_id: str, when: datetime, handler: str, *args: Any) -> None:
        """Run handler `handler` with `args` once at `when` (a job with the same id is
        replaced)."""
        now = self._clock.now()
        self._put(_Job(job_id, handler, args, when, max(when, now), None, next(self._generation)))

    def schedule_every(self, job_id: str, interval: timedelta, handler: str, *args: Any) -> None:
        """Run handler `handler` with `args` every `interval`, the first time one interval from
        now."""
        if interval <= timedelta(0):
            raise ValueError("a repeating job needs a positive interval")
        first = self._clock.now() + interval
        self._put(_Job(job_id, handler, args, first, first, interval, next(self._generation)))

    def cancel(self, job_id: str) -> None:
        # Its queue entry stays behind and is ignored when popped (its job is gone).
        if self._jobs.pop(job_id, None) is not None:
            self._drop_stale_entries()

    def job_ids(self) -> list[str]:
        return list(self._jobs)

    def next_run(self, job_id: str) -> datetime | None:
        job = self._jobs.get(job_id)
        return job.next_run if job is not None else None

    async def run_due(self) -> int:
        """Fire every job due by the clock now and wait for them; returns how many ran."""
        tasks = self._fire_due(self._clock.now())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        return len(tasks)

    # ---- internals ---------------------------------------------------------------------------

    def _put(self, job: _Job) -> None:
        self._jobs[job.id] = job
        heapq.heappush(self._queue, (job.next_run, next(self._tie), job.id, job.generation))
        self._drop_stale_entries()
        self._wake.set()

    def _current(self, entry: _Entry) -> bool:
        _, _, job_id, generation = entry
        job = self._jobs.get(job_id)
        return job is not None and job.generation == generation

    def _drop_stale_entries(self) -> None:
        if mostly_stale(len(self._queue), len(self._jobs)):
            self._queue[:] = [entry for entry in self._queue if self._current(entry)]
            heapq.heapify(self._queue)

    def _earliest(self) -> datetime | None:
        while self._queue:
            if self._current(self._queue[0]):
                return self._queue[0][0]
            heapq.heappop(self._queue)  # cancelled or replaced
        return None

    def _fire_due(self, now: datetime) -> list[asyncio.Task[Any]]:
        started: list[asyncio.Task[Any]] = []
        while (earliest := self._earliest()) is not None and earliest <= now:
            _, _, job_id, _ = heapq.heappop(self._queue)
            job = self._jobs[job_id]
            if job.every is None:
                del self._jobs[job_id]
            else:
                # Missed intervals collapse into one run; the next is one interval from now.
                job.next_run = now + job.every
                job.late_from = job.next_run
                job.generation = next(self._generation)
                heapq.heappush(self._queue, (job.next_run, next(self._tie), job.id, job.generation))
            if now - job.late_from > self._misfire_grace:
                log.warning(
                    "job %s skipped: due %s, woken %s (past the %s grace)",
                    job_id,
                    job.late_from.isoformat(),
                    now.isoformat(),
                    self._misfire_grace,
                )
                continue
            started.append(self._run(job))
        return started

    def _run(self, job: _Job) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(self._call(job), name=f"nexus-job-{job.id}")
        # Keep a reference until done: the event loop holds tasks only weakly.
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def _call(self, job: _Job) -> None:
        handler = self._handlers.get(job.handler)
        if handler is None:
            log.info(
                "job %s: no %s handler is loaded; its feature reschedules it", job.id, job.handler
            )
            return
        try:
            await handler(*job.args)
        except Exception:
            log.exception("job %s failed", job.id)

    async def _sleep_until_due(self) -> None:
        while True:
            self._wake.clear()
            now = self._clock.now()
            self._fire_due(now)
            earliest = self._earliest()
            timeout = MAX_SLEEP_SECONDS
            if earliest is not None:
                timeout = min(timeout, max(0.0, (earliest - now).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


class OccurrenceLedger:
    """The claims table: which occurrence of which scheduled item ran, once, and how it ended."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def claim(self, kind: str, item_key: str, scheduled_for: datetime) -> bool:
        """Claim one occurrence; True when this caller owns it and must act, False when taken.

        The claim commits on its own before any side effect, so a crash after it can never
        lead to a second run of the same occurrence.
        """
        try:
            async with self._sessions.begin() as session:
                session.add(
                    OccurrenceClaim(
                        kind=kind,
                        item_key=item_key,
                        scheduled_for=scheduled_for,
                        claimed_by=PROCESS_ID,
                        claimed_at=self._clock.now(),
                    )
                )
        except IntegrityError:
            return False
        return True

    async def is_claimed(self, kind: str, item_key: str, scheduled_for: datetime) -> bool:
        """Whether some process already claimed this occurrence. A read, for callers that would
        rather not attempt a claim bound to fail (PostgreSQL logs each unique violation)."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(OccurrenceClaim.id).where(*_occurrence(kind, item_key, scheduled_for))
            )
        return found is not None

    async def release(self, kind: str, item_key: str, scheduled_for: datetime) -> None:
        """Give a claim back, for an occurrence that was asked for but refused before acting."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(OccurrenceClaim).where(*_occurrence(kind, item_key, scheduled_for))
            )

    async def finish(
        self,
        kind: str,
        item_key: str,
        scheduled_for: datetime,
        *,
        status: str = "done",
        result: str | None = None,
    ) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OccurrenceClaim)
                .where(*_occurrence(kind, item_key, scheduled_for))
                .values(status=status, result=result, finished_at=self._clock.now())
            )

    @contextlib.asynccontextmanager
    async def occurrence(
        self, kind: str, item_key: str, scheduled_for: datetime
    ) -> AsyncIterator[Occurrence]:
        """Claim an occurrence for the body, and record how it ended when the body leaves.

        The body checks `claimed` first and does nothing when another firing owns the
        occurrence. It leaves with the status it set (`skip`, `release`), else "done"; an
        exception it did not answer for records "failed" (with `result` as set so far) and
        goes on up.
        """
        run = Occurrence(claimed=await self.claim(kind, item_key, scheduled_for))
        try:
            yield run
        except BaseException:
            if run.claimed:
                await self._settle(kind, item_key, scheduled_for, run, failed=True)
            raise
        if run.claimed:
            await self._settle(kind, item_key, scheduled_for, run, failed=False)

    async def _settle(
        self, kind: str, item_key: str, scheduled_for: datetime, run: Occurrence, *, failed: bool
    ) -> None:
        if run.released:
            await self.release(kind, item_key, scheduled_for)
            return
        status = run.status or ("failed" if failed else "done")
        await self.finish(kind, item_key, scheduled_for, status=status, result=run.result)


@dataclasses.dataclass
class Occurrence:
    """One claimed (or not) occurrence, as the body of `OccurrenceLedger.occurrence` sees it."""

    claimed: bool
    # What the claims table says of the run; kept on failure too ("round 4 stored; posting
    # failed" tells an operator more than a bare "failed").
    result: str | None = None
    status: str | None = None
    released: bool = False

    def skip(self, reason: str) -> None:
        """The occurrence was consumed without acting (a round with too few members)."""
        self.status, self.result = "skipped", reason[:200]

    def release(self) -> None:
        """Give the claim back: the request was refused before acting, so asking again in the
        same second must work."""
        self.released = True


def _occurrence(kind: str, item_key: str, scheduled_for: datetime) -> tuple[Any, ...]:
    return (
        OccurrenceClaim.kind == kind,
        OccurrenceClaim.item_key == item_key,
        OccurrenceClaim.scheduled_for == scheduled_for,
    )
