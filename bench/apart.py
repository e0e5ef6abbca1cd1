"""Three processes: the sandbox (`bench.sandbox_service`), a bot, and this one, which makes the
load. Nothing timed shares an event loop or an interpreter lock with the load it is given.

`apart(kind, ...)` starts the sandbox, then the bot (`nexus` or `donothing`) pointed at it, and
yields an `Apart` whose `invoke` acts through the sandbox's control API; `cpu_seconds(pid)`
reads a process's CPU time and `memory(pid)` its resident memory, from /proc.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness import REPO, bot_command

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ActError(RuntimeError):
    """The sandbox could not do what was asked (no callback, no such button, a bad option)."""


@dataclass
class Apart:
    """The running sandbox and bot, and an HTTP session to the sandbox's control API."""

    info: dict[str, Any]
    sandbox: asyncio.subprocess.Process
    bot: asyncio.subprocess.Process
    http: aiohttp.ClientSession

    @property
    def members(self) -> list[int]:
        return [int(ident) for ident in self.info["members"]]

    async def invoke(self, path: str, user: int, **body: Any) -> dict[str, Any]:
        """Run `path` as `user` (body: options, click, followups); the sandbox's timings."""
        async with self.http.post(
            self.info["control"] + "/invoke", json={"path": path, "as": user, **body}
        ) as response:
            answer: dict[str, Any] = await response.json()
        if response.status != 200:
            raise ActError(answer.get("error", f"status {response.status}"))
        return answer


async def _start_sandbox(
    arguments: Sequence[str],
) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.sandbox_service", *arguments,
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    if not line:
        raise RuntimeError("the sandbox process exited before it was listening")
    return process, json.loads(line)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        process.kill()
        await process.wait()


@asynccontextmanager
async def apart(
    kind: str,
    *,
    members: int = 50,
    database_url: str | None = None,
    guild_id: int | None = None,
    member_ids: Sequence[int] = (),
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> AsyncIterator[Apart]:
    """`log`: where the bot's standard error goes (by default nowhere)."""
    arguments = [f"--members={members}"]
    if guild_id:
        arguments.append(f"--guild-id={guild_id}")
    if member_ids:
        arguments.append("--member-ids=" + ",".join(str(i) for i in member_ids))
    sandbox, info = await _start_sandbox(arguments)
    try:
        with tempfile.TemporaryDirectory(prefix="nexus-bench-") as home:
            bot_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": home,
                "PYTHONPATH": str(REPO),
                "DISCORD_TOKEN": info["token"],
                "DISCORD_API_URL": info["api_url"],
                "DISCORD_GATEWAY_URL": info["gateway_url"],
                "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{home}/nexus.db",
                "NEXUS_WEB__ENABLED": "false",
                "NEXUS_LOG__LEVEL": "WARNING",
                "NEXUS_DISCORD__GUILD_READY_TIMEOUT": "0.1",
                **(env or {}),
            }
            stderr = os.open(log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                bot = await asyncio.create_subprocess_exec(
                    *bot_command(kind), cwd=REPO, env=bot_env, stderr=stderr
                )
            finally:
                os.close(stderr)
            connector = aiohttp.TCPConnector(limit=0)
            timeout = aiohttp.ClientTimeout(total=300)
            try:
                async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                    running = Apart(info, sandbox, bot, http)
                    async with http.post(info["control"] + "/ready", json={"timeout": 120}) as r:
                        if r.status != 200:
                            raise RuntimeError(f"the bot did not get ready: {await r.text()}")
                    yield running
            finally:
                await _stop(bot)
    finally:
        await _stop(sandbox)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile and VmHWM of process `pid`, in KiB, and its Threads."""
    wanted = {"VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"}
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in wanted:
                found[name] = int(value.split()[0])
    return found
