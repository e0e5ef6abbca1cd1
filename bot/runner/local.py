"""The local jail as a RunEngine: starts one bubblewrap jail per run as an unprivileged host
user, feeds it stdin, reads its output up to the limit, kills it at the wall-time limit and
hands the outcome to `bot/runner/verdict.py`. It never runs code outside the jail: when the
jail cannot start, it says why and runs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.runner import jail
from bot.runner.languages import LANGUAGES, MemoryLimit, find_language
from bot.runner.records import (
    LanguageStatus,
    LimitHit,
    RunLimits,
    RunnerUnavailable,
    RunRequest,
    RunResult,
)
from bot.runner.seccomp import compile_filter
from bot.runner.verdict import Finished, judge

log = logging.getLogger(__name__)
CHUNK = 65536
# After a kill, how long the pipes may take to close before the reading stops anyway.
KILL_GRACE_SECONDS = 2.0
# How long the one trial jail at start may take before the jail is declared broken.
PROBE_SECONDS = 20.0
# A small budget for the trial: it runs /usr/bin/true.
PROBE_LIMITS = RunLimits(cpu_seconds=5, wall_seconds=PROBE_SECONDS, memory_mb=64, processes=8)
# bwrap's own words when the kernel refuses it a user namespace.
# Jailed programs yield the CPU to the bot (19 is the lowest priority; 10 still lets a run
# finish promptly on an idle machine).
JAIL_NICENESS = 10
NAMESPACE_WORDS = ("namespace", "uid map", "setting up uid", "Operation not permitted")


@dataclass
class _Output:
    """Both streams of one run, counted together against the output limit."""

    limit: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    full: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, into: bytearray, data: bytes) -> None:
        room = self.limit - len(self.stdout) - len(self.stderr)
        if len(data) > room:
            data = data[: max(room, 0)]
            self.truncated = True
            self.full.set()
        into.extend(data)


class LocalJail:
    """Runs members' code in a bubblewrap jail on this machine.

    `host_uid` is the first unprivileged host user the jails run as when the bot is root; each
    concurrent run takes its own (host_uid + slot), so one run's processes never count
    against another's process limit. When the bot is not root, jails run as the bot's user.
    """

    def __init__(self, host_uid: int = 65534) -> None:
        self._host_uid = host_uid
        self._uids_in_use: set[int] = set()
        self._running: set[asyncio.subprocess.Process] = set()
        self._closed = False
        self._started = False
        self._start_lock = asyncio.Lock()
        self._seccomp = b""
        self._bwrap = shutil.which("bwrap") or ""
        self._reason = self._static_reason()

    def _static_reason(self) -> str | None:
        if not self._bwrap:
            return "bubblewrap (bwrap) is not installed"
        for program in (jail.PRLIMIT, jail.NICE, jail.SETPRIV):
            if not os.access(program, os.X_OK):
                return f"{program} (util-linux or coreutils) is not installed"
        return None

    async def _compile_seccomp(self) -> str | None:
        # Loading libseccomp and compiling takes about half a second: in a thread, at start,
        # so neither the bot's start-up nor its event loop waits for it.
        try:
            self._seccomp = await asyncio.to_thread(compile_filter)
        except (OSError, RuntimeError, ImportError) as error:
            return f"the seccomp filter cannot be built (libseccomp): {error}"
        return None

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    def languages(self) -> list[LanguageStatus]:
        return [language.status() for language in LANGUAGES]

    async def start(self) -> None:
        """Start one trial jail, once, so that a kernel without user namespaces (or any other
        refusal) is reported before the first member's run, not during it."""
        async with self._start_lock:
            if self._started or self._reason is not None:
                return
            self._started = True
            self._reason = await self._compile_seccomp() or await self._probe()
            if self._reason is not None:
                log.warning("the code jail cannot start: %s", self._reason)

    async def _probe(self) -> str | None:
        try:
            outcome = await self._run(
                ["/usr/bin/true"], files={}, stdin=b"", limits=PROBE_LIMITS, name="probe"
            )
        except OSError as error:
            return f"bubblewrap could not be started: {error}"
        if outcome.returncode == 0:
            return None
        message = outcome.stderr.decode(errors="replace").strip() or f"exit {outcome.returncode}"
        if any(word in message for word in NAMESPACE_WORDS):
            return f"user namespaces are disabled: {message}"
        return f"the jail does not start: {message}"

    async def execute(self, request: RunRequest, limits: RunLimits) -> RunResult:
        await self.start()
        if self._closed:
            raise RunnerUnavailable("The code runner is shutting down.")
        if self._reason is not None:
            raise RunnerUnavailable(f"Code cannot run here: {self._reason}.")
        language = find_language(request.language)
        program = language.program() if language else None
        if language is None or program is None:
            raise RunnerUnavailable(f"{request.language} cannot run here.")
        outcome = await self._run(
            language.command(program, limits),
            files=language.files(request),
            stdin=request.stdin.encode(),
            limits=limits,
            name=language.name,
            memory=language.memory_limit,
        )
        return judge(outcome, limits)

    async def _run(
        self,
        command: list[str],
        *,
        files: dict[str, bytes],
        stdin: bytes,
        limits: RunLimits,
        name: str,
        memory: MemoryLimit = MemoryLimit.ADDRESS_SPACE,
    ) -> Finished:
        if not self._seccomp:
            # Never a jail without its system-call filter, whatever the caller forgot.
            raise RunnerUnavailable("The code jail has not started yet.")
        with self._host_user() as uid, _data_fds({**jail.account_files(), **files}) as fds:
            seccomp_fd = _memfd("seccomp", self._seccomp)
            try:
                argv = jail.bwrap_argv(
                    self._bwrap, command, limits, memory, jail.JailFiles(seccomp_fd, fds)
                )
                started = time.monotonic()
                process = await asyncio.create_subprocess_exec(
                    *_as_host_user(uid),
                    *argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    pass_fds=(seccomp_fd, *fds.values()),
                    process_group=0,
                    close_fds=True,
                    env={},
                )
            finally:
                os.close(seccomp_fd)
        self._running.add(process)
        try:
            return await self._collect(process, stdin, limits, name, started)
        finally:
            self._running.discard(process)

    async def _collect(
        self,
        process: asyncio.subprocess.Process,
        stdin: bytes,
        limits: RunLimits,
        name: str,
        started: float,
    ) -> Finished:
        output = _Output(limits.output_bytes)
        assert process.stdout is not None and process.stderr is not None
        readers = [
            asyncio.create_task(_read(process.stdout, output, output.stdout)),
            asyncio.create_task(_read(process.stderr, output, output.stderr)),
        ]
        feeder = asyncio.create_task(_feed(process, stdin))
        ended = asyncio.create_task(_finish(process, readers))
        full = asyncio.create_task(output.full.wait())
        killed_for: LimitHit | None = None
        try:
            done, _ = await asyncio.wait(
                {ended, full}, timeout=limits.wall_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            if ended not in done:
                killed_for = LimitHit.OUTPUT if full in done else LimitHit.WALL_TIME
                _kill(process)
                returncode = await _reap(process, ended)
            else:
                returncode = ended.result()
        finally:
            full.cancel()
            feeder.cancel()
            if not ended.done():
                _kill(process)
                ended.cancel()
        return Finished(
            language=name,
            stdout=bytes(output.stdout),
            stderr=bytes(output.stderr),
            returncode=returncode,
            duration_seconds=time.monotonic() - started,
            killed_for=killed_for,
            output_truncated=output.truncated,
        )

    @contextlib.contextmanager
    def _host_user(self) -> Iterator[int | None]:
        if os.geteuid() != 0:
            yield None
            return
        uid = self._host_uid
        while uid in self._uids_in_use:
            uid += 1
        self._uids_in_use.add(uid)
        try:
            yield uid
        finally:
            self._uids_in_use.discard(uid)

    async def close(self) -> None:
        """Refuse new runs and kill the running ones (their readers then see the end)."""
        self._closed = True
        for process in list(self._running):
            _kill(process)


def _as_host_user(uid: int | None) -> list[str]:
    """What goes before bwrap: a low CPU priority, so a saturated pool leaves the bot's own
    process the CPU it needs to answer everyone else; and, when the bot is root, the switch to
    the slot's unprivileged host user. Both done by small programs exec'd on the way rather
    than by Popen's `user=`, which would make Python fork the whole bot instead of vfork-ing:
    a copy of its page tables on the event loop for every run."""
    niced = [jail.NICE, "-n", str(JAIL_NICENESS)]
    if uid is None:
        return niced
    return [*niced, jail.SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def _kill(process: asyncio.subprocess.Process) -> None:
    # bwrap leads its own process group (process_group=0); --die-with-parent then kills the
    # jail's init, and with it the whole PID namespace, background processes included.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    try:
        _write_all(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextlib.contextmanager
def _data_fds(files: dict[str, bytes]) -> Iterator[dict[str, int]]:
    fds: dict[str, int] = {}
    try:
        for path, data in files.items():
            fds[path] = _memfd(os.path.basename(path), data)
        yield fds
    finally:
        for fd in fds.values():
            os.close(fd)


async def _read(stream: asyncio.StreamReader, output: _Output, into: bytearray) -> None:
    while chunk := await stream.read(CHUNK):
        output.add(into, chunk)


async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    assert process.stdin is not None
    # A program that exits without reading its input is not an error.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if data:
            process.stdin.write(data)
            await process.stdin.drain()
        process.stdin.close()


async def _reap(process: asyncio.subprocess.Process, ended: asyncio.Task[int]) -> int:
    """bwrap's status after a kill; should anything still hold the pipes open, stop reading."""
    try:
        return await asyncio.wait_for(ended, KILL_GRACE_SECONDS)
    except TimeoutError:
        return await process.wait()


async def _finish(process: asyncio.subprocess.Process, readers: list[asyncio.Task[None]]) -> int:
    await asyncio.gather(*readers)
    return await process.wait()
