"""Browser tests: the real bot against the sandbox, its pages opened in Debian's Chromium.

Chromium comes from NEXUS_TEST_CHROMIUM (scripts/with-chromium sets it, installing Chromium
when missing) or the PATH; without it these tests skip, saying why, except under CI, where they
must run. The end-to-end fixtures (sandbox, world, start_nexus) are the same as tests/e2e's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.browser.chromium import Chromium, Tab
from tests.e2e.conftest import fetch_connections, sandbox, start_nexus, world

__all__ = ["fetch_connections", "sandbox", "start_nexus", "world"]


def _executable() -> str | None:
    return os.environ.get("NEXUS_TEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    executable = _executable()
    if executable is None:
        why = os.environ.get("NEXUS_TEST_CHROMIUM_UNAVAILABLE", "Chromium is not installed")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {why}")
        pytest.skip(f"needs Chromium: {why}")
    browser = Chromium(executable)
    yield browser
    browser.close()


@pytest.fixture
async def tab(chromium: Chromium) -> AsyncIterator[Tab]:
    """A fresh browser context (no cookies) and page, closed after the test."""
    opened = await chromium.new_tab()
    yield opened
    await chromium.close_tab(opened)
