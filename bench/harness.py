"""Shared benchmark plumbing: a sandbox with a demo guild, bots in their own processes, and
drivers that fire interactions sequentially or concurrently and summarise the latencies."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox import SandboxServer

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Stage:
    """A sandbox with one guild, one channel and a few members, and the bot process serving it."""

    server: SandboxServer
    guild: Any
    channel: Any
    users: list[Any]
    process: asyncio.subprocess.Process


@dataclass(frozen=True)
class Summary:
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    per_second: float

    def row(self, label: str) -> str:
        return (
            f"{label:<34} {self.count:>6} {self.p50_ms:>8.2f} {self.p99_ms:>8.2f} "
            f"{self.mean_ms:>8.2f} {self.per_second:>9.0f}"
        )


HEADER = f"{'run':<34} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'per s':>9}"


def summarise(latencies: list[float], elapsed: float) -> Summary:
    ordered = sorted(latencies)
    p99_index = min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))
    return Summary(
        count=len(ordered),
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[p99_index] * 1000,
        mean_ms=statistics.fmean(ordered) * 1000,
        per_second=len(ordered) / elapsed,
    )


def guild_with_id(server: SandboxServer, name: str, guild_id: int) -> Any:
    """A sandbox guild whose id is `guild_id` rather than a fresh snowflake (the sandbox picks
    every id itself): the next id the sandbox hands out, the guild's, is swapped once."""
    generator = server.state.snowflakes
    fresh = generator.next

    def once(*, shard: tuple[int, int] | None = None) -> int:
        del generator.next  # back to the class's method for every later id
        fresh(shard=shard)
        return guild_id

    generator.next = once  # type: ignore[method-assign]
    return server.create_guild(name)


def bot_command(kind: str) -> list[str]:
    if kind == "nexus":
        return [sys.executable, "-m", "bot", "run"]
    if kind == "donothing":
        return [sys.executable, "-m", "bench.donothing"]
    raise ValueError(kind)


@asynccontextmanager
async def stage(
    kind: str,
    *,
    database_url: str | None = None,
    members: int = 4,
    guild_id: int | None = None,
    member_ids: Sequence[int] = (),
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Stage]:
    """Start a sandbox and a bot process (`nexus` or `donothing`) against it.

    `guild_id` and `member_ids` give the guild and some members the ids a seeded database
    already uses (they follow the `members` numbered ones in `Stage.users`); `env` adds to
    the bot's environment (configuration such as NEXUS_SNIPPETS__SHARES_PER_MINUTE).
    """
    server = SandboxServer()
    await server.start()
    guild = guild_with_id(server, "Bench", guild_id) if guild_id else server.create_guild("Bench")
    channel = guild.create_channel("general")
    users = []
    for number in range(members):
        user = server.create_user(f"member{number}")
        guild.add_member(user)
        users.append(user)
    for ident in member_ids:
        user = server.state.create_user(f"seeded{ident}", ident=ident)
        guild.add_member(user)
        users.append(user)
    with tempfile.TemporaryDirectory(prefix="nexus-bench-") as home:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "PYTHONPATH": str(REPO),
            "DISCORD_TOKEN": server.bot_token,
            "DISCORD_API_URL": server.api_url,
            "DISCORD_GATEWAY_URL": server.gateway_url,
            "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{home}/nexus.db",
            "NEXUS_WEB__ENABLED": "false",
            "NEXUS_LOG__LEVEL": "WARNING",
            "NEXUS_DISCORD__GUILD_READY_TIMEOUT": "0.1",
            **(env or {}),
        }
        process = await asyncio.create_subprocess_exec(
            *bot_command(kind), cwd=REPO, env=env, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            await server.wait_until_ready(timeout=60)
            yield Stage(server, guild, channel, users, process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
            await server.close()


async def drive(stage: Stage, path: str, count: int, concurrency: int, **options: Any) -> Summary:
    """Fire `count` invocations of `path`, `concurrency` at a time; latency = sent → callback."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker(index: int) -> None:
        user = stage.users[index % len(stage.users)]
        for _ in queue:
            result = await stage.server.invoke(
                path, user=user, guild=stage.guild, channel=stage.channel, quiet=0, **options
            )
            if result.latency is None:
                raise RuntimeError(f"{path} got no callback")
            latencies.append(result.latency)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return summarise(latencies, time.perf_counter() - started)
