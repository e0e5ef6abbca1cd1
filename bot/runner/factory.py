"""The one place the configuration becomes a CodeRunner: the local jail pool, a remote
engine (Piston, Judge0) behind the same pool, or a runner that says running code is off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.runner.local import LocalJail
from bot.runner.pool import RunnerPool, as_sentence
from bot.runner.records import (
    CodeRunner,
    LanguageStatus,
    RunEngine,
    RunLimits,
    RunnerUnavailable,
    RunRequest,
    RunResult,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import aiohttp

    from bot.config import RunnerSettings

TURNED_OFF = "running code is turned off in the config (runner.backend: off)"


def limits_from(settings: RunnerSettings) -> RunLimits:
    """Every run's budget, as the `runner:` section sets it."""
    return RunLimits(
        cpu_seconds=settings.cpu_seconds,
        wall_seconds=settings.wall_seconds,
        memory_mb=settings.memory_mb,
        processes=settings.processes,
        file_size_mb=settings.file_size_mb,
        output_bytes=settings.output_bytes,
        tmp_size_mb=settings.tmp_size_mb,
    )


class DisabledRunner:
    """A CodeRunner that runs nothing and says why (the operator turned running off)."""

    def __init__(self, reason: str, limits: RunLimits) -> None:
        self._reason = reason
        self._limits = limits

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    async def start(self) -> None:
        return None

    @property
    def limits(self) -> RunLimits:
        return self._limits

    @property
    def waiting(self) -> int:
        return 0

    def languages(self) -> list[LanguageStatus]:
        return []

    def resolve_language(self, name: str) -> LanguageStatus | None:
        del name
        return None

    async def run(
        self,
        request: RunRequest,
        *,
        on_queued: Callable[[int], Awaitable[None]] | None = None,
    ) -> RunResult:
        del request, on_queued
        raise RunnerUnavailable(as_sentence(self._reason))

    async def close(self) -> None:
        return None


def build_runner(
    settings: RunnerSettings, session_factory: Callable[[], aiohttp.ClientSession]
) -> CodeRunner:
    """The runner `settings.backend` asks for. `session_factory` gives the bot's HTTP session;
    only a remote engine calls it. Nothing starts here: the pool's `start()` (or its first
    run) lets the engine check itself."""
    limits = limits_from(settings)
    if settings.backend == "off":
        return DisabledRunner(TURNED_OFF, limits)
    engine: RunEngine
    if settings.backend == "local":
        engine = LocalJail(host_uid=settings.uid)
    else:
        # Imported here: a bot that runs code locally never loads the HTTP engines.
        from bot.runner.judge0 import Judge0Engine
        from bot.runner.piston import PistonEngine

        remote = PistonEngine if settings.backend == "piston" else Judge0Engine
        token = settings.token.get_secret_value() if settings.token else None
        engine = remote(settings.url or "", session_factory(), token)
    return RunnerPool(engine, limits, settings.pool_size, settings.queue_limit)
