"""The scheduler runs on the injected clock: what is due is decided by it, never the wall clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.scheduler import Scheduler

# Far from any real date on purpose: the scheduler must not care what day the suite runs.
START = datetime(2031, 3, 30, 0, 59, tzinfo=UTC)


@pytest.fixture
async def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def scheduler(clock: FrozenClock) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(clock)
    scheduler.start()
    yield scheduler
    scheduler.shutdown()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_job_fires_when_the_clock_reaches_it_not_before(
    scheduler: Scheduler, clock: FrozenClock
) -> None:
    fired: list[int] = []

    async def job(value: int) -> None:
        fired.append(value)

    scheduler.handle("test.job", job)

    scheduler.schedule_at("job", START + timedelta(hours=3), "test.job", 7)
    assert scheduler.next_run("job") == START + timedelta(hours=3)
    await settle()
    assert fired == []
    clock.advance(timedelta(hours=3))
    scheduler.wake()
    for _ in range(50):
        if fired:
            break
        await asyncio.sleep(0.01)
    assert fired == [7]
    assert scheduler.job_ids() == []


async def test_a_job_for_a_time_already_past_runs_at_once(scheduler: Scheduler) -> None:
    fired: list[str] = []

    async def job() -> None:
        fired.append("ran")

    scheduler.handle("test.job", job)

    scheduler.schedule_at("late", START - timedelta(days=400), "test.job")
    assert await scheduler.run_due() == 1
    assert fired == ["ran"]


async def test_a_firing_later_than_the_grace_is_skipped(
    scheduler: Scheduler, clock: FrozenClock
) -> None:
    fired: list[str] = []

    async def job() -> None:
        fired.append("ran")

    scheduler.handle("test.job", job)

    scheduler.schedule_at("job", START + timedelta(minutes=1), "test.job")
    clock.advance(timedelta(minutes=1, seconds=61))  # the host slept through it
    assert await scheduler.run_due() == 0
    assert fired == []
    assert scheduler.job_ids() == []


async def test_replacing_and_cancelling_a_job(scheduler: Scheduler, clock: FrozenClock) -> None:
    fired: list[int] = []

    async def job(value: int) -> None:
        fired.append(value)

    scheduler.handle("test.job", job)

    scheduler.schedule_at("job", START + timedelta(minutes=1), "test.job", 1)
    scheduler.schedule_at("job", START + timedelta(minutes=2), "test.job", 2)
    scheduler.schedule_at("gone", START + timedelta(minutes=1), "test.job", 3)
    scheduler.cancel("gone")
    clock.advance(timedelta(minutes=1))
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await scheduler.run_due() == 1
    assert fired == [2]


async def test_a_repeating_job_collapses_missed_intervals_into_one_run(
    scheduler: Scheduler, clock: FrozenClock
) -> None:
    fired: list[datetime] = []

    async def job() -> None:
        fired.append(clock.now())

    scheduler.handle("test.job", job)

    scheduler.schedule_every("sweep", timedelta(seconds=30), "test.job")
    assert scheduler.next_run("sweep") == START + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    assert await scheduler.run_due() == 1
    clock.advance(timedelta(seconds=50))  # within the grace of the next interval
    assert await scheduler.run_due() == 1
    assert scheduler.next_run("sweep") == clock.now() + timedelta(seconds=30)
    assert fired == [START + timedelta(seconds=30), START + timedelta(seconds=80)]


async def test_a_failing_job_is_logged_and_the_others_still_run(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    fired: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        fired.append("fine")

    scheduler.handle("test.broken", broken)
    scheduler.handle("test.fine", fine)

    scheduler.schedule_at("broken", START, "test.broken")
    scheduler.schedule_at("fine", START, "test.fine")
    assert await scheduler.run_due() == 2
    assert fired == ["fine"]
    assert "job broken failed" in caplog.text


def test_a_repeating_job_needs_a_positive_interval(clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="positive"):
        Scheduler(clock).schedule_every("never", timedelta(0), "test.job")


async def test_a_job_whose_handler_is_unloaded_does_nothing_and_a_reload_takes_over(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    """An extension mid-reload: the job finds no handler, and the reloaded one is called next."""
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    fired: list[str] = []

    async def old() -> None:
        fired.append("old")

    async def new() -> None:
        fired.append("new")

    scheduler.handle("feature.work", old)
    scheduler.unhandle("feature.work")
    scheduler.schedule_at("work", START, "feature.work")
    assert await scheduler.run_due() == 1
    assert fired == []
    assert "no feature.work handler" in caplog.text
    scheduler.handle("feature.work", old)
    scheduler.handle("feature.work", new)
    scheduler.schedule_at("work", START, "feature.work")
    assert await scheduler.run_due() == 1
    assert fired == ["new"]


async def test_replaced_and_cancelled_jobs_do_not_pile_up_in_the_queue(
    scheduler: Scheduler, clock: FrozenClock
) -> None:
    # A weekly round is rescheduled at every /pair join, and each replaced entry used to stay
    # queued until its time came: a week of joins' worth.
    fired: list[str] = []

    async def job(value: str) -> None:
        fired.append(value)

    scheduler.handle("test.job", job)
    later = START + timedelta(days=7)
    for n in range(5000):
        scheduler.schedule_at("round", later, "test.job", f"round {n}")
        scheduler.schedule_at(f"once {n}", later, "test.job", "cancelled")
        scheduler.cancel(f"once {n}")
    assert scheduler.job_ids() == ["round"]
    assert len(scheduler._queue) <= 2 + 64  # its current entry, and what compaction allows
    clock.advance(timedelta(days=7))
    scheduler.wake()
    for _ in range(50):
        if fired:
            break
        await asyncio.sleep(0.01)
    await settle()
    assert fired == ["round 4999"]
