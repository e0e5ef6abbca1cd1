"""The pool in front of the real local jail: first come first served, positions told to the
waiting, a full queue refused, unknown languages refused, close kills and turns away; and the
runner the configuration builds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.config import RunnerSettings
from bot.runner.factory import TURNED_OFF, build_runner, limits_from
from bot.runner.pool import RunnerPool
from bot.runner.records import RunLimits, RunnerBusy, RunnerUnavailable, RunRequest
from tests.jail.support import SMALL, started_jail

SLOW = RunRequest("bash", "sleep 0.4; echo slow")


@pytest.fixture
async def pool() -> AsyncIterator[RunnerPool]:
    runner = RunnerPool(await started_jail(), SMALL, size=1, queue_limit=2)
    yield runner
    await runner.close()


async def test_runs_wait_their_turn_and_hear_their_positions(pool: RunnerPool) -> None:
    positions: dict[str, list[int]] = {"first": [], "second": [], "third": []}
    finished: list[str] = []

    async def run(name: str) -> None:
        async def queued(position: int) -> None:
            positions[name].append(position)

        result = await pool.run(RunRequest("sh", f"sleep 0.2; echo {name}"), on_queued=queued)
        assert result.stdout == f"{name}\n"
        finished.append(name)

    first = asyncio.create_task(run("first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(run("second"))
    await asyncio.sleep(0)
    third = asyncio.create_task(run("third"))
    await asyncio.sleep(0.05)
    assert pool.waiting == 2
    await asyncio.gather(first, second, third)
    assert finished == ["first", "second", "third"]
    assert positions["first"] == []
    assert positions["second"] == [1]
    assert positions["third"] == [2, 1]
    assert pool.waiting == 0


async def test_a_full_queue_refuses_new_runs(pool: RunnerPool) -> None:
    running = [asyncio.create_task(pool.run(SLOW)) for _ in range(3)]
    await asyncio.sleep(0.05)
    with pytest.raises(RunnerBusy):
        await pool.run(SLOW)
    results = await asyncio.gather(*running)
    assert all(result.stdout == "slow\n" for result in results)


async def test_unknown_languages_are_refused_and_aliases_resolve(pool: RunnerPool) -> None:
    with pytest.raises(RunnerUnavailable, match="cobol"):
        await pool.run(RunRequest("cobol", "DISPLAY 'HI'."))
    status = pool.resolve_language("Py")
    assert status is not None
    assert status.name == "python"
    result = await pool.run(RunRequest("PY", "print('aliased')"))
    assert result.language == "python"
    assert result.stdout == "aliased\n"


async def test_close_kills_the_running_and_turns_the_waiting_away(pool: RunnerPool) -> None:
    long = RunRequest("bash", "sleep 30")
    running = asyncio.create_task(pool.run(long))
    await asyncio.sleep(0.2)
    waiting = asyncio.create_task(pool.run(long))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await pool.close()
    killed = await running
    assert killed.signal == "SIGKILL"
    with pytest.raises(RunnerUnavailable):
        await waiting
    assert time.monotonic() - started < 1
    with pytest.raises(RunnerUnavailable, match="shutting down"):
        await pool.run(RunRequest("python", "print(1)"))


async def test_the_loop_stays_responsive_while_the_pool_is_saturated(pool: RunnerPool) -> None:
    busy = [
        asyncio.create_task(pool.run(RunRequest("python", "while True: pass"))) for _ in range(3)
    ]
    worst = 0.0
    while not all(task.done() for task in busy):
        before = time.monotonic()
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - before - 0.01)
    assert worst < 0.25
    assert all(task.result().limits_hit for task in busy)


async def test_the_config_builds_the_runner_it_names() -> None:
    off = build_runner(RunnerSettings(backend="off"), _no_session)
    assert off.unavailable_reason == TURNED_OFF
    with pytest.raises(RunnerUnavailable, match="turned off"):
        await off.run(RunRequest("python", "print(1)"))
    settings = RunnerSettings(pool_size=3, cpu_seconds=1.5, output_bytes=4096)
    local = build_runner(settings, _no_session)
    assert isinstance(local, RunnerPool)
    assert local.size == 3
    assert local.limits == RunLimits(cpu_seconds=1.5, output_bytes=4096)
    assert limits_from(RunnerSettings()) == RunLimits()
    await local.close()


def _no_session() -> aiohttp.ClientSession:
    raise AssertionError("a local or disabled runner needs no HTTP session")
