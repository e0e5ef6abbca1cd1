"""What a code run asks for and what it gives back, whichever engine ran it.

Plain data, no Discord and no engine: the jail (`bot/runner/jail.py`), the remote engines
(`bot/runner/remote.py`) and the features that show results all speak these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


class LimitHit(StrEnum):
    """Which limit ended or cut a run; shown to the member so they know what to change."""

    CPU_TIME = "cpu time"
    WALL_TIME = "wall time"
    MEMORY = "memory"
    OUTPUT = "output"
    FILE_SIZE = "file size"
    PROCESSES = "processes"


@dataclass(frozen=True)
class RunLimits:
    """One run's budget. Defaults are the documented ones; `runner:` in the config overrides."""

    cpu_seconds: float = 2.0
    wall_seconds: float = 5.0
    memory_mb: int = 256
    processes: int = 32
    file_size_mb: int = 16
    output_bytes: int = 1_000_000
    tmp_size_mb: int = 64


@dataclass(frozen=True)
class RunRequest:
    """`language` is a canonical name from `LanguageStatus.name` ("python", "sql",
    "javascript", "bash"). `fixture` is SQL run before `code` in the same in-memory database
    (SQL only; its output is not shown)."""

    language: str
    code: str
    stdin: str = ""
    fixture: str = ""


@dataclass(frozen=True)
class RunResult:
    """What happened. Output is decoded (invalid UTF-8 replaced) and cut at the output limit;
    `output_truncated` says whether anything was cut."""

    language: str
    stdout: str
    stderr: str
    # The exit status when the program exited; None when a signal ended it.
    exit_code: int | None
    # The signal's name ("SIGKILL") when one ended it.
    signal: str | None
    duration_seconds: float
    limits_hit: frozenset[LimitHit] = field(default_factory=frozenset)
    output_truncated: bool = False

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.limits_hit


@dataclass(frozen=True)
class LanguageStatus:
    """One language the runner knows: whether it can run here and, if not, why not."""

    name: str
    label: str
    available: bool
    # Why it cannot run ("node is not installed"); None when available.
    reason: str | None = None
    # Other names members type or fences use: "py", "python3", "js", "sh", "sqlite" …
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownLanguage:
    """A language Nexus knows how to run, whichever engine runs it."""

    name: str
    label: str
    # Other names members type or fences use.
    aliases: tuple[str, ...]

    def means(self, name: str) -> bool:
        """Whether `name` (any case) is this language's name or one of its aliases."""
        wanted = name.strip().lower()
        return wanted == self.name or wanted in self.aliases


# Every engine runs these four; the order is the order members see.
PYTHON = KnownLanguage("python", "Python 3", ("py", "python3"))
SQL = KnownLanguage("sql", "SQL (SQLite)", ("sqlite", "sqlite3"))
JAVASCRIPT = KnownLanguage("javascript", "JavaScript (Node.js)", ("js", "node", "nodejs"))
BASH = KnownLanguage("bash", "Bash", ("sh", "shell"))
KNOWN_LANGUAGES: tuple[KnownLanguage, ...] = (PYTHON, SQL, JAVASCRIPT, BASH)


class RunnerUnavailable(UserFacingError):
    """Running is off, or this language cannot run here; the message says why."""


class RunnerBusy(UserFacingError):
    """Too many runs are waiting already."""


class RunEngine(Protocol):
    """One way to execute a run, with no queue of its own: the local jail or a remote server.
    `bot/runner/pool.py` puts the bounded queue in front of it and makes it a CodeRunner."""

    @property
    def unavailable_reason(self) -> str | None: ...

    def languages(self) -> list[LanguageStatus]: ...

    async def execute(self, request: RunRequest, limits: RunLimits) -> RunResult:
        """Run one request to its end within `limits`; the program's failure is a result."""
        ...

    async def close(self) -> None: ...


class CodeRunner(Protocol):
    """An engine behind a bounded queue: the local jail pool or a remote Piston/Judge0 server."""

    @property
    def unavailable_reason(self) -> str | None:
        """Why nothing can run at all (no bubblewrap, user namespaces off …); None when ready."""
        ...

    def languages(self) -> list[LanguageStatus]:
        """Every language the runner knows, available or not, in a stable order."""
        ...

    def resolve_language(self, name: str) -> LanguageStatus | None:
        """The language a member's name or a fence tag means ("py" → python), or None."""
        ...

    async def start(self) -> None:
        """Let the engine check itself so `unavailable_reason` and `languages()` are known;
        cheap once done (a remote engine that was down is asked again at most once a minute)."""
        ...

    @property
    def limits(self) -> RunLimits:
        """The budget every run gets (shown with a result that hit one)."""
        ...

    @property
    def waiting(self) -> int:
        """Runs queued and not yet started."""
        ...

    async def run(
        self,
        request: RunRequest,
        *,
        on_queued: Callable[[int], Awaitable[None]] | None = None,
    ) -> RunResult:
        """Run `request`; raise RunnerUnavailable (off, unknown or missing language) or
        RunnerBusy (queue full). A program's own failure is a result, never an exception."""
        ...

    async def close(self) -> None:
        """Stop accepting runs and kill any still running."""
        ...
