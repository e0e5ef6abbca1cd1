"""The `jail` fixture, and a ticker that proves jail runs never block the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.runner.local import LocalJail
from bot.sandbox.interactions.cpu_wait import cpu_wait_seconds
from tests.jail.support import started_jail

TICK_SECONDS = 0.01
# What a loop that only awaits subprocesses may lag on a busy 2-core machine; a blocking
# wait for a jailed program would show as a gap of whole seconds.
MAX_GAP_SECONDS = 0.25


@pytest.fixture
async def jail() -> AsyncIterator[LocalJail]:
    engine = await started_jail()
    yield engine
    await engine.close()


@pytest.fixture(autouse=True)
async def loop_stays_responsive() -> AsyncIterator[None]:
    gaps: list[float] = []

    async def tick() -> None:
        # The time the loop's thread waited for a CPU that other test workers held is the
        # machine's, not a blocking wait of ours: it is taken off each gap.
        last, waited_before = time.monotonic(), cpu_wait_seconds()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now, waited = time.monotonic(), cpu_wait_seconds()
            gaps.append(now - last - TICK_SECONDS - (waited - waited_before))
            last, waited_before = now, waited

    ticker = asyncio.create_task(tick())
    yield
    ticker.cancel()
    assert max(gaps, default=0.0) < MAX_GAP_SECONDS, f"the event loop stalled {max(gaps):.3f} s"
