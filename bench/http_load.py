"""Concurrent HTTP GETs from a process of their own, so that the client's work never shares an
event loop with what is being timed (the sandbox, in the benchmark's process).

`Load(...)` starts the process; it cycles through the given paths, `concurrency` requests in
flight, for `total` requests or until `stop()`; `result()` gives the latencies (sent → body
read), the wall time and how many answers were not 200.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from multiprocessing.synchronize import Event


@dataclass(frozen=True)
class Loaded:
    latencies: list[float]
    elapsed: float
    failed: int  # answers other than 200


async def _hammer(
    base: str,
    paths: Sequence[str],
    headers: Mapping[str, str],
    concurrency: int,
    total: int | None,
    flags: tuple[Event, Event],
) -> Loaded:
    running, stop = flags
    latencies: list[float] = []
    failed = 0
    issued = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as http:

        async def worker() -> None:
            nonlocal failed
            for index in issued:
                if (total is not None and index >= total) or stop.is_set():
                    return
                started = time.perf_counter()
                async with http.get(paths[index % len(paths)]) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                failed += response.status != 200
                running.set()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Loaded(latencies, time.perf_counter() - began, failed)


def _serve(
    base: str,
    paths: Sequence[str],
    headers: Mapping[str, str],
    concurrency: int,
    total: int | None,
    flags: tuple[Event, Event],
    answer: multiprocessing.SimpleQueue[Loaded],
) -> None:
    answer.put(asyncio.run(_hammer(base, paths, headers, concurrency, total, flags)))


class Load:
    def __init__(
        self,
        base: str,
        paths: Sequence[str],
        *,
        headers: Mapping[str, str] | None = None,
        concurrency: int = 32,
        total: int | None = None,
    ) -> None:
        # spawn, not fork: the parent runs an event loop and a sandbox a fork would copy.
        context = multiprocessing.get_context("spawn")
        self._running, self._stop = context.Event(), context.Event()
        self._answer: multiprocessing.SimpleQueue[Loaded] = context.SimpleQueue()
        self._process = context.Process(
            target=_serve,
            args=(base, list(paths), dict(headers or {}), concurrency, total,
                  (self._running, self._stop), self._answer),
            daemon=True,
        )  # fmt: skip
        self._process.start()

    async def started(self) -> None:
        """Returns once the first answer has come back: the load is on."""
        if not await asyncio.to_thread(self._running.wait, 60):
            raise RuntimeError("the load process got no answer in 60 s")

    def stop(self) -> None:
        self._stop.set()

    async def result(self) -> Loaded:
        while self._answer.empty():
            if not self._process.is_alive() and self._answer.empty():
                raise RuntimeError(f"the load process died ({self._process.exitcode})")
            await asyncio.sleep(0.05)
        loaded = self._answer.get()
        await asyncio.to_thread(self._process.join)
        return loaded
