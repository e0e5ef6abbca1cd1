"""The languages the local jail runs: where each one's program is on this machine, the
command that runs a member's code inside the jail, and what is missing when it cannot run.

Only programs under /usr count: the jail binds /usr and nothing else of the system, so an
interpreter installed under /root or /opt (pyenv, nvm) could not start there anyway.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.runner.records import (
    BASH,
    JAVASCRIPT,
    PYTHON,
    SQL,
    KnownLanguage,
    LanguageStatus,
    RunLimits,
    RunRequest,
)

# Where the member's files appear inside the jail (read-only).
CODE_DIR = "/code"
SQL_DRIVER = Path(__file__).with_name("sql_driver.py")
# Debian's interpreter: the bot's own Python may live in a virtualenv or under /root.
SYSTEM_PYTHON = "/usr/bin/python3"


@functools.cache
def sql_driver() -> str:
    """The SQL driver's source, read once: it is passed to Python with -c on every SQL run."""
    return SQL_DRIVER.read_text(encoding="utf-8")


class MemoryLimit(StrEnum):
    """How a language's memory is capped. V8 reserves gigabytes of address space it never
    touches, so node cannot start under a 256 MB RLIMIT_AS; RLIMIT_DATA counts only what is
    writable and private, which caps node's real use while its reservations stay free."""

    ADDRESS_SPACE = "as"
    DATA = "data"


@dataclass(frozen=True)
class Language:
    known: KnownLanguage
    # The interpreter's candidate paths, first found wins; its package's name for the reason.
    programs: tuple[str, ...]
    package: str
    extension: str
    memory_limit: MemoryLimit = MemoryLimit.ADDRESS_SPACE

    @property
    def name(self) -> str:
        return self.known.name

    @property
    def label(self) -> str:
        return self.known.label

    def program(self) -> str | None:
        return next((path for path in self.programs if os.access(path, os.X_OK)), None)

    def status(self) -> LanguageStatus:
        found = self.program() is not None
        reason = None if found else f"{self.package} is not installed"
        return LanguageStatus(self.name, self.label, found, reason, self.known.aliases)

    def files(self, request: RunRequest) -> dict[str, bytes]:
        """The files the run needs inside the jail, by their path there."""
        files = {f"{CODE_DIR}/main.{self.extension}": request.code.encode()}
        if self.name == "sql":
            files[f"{CODE_DIR}/fixture.sql"] = request.fixture.encode()
        return files

    def command(self, program: str, limits: RunLimits) -> list[str]:
        """The argv inside the jail, after the resource limits are set."""
        main = f"{CODE_DIR}/main.{self.extension}"
        if self.name == "python":
            # -I: no environment variables, no user site, no script directory on sys.path.
            return [program, "-I", main]
        if self.name == "sql":
            return [program, "-I", "-c", sql_driver(), f"{CODE_DIR}/fixture.sql", main]
        if self.name == "javascript":
            # The heap limit makes V8 fail with its own message before RLIMIT_DATA does.
            return [program, f"--max-old-space-size={limits.memory_mb}", main]
        return [program, main]


LANGUAGES = (
    Language(
        PYTHON,
        (SYSTEM_PYTHON,),
        "python3",
        "py",
    ),
    Language(
        SQL,
        (SYSTEM_PYTHON,),
        "python3 (for SQLite)",
        "sql",
    ),
    Language(
        JAVASCRIPT,
        ("/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"),
        "node",
        "js",
        MemoryLimit.DATA,
    ),
    Language(
        BASH,
        ("/usr/bin/bash", "/bin/bash"),
        "bash",
        "sh",
    ),
)


def find_language(name: str) -> Language | None:
    """The language a name or alias means, in any case."""
    return next((lang for lang in LANGUAGES if lang.known.means(name)), None)
