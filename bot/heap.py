"""The bot process's heap: fewer malloc arenas, big blocks given back at once, and start-up's
objects out of the collector's way.

All three are for `python -m bot run` only (bot/__main__.py): a test process holds many bots one
after another, and freezing each one's objects would keep them all.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import sys
from typing import TYPE_CHECKING

from bot import dates

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3


def _mallopt(parameter: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    return mallopt is not None and mallopt(parameter, value) == 1


def limit_malloc_arenas(arenas: int) -> bool:
    """Let the process's threads share at most `arenas` glibc malloc arenas (0: leave glibc's
    default); True when glibc took it.

    glibc gives a thread that allocates while another holds an arena an arena of its own, up
    to 8 per core, and memory freed in one arena is not reused for another's allocations. Each
    database connection runs in a thread of its own (aiosqlite) and SQLite allocates there: in
    a 6-minute soak (bench.soak) the bot held ~30 MB more with glibc's default than with 2.
    Call it before any thread starts.
    """
    return arenas != 0 and _mallopt(M_ARENA_MAX, arenas)


def map_big_blocks(threshold_kb: int) -> bool:
    """Give every malloc block of `threshold_kb` or more its own mapping, returned to the system
    when freed (0: leave glibc's sliding threshold); True when glibc took it.

    glibc starts at 128 KB but raises the threshold each time such a block is freed, up to 32
    MB; from then on big passing blocks (a page of rows fetched at once, a gateway payload, the
    search's buffers) come from the heap, and what is freed there stays held behind whatever is
    allocated after it. A fixed threshold keeps them out of the heap.
    """
    return threshold_kb != 0 and _mallopt(M_MMAP_THRESHOLD, threshold_kb * 1024)


async def freeze_start_up(ready: Callable[[], Awaitable[object]], serving: asyncio.Event) -> None:
    """Once started — ready, the web server built, dateparser's data loaded — move every object
    made so far into the garbage collector's permanent generation.

    Start-up leaves ~160,000 long-lived objects (modules, models, the command tree), and each
    full collection walked all of them: under load, one every ~1,500 interactions. Frozen, a
    collection walks only what was made since.
    """
    await ready()
    await serving.wait()
    # Returns once the after-ready load (bot/app.py) has imported dateparser: the import lock.
    await asyncio.to_thread(dates.warm_up)
    gc.collect()  # a one-time pause of ~0.1 s: start-up's garbage is not frozen with the rest
    gc.freeze()
    log.info("start-up done: %d objects frozen out of the collector's way", gc.get_freeze_count())
