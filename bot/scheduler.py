"""Scheduling: APScheduler with in-memory jobs, and the database claim that makes runs happen once.

Our tables are the truth. Features rebuild their jobs from them at start and after each change
(`schedule_at`, `cancel`), and each firing calls `claim_occurrence` before acting: the unique
(kind, item, scheduled time) row lets exactly one firing through, across restarts and processes.
Job functions must be module-level coroutines taking plain ids.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db import utcnow
from bot.models import OccurrenceClaim

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# Who claimed an occurrence: enough to tell processes apart in the claims table.
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """A thin wrapper over AsyncIOScheduler with explicit, safe defaults."""

    def __init__(self, misfire_grace_seconds: float = 60.0) -> None:
        # The default grace (1 s) silently drops runs on a busy host; ours is explicit.
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(misfire_grace_seconds),
            },
        )

    def start(self) -> None:
        """Needs a running event loop: call from `setup_hook`."""
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def schedule_at(
        self,
        job_id: str,
        when: datetime,
        func: Callable[..., Awaitable[Any]],
        *args: Any,
    ) -> None:
        """Run `func(*args)` once at `when` (a job with the same id is replaced)."""
        self._scheduler.add_job(
            func, DateTrigger(run_date=when), args=args, id=job_id, replace_existing=True
        )

    def schedule_trigger(
        self, job_id: str, trigger: Any, func: Callable[..., Awaitable[Any]], *args: Any
    ) -> None:
        """Run on any APScheduler trigger (e.g. a CronTrigger with a time zone)."""
        self._scheduler.add_job(func, trigger, args=args, id=job_id, replace_existing=True)

    def cancel(self, job_id: str) -> None:
        job = self._scheduler.get_job(job_id)
        if job is not None:
            job.remove()

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None


async def claim_occurrence(
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
    item_key: str,
    scheduled_for: datetime,
) -> bool:
    """Claim one occurrence; True when this caller owns it and must act, False when taken.

    The claim commits on its own before any side effect, so a crash after it can never lead
    to a second run of the same occurrence.
    """
    try:
        async with sessions.begin() as session:
            session.add(
                OccurrenceClaim(
                    kind=kind,
                    item_key=item_key,
                    scheduled_for=scheduled_for,
                    claimed_by=PROCESS_ID,
                )
            )
    except IntegrityError:
        return False
    return True


async def finish_occurrence(
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
    item_key: str,
    scheduled_for: datetime,
    *,
    status: str = "done",
    result: str | None = None,
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(OccurrenceClaim)
            .where(
                OccurrenceClaim.kind == kind,
                OccurrenceClaim.item_key == item_key,
                OccurrenceClaim.scheduled_for == scheduled_for,
            )
            .values(status=status, result=result, finished_at=utcnow())
        )


def within_grace(scheduled_for: datetime, now: datetime, grace: timedelta) -> bool:
    return now - scheduled_for <= grace
