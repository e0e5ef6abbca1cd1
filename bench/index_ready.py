"""Waiting for a bot's snippet search index to be built before timing anything.

At a million snippets the build reads every one, on the bot's cores, for minutes: commands timed
meanwhile measure the build. A bot keeps its index where `search_index_directory` says for its
database — beside a SQLite file, or under its working directory's `data/search/` for
PostgreSQL — and marks it complete in a state file there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

from bench.harness import REPO


def bot_index_directory(url: str, working_directory: Path = REPO) -> Path | None:
    """Where a bot on `url`, started in `working_directory`, keeps its index (None: in memory)."""
    from bot.config import load_settings
    from cogs.snippets.settings import search_index_directory

    directory = search_index_directory(load_settings(None, database={"url": url}))
    if directory is None or directory.is_absolute():
        return directory
    return working_directory / directory


async def search_index_built(
    url: str, working_directory: Path = REPO, timeout: float = 3600.0
) -> None:
    """Return once the index of a bot on `url` is complete (at once for one in memory)."""
    from cogs.snippets.tantivy_index import STATE_FILE

    directory = bot_index_directory(url, working_directory)
    if directory is None:
        return
    state = directory / STATE_FILE
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(state.read_text()).get("complete"):
                print(f"  search index built after {time.perf_counter() - started:.0f} s")
                return
        await asyncio.sleep(1.0)
    raise RuntimeError(f"the search index at {directory} was not built in {timeout:.0f} s")
