"""A worker process for CPU-heavy, picklable functions, so the bot stays responsive.

Compiled libraries such as rustworkx hold the GIL for the whole call, so a thread would freeze
the event loop; a process does not.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ProcessPoolExecutor

R = TypeVar("R")


class WorkerPool:
    """One worker process, started on first use."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    async def run(self, func: Callable[..., R], *args: Any) -> R:
        """Run `func(*args)` in the worker process and wait for its result."""
        if self.pool is None:
            # Imported here: multiprocessing is a dozen modules most starts never use.
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=1)
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
