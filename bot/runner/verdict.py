"""What a finished jail run means: its exit status or signal and which limits ended it.

bubblewrap reports a program killed by signal N as exit status 128 + N (as shells do), so a
program that itself exits with such a status reads as that signal; no language's normal
failure uses those numbers. Memory, file-size and process limits surface as the language's
own error messages, so they are recognised in what the program wrote to stderr.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from bot.runner.records import LimitHit, RunLimits, RunResult

SIGNAL_BASE = 128
# The signals a jailed program dies of; another status above 128 is the program's own.
FATAL_SIGNALS = frozenset(
    {
        signal.SIGABRT,
        signal.SIGBUS,
        signal.SIGFPE,
        signal.SIGHUP,
        signal.SIGILL,
        signal.SIGINT,
        signal.SIGKILL,
        signal.SIGPIPE,
        signal.SIGSEGV,
        signal.SIGSYS,
        signal.SIGTERM,
        signal.SIGXCPU,
        signal.SIGXFSZ,
    }
)
MEMORY_MESSAGES = (
    "MemoryError",
    "Cannot allocate memory",
    "JavaScript heap out of memory",
    "Array buffer allocation failed",
    "out of memory",
)
FILE_SIZE_MESSAGES = ("File too large",)
PROCESS_MESSAGES = ("Resource temporarily unavailable", "spawn EAGAIN")
# Only the end of stderr is searched: that is where a dying program says why.
STDERR_TAIL = 4096


@dataclass(frozen=True)
class Finished:
    """One run as the jail saw it, before it is judged."""

    language: str
    stdout: bytes
    stderr: bytes
    # bwrap's exit status; negative when a signal ended bwrap itself (the jail's own kill).
    returncode: int
    duration_seconds: float
    # The limit the jail enforced from outside by killing the run, if it did.
    killed_for: LimitHit | None
    output_truncated: bool


def _status(returncode: int) -> tuple[int | None, signal.Signals | None]:
    if returncode < 0:
        return None, signal.Signals(-returncode)
    if returncode > SIGNAL_BASE:
        try:
            number = signal.Signals(returncode - SIGNAL_BASE)
        except ValueError:
            return returncode, None
        if number in FATAL_SIGNALS:
            return None, number
    return returncode, None


def _said(stderr: str, messages: tuple[str, ...]) -> bool:
    tail = stderr[-STDERR_TAIL:]
    return any(message in tail for message in messages)


def judge(run: Finished, limits: RunLimits) -> RunResult:
    exit_code, ended_by = _status(run.returncode)
    stderr = run.stderr.decode("utf-8", errors="replace")
    hit: set[LimitHit] = set()
    if run.killed_for is not None:
        hit.add(run.killed_for)
    elif ended_by == signal.SIGXCPU or (
        # The hard CPU limit is the only SIGKILL inside the jail nobody asked for.
        ended_by == signal.SIGKILL and run.duration_seconds >= limits.cpu_seconds
    ):
        hit.add(LimitHit.CPU_TIME)
    if exit_code != 0:
        if ended_by == signal.SIGXFSZ or _said(stderr, FILE_SIZE_MESSAGES):
            hit.add(LimitHit.FILE_SIZE)
        if _said(stderr, MEMORY_MESSAGES):
            hit.add(LimitHit.MEMORY)
        if _said(stderr, PROCESS_MESSAGES):
            hit.add(LimitHit.PROCESSES)
    return RunResult(
        language=run.language,
        stdout=run.stdout.decode("utf-8", errors="replace"),
        stderr=stderr,
        exit_code=exit_code,
        signal=ended_by.name if ended_by is not None else None,
        duration_seconds=run.duration_seconds,
        limits_hit=frozenset(hit),
        output_truncated=run.output_truncated,
    )
