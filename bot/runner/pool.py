"""A bounded pool in front of one RunEngine: at most `size` runs at once, the rest wait in a
first-come queue that tells each waiting run its position, and a full queue refuses new runs.

The engine runs each program as a subprocess, so the event loop only awaits; it never blocks
while the pool is saturated.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.runner.records import (
    LanguageStatus,
    RunEngine,
    RunLimits,
    RunnerBusy,
    RunnerUnavailable,
    RunRequest,
    RunResult,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

# While the engine is unavailable, how often a run may make it check itself again.
RESTART_SECONDS = 60.0


def as_sentence(reason: str) -> str:
    """A reason ("node is not installed") as a sentence a member reads."""
    text = reason.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


@dataclass(eq=False)
class _Waiter:
    """One queued run; its event is set whenever it is let in, refused or moved up."""

    changed: asyncio.Event = field(default_factory=asyncio.Event)
    granted: bool = False
    refused: bool = False


class RunnerPool:
    """Implements CodeRunner over any RunEngine (the local jail or a remote server)."""

    def __init__(
        self,
        engine: RunEngine,
        limits: RunLimits,
        size: int = 0,
        queue_limit: int = 50,
    ) -> None:
        self._engine = engine
        self._limits = limits
        self._size = size or os.cpu_count() or 1
        self._queue_limit = queue_limit
        self._active = 0
        self._queue: deque[_Waiter] = deque()
        self._closed = False
        self._start_lock = asyncio.Lock()
        self._started_at: float | None = None

    @property
    def size(self) -> int:
        return self._size

    @property
    def limits(self) -> RunLimits:
        return self._limits

    @property
    def unavailable_reason(self) -> str | None:
        if self._closed:
            return "the code runner is shutting down"
        return self._engine.unavailable_reason

    def languages(self) -> list[LanguageStatus]:
        return self._engine.languages()

    def resolve_language(self, name: str) -> LanguageStatus | None:
        wanted = name.strip().lower()
        for language in self.languages():
            if wanted == language.name or wanted in (alias.lower() for alias in language.aliases):
                return language
        return None

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> int:
        return self._active

    async def start(self) -> None:
        """Let the engine check itself (the local jail starts a trial jail, a remote engine
        asks its server what it runs), so `unavailable_reason` is known before the first
        member's run. Optional: `run` does it too, and asks again, at most once a minute,
        while the engine stays unavailable (a remote server may come back)."""
        start: Callable[[], Awaitable[None]] | None = getattr(self._engine, "start", None)
        if start is None:
            return
        async with self._start_lock:
            now = time.monotonic()
            if self._started_at is not None and (
                self._engine.unavailable_reason is None or now - self._started_at < RESTART_SECONDS
            ):
                return
            self._started_at = now
            await start()

    async def run(
        self,
        request: RunRequest,
        *,
        on_queued: Callable[[int], Awaitable[None]] | None = None,
    ) -> RunResult:
        if not self._closed:
            await self.start()
        reason = self.unavailable_reason
        if reason is not None:
            raise RunnerUnavailable(as_sentence(reason))
        language = self.resolve_language(request.language)
        if language is None:
            known = ", ".join(status.name for status in self.languages())
            raise RunnerUnavailable(
                f"I don't know the language {request.language!r}; I run {known}."
            )
        if not language.available:
            raise RunnerUnavailable(as_sentence(language.reason or f"{language.name} is missing"))
        await self._acquire(on_queued)
        try:
            return await self._engine.execute(
                replace(request, language=language.name), self._limits
            )
        finally:
            self._release()

    async def _acquire(self, on_queued: Callable[[int], Awaitable[None]] | None) -> None:
        if self._active < self._size and not self._queue:
            self._active += 1
            return
        if len(self._queue) >= self._queue_limit:
            raise RunnerBusy(f"{len(self._queue)} runs are already waiting; try again in a minute.")
        waiter = _Waiter()
        self._queue.append(waiter)
        reported = 0
        try:
            while not (waiter.granted or waiter.refused):
                waiter.changed.clear()
                position = self._queue.index(waiter) + 1
                if on_queued is not None and position != reported:
                    reported = position
                    await on_queued(position)
                    continue
                await waiter.changed.wait()
        except BaseException:
            if waiter.granted:
                # Let in while being cancelled: hand the place on.
                self._release()
            else:
                self._leave(waiter)
            raise
        if waiter.refused:
            raise RunnerUnavailable(as_sentence("the code runner is shutting down"))

    def _leave(self, waiter: _Waiter) -> None:
        if waiter in self._queue:
            self._queue.remove(waiter)
            self._moved_up()

    def _release(self) -> None:
        if self._queue and not self._closed:
            # The slot passes straight to the first waiter: `_active` stays as it is.
            first = self._queue.popleft()
            first.granted = True
            first.changed.set()
            self._moved_up()
        else:
            self._active -= 1

    def _moved_up(self) -> None:
        for waiter in self._queue:
            waiter.changed.set()

    async def close(self) -> None:
        """Refuse new runs, turn the waiting ones away and kill the running ones."""
        self._closed = True
        while self._queue:
            waiter = self._queue.popleft()
            waiter.refused = True
            waiter.changed.set()
        await self._engine.close()
