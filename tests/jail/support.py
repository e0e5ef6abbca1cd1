"""The real local jail for tests: started once per test, skipped (saying why) where it cannot
start, and a failure instead when CI=true, where the jail must work."""

from __future__ import annotations

import os

import pytest

from bot.runner.local import LocalJail
from bot.runner.records import RunLimits

# Small budgets keep the hostile programs quick; tests that need more say so.
SMALL = RunLimits(
    cpu_seconds=1,
    wall_seconds=2,
    memory_mb=128,
    processes=16,
    file_size_mb=4,
    output_bytes=64_000,
    tmp_size_mb=8,
)


async def started_jail() -> LocalJail:
    jail = LocalJail()
    await jail.start()
    reason = jail.unavailable_reason
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the code jail must start in CI: {reason}")
        pytest.skip(f"the code jail cannot start here: {reason}")
    return jail
