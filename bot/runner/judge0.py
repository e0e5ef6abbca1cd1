"""Runs code on an existing Judge0 server (judge0/judge0, CE or extra).

`GET /languages` lists the installed languages by id and name ("Python (3.8.1)");
`GET /config_info` gives the server's maximum limits and whether it may answer a submission
in the same request (`wait=true`). A run is `POST /submissions?base64_encoded=true` — with
`wait=true` when allowed, the answer is the finished submission; otherwise (or when the server
stopped waiting first) the engine polls `GET /submissions/{token}` until the run ends.
"""

from __future__ import annotations

import asyncio
import base64
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
    signal_name,
    source_of,
    statuses,
    version_key,
)

if TYPE_CHECKING:
    import aiohttp

# Judge0's language names, "<name> (<version>)"; the version is what the newest pick compares.
_NAMES: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"^Python \((3[\d.]*)\)$"),
    "sql": re.compile(r"^SQL \(SQLite ([\d.]+)\)$"),
    "javascript": re.compile(r"^JavaScript \(Node\.js ([\d.]+)\)$"),
    "bash": re.compile(r"^Bash \(([\d.]+)\)$"),
}
_FIELDS = (
    "token,stdout,stderr,compile_output,message,status,time,wall_time,memory,exit_code,exit_signal"
)
_DISCOVERY_TIMEOUT = 10.0
_DISCOVERY_MAX_BYTES = 1024 * 1024
# Beyond the run's wall limit: Judge0 queues the submission for a worker, and with wait=true
# checks for its end only every second or so.
_MARGIN_SECONDS = 15.0
_POLL_FIRST_SECONDS = 0.25
_POLL_MAX_SECONDS = 1.0
_MEMORY_KILL_SHARE = 0.9
_SIGKILL = 9
# Status ids (GET /statuses).
_IN_QUEUE, _PROCESSING, _ACCEPTED, _WRONG_ANSWER = 1, 2, 3, 4
_TIME_LIMIT, _COMPILE_ERROR, _SIGXFSZ = 5, 6, 8
_RUNTIME_ERRORS = range(7, 13)
# Request field → the config_info key holding the server's maximum for it.
_MAXIMA = {
    "cpu_time_limit": "max_cpu_time_limit",
    "wall_time_limit": "max_wall_time_limit",
    "memory_limit": "max_memory_limit",
    "max_processes_and_or_threads": "max_max_processes_and_or_threads",
    "max_file_size": "max_max_file_size",
}


class Judge0Engine:
    """A RunEngine backed by a Judge0 server; `start()` learns its languages and limits."""

    def __init__(self, url: str, session: aiohttp.ClientSession, token: str | None = None) -> None:
        # X-Auth-Token is Judge0's default AUTHN_HEADER.
        self._server = RemoteServer("Judge0", url, session, "X-Auth-Token", token)
        # Canonical language → (language id, name as the server says it).
        self._found: dict[str, tuple[int, str]] = {}
        self._reason: str | None = f"The Judge0 server at {self._server.shown} was not asked yet."
        self._maxima: dict[str, float] = {}
        self._wait = True

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    async def start(self) -> None:
        try:
            _, languages = await self._server.call(
                "GET", "languages", timeout=_DISCOVERY_TIMEOUT, max_bytes=_DISCOVERY_MAX_BYTES
            )
            self._found = _pick_languages(languages)
        except RunnerUnavailable as error:
            self._reason = error.message
            return
        except (TypeError, KeyError, ValueError):
            self._reason = self._server.unreadable().message
            return
        self._reason = None
        try:
            code, info = await self._server.call(
                "GET", "config_info", timeout=_DISCOVERY_TIMEOUT, max_bytes=_DISCOVERY_MAX_BYTES
            )
        except RunnerUnavailable:
            # Without it runs still work, at the limits Nexus asks for.
            return
        if code == 200 and isinstance(info, dict):
            self._wait = info.get("enable_wait_result") is not False
            self._maxima = {
                field: float(info[key])
                for field, key in _MAXIMA.items()
                if isinstance(info.get(key), int | float)
            }

    def languages(self) -> list[LanguageStatus]:
        if self._reason is not None:
            return statuses({}, {}, self._reason)
        return statuses(
            {name: label for name, (_, label) in self._found.items()},
            {name: label for name, (_, label) in self._found.items()},
            f"The Judge0 server at {self._server.shown} has no {{language}} language.",
        )

    async def execute(self, request: RunRequest, limits: RunLimits) -> RunResult:
        ensure_runnable(self._reason, self.languages(), request)
        body = {
            "source_code": _encode(source_of(request)),
            "language_id": self._found[request.language][0],
            "stdin": _encode(request.stdin),
            "redirect_stderr_to_stdout": False,
            **self._within_maxima(limits),
        }
        started = time.monotonic()
        deadline = started + limits.wall_seconds + _MARGIN_SECONDS
        query = {
            "base64_encoded": "true",
            "wait": "true" if self._wait else "false",
            "fields": _FIELDS,
        }
        code, answer = await self._server.call(
            "POST",
            "submissions",
            body=body,
            query=query,
            timeout=deadline - time.monotonic(),
            max_bytes=answer_cap(limits.output_bytes),
            accept=(201,),
        )
        if code == 400 and isinstance(answer, dict) and answer.get("error") == "wait not allowed":
            self._wait = False
            return await self.execute(request, limits)
        if code != 201:
            raise self._server.refused(_refusal(answer))
        try:
            # Without wait the answer is only {"token": …}; with it, a run still queued when
            # Judge0 stopped waiting comes back In Queue or Processing.
            while _unfinished(answer):
                answer = await self._poll(str(answer["token"]), deadline, limits)
            return _result(request.language, answer, limits, body, time.monotonic() - started)
        except (TypeError, KeyError, ValueError, AttributeError):
            raise self._server.unreadable() from None

    async def close(self) -> None:
        """The session belongs to the bot; nothing of ours stays open."""

    def _within_maxima(self, limits: RunLimits) -> dict[str, float | int]:
        wanted: dict[str, float | int] = {
            "cpu_time_limit": limits.cpu_seconds,
            # Judge0 refuses a wall limit under one second.
            "wall_time_limit": max(1.0, limits.wall_seconds),
            "memory_limit": limits.memory_mb * 1024,
            "max_processes_and_or_threads": limits.processes,
            "max_file_size": limits.file_size_mb * 1024,
        }
        for field, maximum in self._maxima.items():
            value = wanted[field]
            wanted[field] = min(value, type(value)(maximum))
        return wanted

    async def _poll(self, token: str, deadline: float, limits: RunLimits) -> Any:
        pause = _POLL_FIRST_SECONDS
        while True:
            if time.monotonic() + pause >= deadline:
                raise self._server.down()
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_MAX_SECONDS)
            code, answer = await self._server.call(
                "GET",
                f"submissions/{token}",
                query={"base64_encoded": "true", "fields": _FIELDS},
                timeout=max(0.1, deadline - time.monotonic()),
                max_bytes=answer_cap(limits.output_bytes),
            )
            if code != 200:
                # The submission is gone (deleted, or the server's database was reset).
                raise self._server.refused(_refusal(answer))
            if not _unfinished(answer):
                return answer


def _pick_languages(languages: Any) -> dict[str, tuple[int, str]]:
    if not isinstance(languages, list):
        raise TypeError("languages is not a list")
    found: dict[str, tuple[int, str]] = {}
    for canonical, pattern in _NAMES.items():
        matches = [
            (version_key(named.group(1)), int(entry["id"]), str(entry["name"]))
            for entry in languages
            if (named := pattern.match(str(entry["name"]))) is not None
        ]
        if matches:
            _, language_id, name = max(matches)
            found[canonical] = (language_id, name)
    return found


def _unfinished(answer: Any) -> bool:
    status = answer.get("status")
    return status is None or status["id"] in (_IN_QUEUE, _PROCESSING)


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def _decode(value: Any) -> str:
    if value is None:
        return ""
    # Judge0 encodes with Ruby's encode64, which breaks lines every 60 characters;
    # b64decode skips the newlines.
    return base64.b64decode(str(value)).decode(errors="replace")


def _refusal(answer: Any) -> str:
    """Judge0 refuses as {"error": "…"} or, for invalid fields, {"field": ["…", …]}."""
    if isinstance(answer, dict):
        if isinstance(answer.get("error"), str):
            return str(answer["error"])
        return (
            "; ".join(
                f"{field} {' and '.join(str(m) for m in messages)}"
                for field, messages in answer.items()
                if isinstance(messages, list)
            )
            or "no reason given"
        )
    return "no reason given"


def _result(
    language: str, answer: Any, limits: RunLimits, body: dict[str, Any], elapsed: float
) -> RunResult:
    status = int(answer["status"]["id"])
    if status not in (_ACCEPTED, _WRONG_ANSWER, _TIME_LIMIT, _COMPILE_ERROR) and (
        status not in _RUNTIME_ERRORS
    ):
        raise RunnerUnavailable("The code runner failed on its side; try again later.")
    stdout = _decode(answer.get("stdout"))
    stderr = _decode(answer.get("stderr"))
    message = _decode(answer.get("message"))
    exit_code = answer.get("exit_code")
    signal_number = answer.get("exit_signal")
    hits: set[LimitHit] = set()
    if status == _COMPILE_ERROR:
        # The compiler's words are what the member needs; they show as stderr.
        stderr = _decode(answer.get("compile_output")) + stderr
        exit_code = exit_code or 1
    elif status == _TIME_LIMIT:
        hits.add(LimitHit.WALL_TIME if "wall" in message else LimitHit.CPU_TIME)
        signal_number = signal_number or _SIGKILL
    elif status == _SIGXFSZ:
        hits.add(LimitHit.FILE_SIZE)
    memory = answer.get("memory")
    if (
        signal_number == _SIGKILL
        and status in _RUNTIME_ERRORS
        and isinstance(memory, int | float)
        and memory >= _MEMORY_KILL_SHARE * body["memory_limit"]
    ):
        hits.add(LimitHit.MEMORY)
    stdout, stderr, truncated = cut_output(stdout, stderr, limits.output_bytes)
    if truncated:
        hits.add(LimitHit.OUTPUT)
    wall = answer.get("wall_time")
    return RunResult(
        language=language,
        stdout=stdout,
        stderr=stderr,
        exit_code=None if signal_number else int(exit_code or 0),
        signal=signal_name(int(signal_number)) if signal_number else None,
        duration_seconds=float(wall) if wall is not None else elapsed,
        limits_hit=frozenset(hits),
        output_truncated=truncated,
    )
