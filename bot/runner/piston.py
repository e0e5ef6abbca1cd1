"""Runs code on an existing Piston server (engineer-man/piston, API v2).

`GET /api/v2/runtimes` says which languages are installed; `POST /api/v2/execute` runs one
program and answers when it has ended. Piston checks each requested limit against its own
configured maximum and refuses a larger one with HTTP 400 ("run_timeout cannot exceed the
configured limit of 3000"); the engine learns that maximum and asks again within it, so an
operator's Nexus limits above the server's still run, at the server's limit.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from bot.runner.records import (
    LanguageStatus,
    LimitHit,
    RunLimits,
    RunnerUnavailable,
    RunRequest,
    RunResult,
)
from bot.runner.remote import (
    RemoteServer,
    answer_cap,
    cut_output,
    ensure_runnable,
    source_of,
    statuses,
    version_key,
)

if TYPE_CHECKING:
    import aiohttp

# Piston's language name (and, where several runtimes provide it, the runtime) per canonical
# language, and the file name the program is written to.
_RUNTIMES: dict[str, tuple[str, str | None, str]] = {
    "python": ("python", None, "main.py"),
    "sql": ("sqlite3", None, "main.sql"),
    "javascript": ("javascript", "node", "main.js"),
    "bash": ("bash", None, "main.sh"),
}
_DISCOVERY_TIMEOUT = 10.0
_DISCOVERY_MAX_BYTES = 1024 * 1024
# Beyond the run's wall limit: Piston queues jobs and sets up a sandbox per run.
_MARGIN_SECONDS = 10.0
# isolate's kill on the memory limit shows only as SIGKILL; this near the limit means it.
_MEMORY_KILL_SHARE = 0.9
_CONFIGURED_LIMIT = re.compile(r"^(\w+) cannot exceed the configured limit of (-?\d+)$")


class PistonEngine:
    """A RunEngine backed by a Piston server; `start()` learns its runtimes."""

    def __init__(self, url: str, session: aiohttp.ClientSession, token: str | None = None) -> None:
        self._server = RemoteServer("Piston", url, session, "Authorization", token)
        # Canonical language → (Piston language, exact version).
        self._found: dict[str, tuple[str, str]] = {}
        self._reason: str | None = f"The Piston server at {self._server.shown} was not asked yet."
        # Maxima the server told us about, by request field, so later runs ask within them.
        self._caps: dict[str, int] = {}

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    async def start(self) -> None:
        try:
            _, runtimes = await self._server.call(
                "GET",
                "api/v2/runtimes",
                timeout=_DISCOVERY_TIMEOUT,
                max_bytes=_DISCOVERY_MAX_BYTES,
            )
            self._found = _pick_runtimes(runtimes)
        except RunnerUnavailable as error:
            self._reason = error.message
            return
        except (TypeError, KeyError, AttributeError):
            self._reason = self._server.unreadable().message
            return
        self._reason = None

    def languages(self) -> list[LanguageStatus]:
        if self._reason is not None:
            return statuses({}, {}, self._reason)
        labels = {name: _label(name, version) for name, (_, version) in self._found.items()}
        return statuses(
            {name: version for name, (_, version) in self._found.items()},
            labels,
            f"The Piston server at {self._server.shown} has no {{language}} runtime.",
        )

    async def execute(self, request: RunRequest, limits: RunLimits) -> RunResult:
        ensure_runnable(self._reason, self.languages(), request)
        language, version = self._found[request.language]
        body: dict[str, Any] = {
            "language": language,
            "version": version,
            "files": [{"name": _RUNTIMES[request.language][2], "content": source_of(request)}],
            "stdin": request.stdin,
            "args": [],
        }
        wanted = {
            "run_timeout": round(limits.wall_seconds * 1000),
            "run_cpu_time": round(limits.cpu_seconds * 1000),
            "run_memory_limit": limits.memory_mb * 1024 * 1024,
        }
        started = time.monotonic()
        refusal = ""
        # One more try per limit the server may turn down, then its refusal stands.
        for _ in range(len(wanted) + 1):
            body.update(
                {field: min(value, self._caps.get(field, value)) for field, value in wanted.items()}
            )
            code, answer = await self._server.call(
                "POST",
                "api/v2/execute",
                body=body,
                timeout=limits.wall_seconds + _MARGIN_SECONDS,
                max_bytes=answer_cap(limits.output_bytes),
            )
            if code == 200:
                break
            said = answer.get("message") if isinstance(answer, dict) else None
            if not isinstance(said, str):
                raise self._server.unreadable()
            refusal = said
            capped = _CONFIGURED_LIMIT.match(refusal)
            if capped is None or capped.group(1) not in wanted:
                raise self._server.refused(refusal)
            self._caps[capped.group(1)] = int(capped.group(2))
        else:
            raise self._server.refused(refusal)
        elapsed = time.monotonic() - started
        try:
            return _result(request.language, answer, limits, body, elapsed)
        except (TypeError, KeyError, AttributeError, ValueError):
            raise self._server.unreadable() from None

    async def close(self) -> None:
        """The session belongs to the bot; nothing of ours stays open."""


def _pick_runtimes(runtimes: Any) -> dict[str, tuple[str, str]]:
    """The newest runtime per canonical language among what the server lists."""
    if not isinstance(runtimes, list):
        raise TypeError("runtimes is not a list")
    found: dict[str, tuple[str, str]] = {}
    for name, (language, runtime, _) in _RUNTIMES.items():
        versions = [
            str(entry["version"])
            for entry in runtimes
            if entry["language"] == language
            and (runtime is None or entry.get("runtime") in (None, runtime))
            # Python 2 is also "python" on Piston; members are promised Python 3.
            and (name != "python" or str(entry["version"]).startswith("3"))
        ]
        if versions:
            found[name] = (language, max(versions, key=version_key))
    return found


def _label(name: str, version: str) -> str:
    return {
        "python": f"Python {version}",
        "sql": f"SQL (SQLite {version})",
        "javascript": f"JavaScript (Node.js {version})",
        "bash": f"Bash {version}",
    }[name]


def _result(
    language: str, answer: Any, limits: RunLimits, body: dict[str, Any], elapsed: float
) -> RunResult:
    stage = answer["run"]
    stderr_prefix = ""
    compile_stage = answer.get("compile")
    # A failed compile stage is the whole answer (Piston copies it into `run`); its messages
    # are what the member needs, so they show as stderr.
    if isinstance(compile_stage, dict) and (
        compile_stage.get("code") or compile_stage.get("signal")
    ):
        stage = compile_stage
        stderr_prefix = str(compile_stage.get("stdout") or "")
    stdout = "" if stage is compile_stage else str(stage.get("stdout") or "")
    stderr = stderr_prefix + str(stage.get("stderr") or "")
    hits: set[LimitHit] = set()
    status = stage.get("status")
    if status == "XX":
        raise RunnerUnavailable("The code runner failed on its side; try again later.")
    signal = stage.get("signal")
    if status == "TO":
        wall = "wall" in str(stage.get("message") or "")
        hits.add(LimitHit.WALL_TIME if wall else LimitHit.CPU_TIME)
    elif status in ("OL", "EL"):
        hits.add(LimitHit.OUTPUT)
    memory = stage.get("memory")
    if (
        signal == "SIGKILL"
        and status not in ("TO", "OL", "EL")
        and isinstance(memory, int | float)
        and memory >= _MEMORY_KILL_SHARE * body["run_memory_limit"]
    ):
        hits.add(LimitHit.MEMORY)
    stdout, stderr, truncated = cut_output(stdout, stderr, limits.output_bytes)
    if truncated or LimitHit.OUTPUT in hits:
        hits.add(LimitHit.OUTPUT)
        truncated = True
    wall_ms = stage.get("wall_time")
    code = stage.get("code")
    return RunResult(
        language=language,
        stdout=stdout,
        stderr=stderr,
        exit_code=None if signal else int(code if code is not None else 1),
        signal=str(signal) if signal else None,
        duration_seconds=wall_ms / 1000 if isinstance(wall_ms, int | float) else elapsed,
        limits_hit=frozenset(hits),
        output_truncated=truncated,
    )
