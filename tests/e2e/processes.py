"""The bot as a separate process (`python -m bot run`, `python -m bot db …`) beside the test.

Shared by the tests that need a real process: one that can be SIGTERMed, SIGKILLed and started
again on the same database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.sandbox import SandboxServer

REPO = Path(__file__).resolve().parents[2]


def process_environment(home: Path, database_url: str) -> dict[str, str]:
    """What every `python -m bot …` a test starts gets: nothing leaks in from the developer's
    shell, except a shifted clock (scripts/with-shifted-clock): a process on the real date would
    find everything the test scheduled 400 days away."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url,
    }
    env.update(
        {k: v for k, v in os.environ.items() if k == "LD_PRELOAD" or k.startswith("FAKETIME")}
    )
    return env


def bot_environment(
    sandbox: SandboxServer,
    home: Path,
    database_url: str,
    *,
    token: str | None = None,
    shard: tuple[int, int] | None = None,
) -> dict[str, str]:
    """The whole environment of a bot process against `sandbox`."""
    env = process_environment(home, database_url)
    env.update(
        {
            "DISCORD_TOKEN": sandbox.bot_token if token is None else token,
            "DISCORD_API_URL": sandbox.api_url,
            "DISCORD_GATEWAY_URL": sandbox.gateway_url,
            "NEXUS_WEB__ENABLED": "false",
            "NEXUS_DISCORD__GUILD_READY_TIMEOUT": "0.1",
        }
    )
    if shard is not None:
        shard_id, shard_count = shard
        env["NEXUS_DISCORD__SHARD_COUNT"] = str(shard_count)
        env["NEXUS_DISCORD__SHARD_IDS"] = f"[{shard_id}]"
    return env


async def run_nexus_db(
    home: Path, database_url: str, *args: str, quiet: bool = False
) -> tuple[int, str, str]:
    """`python -m bot db <args>` run to its end in `home`: (exit code, stdout, stderr).

    `quiet` logs only warnings and errors, so what is left on stderr is what a moderator reads.
    """
    env = process_environment(home, database_url)
    if quiet:
        env["NEXUS_LOG__LEVEL"] = "WARNING"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "db",
        *args,
        cwd=home,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, stdout.decode(), stderr.decode()


async def start_bot_process(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` in `env["HOME"]`, its output appended to `log`."""
    # Output to a file, not a pipe: nobody reads a pipe while the test waits, and a full one
    # would stall the process.
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=env["HOME"],
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )


async def kill_process(process: asyncio.subprocess.Process) -> None:
    """SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer acts."""
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def stop_process(process: asyncio.subprocess.Process, log: Path, name: str) -> None:
    """SIGTERM (SIGKILL after 20 s), then print the tail of its log for a failing test."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        await kill_process(process)
    print(f"---- {name} process log (tail) ----\n{log_text(log)[-4000:]}")


def log_text(log: Path, since: int = 0) -> str:
    """The log from byte `since` on (a restarted process appends to its predecessor's)."""
    if not log.exists():
        return ""
    with log.open("rb") as file:
        file.seek(since)
        return file.read().decode(errors="replace")


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.2)
