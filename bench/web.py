"""The web pages at the feature benchmarks' sizes: time per page and bytes shipped per page.

    .venv/bin/python -m bench.web            # 1,000,000 snippets, 100,000 feedback items
    .venv/bin/python -m bench.web --quick    # bench.commands' small sizes, fewer requests

Nexus runs as a member would run it (`bench.harness.stage`: its own process, the web server
on, the database `bench.commands` seeds and caches, a fresh copy per run). The reader signs in
the member's way: `/nexus web` through the sandbox, then the one-time link, which sets the
session cookie. A moderator signs in for the moderators' pages.

- Time: p50/p99 of each page, measured by the client over loopback, one request at a time on a
  kept-alive connection (sent → body read), after warm-up requests. Nothing is added to the
  product to time it, so each figure is an upper bound on the server's own time.
- Bytes: what a browser's first load of the page fetches — the HTML, then every stylesheet and
  script it links — raw, and compressed as gzip -6 would send them.

Goals (issue 15): p99 ≤ 30 ms for the board and the snippet page, ≤ 100 ms for the dashboard
with its charts; ≤ 100 KB of JavaScript and CSS on a first load, compressed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import platform
import random
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from bench import commands as commands_bench
from bench.api import answering, free_port
from bench.harness import Summary, stage, summarise

if TYPE_CHECKING:
    from bench.harness import Stage

GUILD = commands_bench.GUILD
LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/api/v1/auth/link/[A-Za-z0-9_-]+)>")
ASSET = re.compile(r"""<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/static/[^"]+)\"""")
WARMUP = 20
ENV = {"NEXUS_WEB__ENABLED": "true", "NEXUS_WEB__API_REQUESTS_PER_MINUTE": "1000000000"}
GOALS_MS = {"snippet page": 30.0, "board": 30.0, "dashboard": 100.0}
ASSETS_GOAL_KB = 100.0
MANAGE_GUILD = 1 << 5  # the permission that makes a member a moderator


@dataclass(frozen=True)
class Page:
    name: str
    paths: list[str]  # the requests timed, in order (one page, or several of its kind)
    moderator: bool = False


@dataclass(frozen=True)
class Shipped:
    html: int
    assets: int
    assets_compressed: int
    html_compressed: int


def pages(sizes: commands_bench.Sizes, count: int) -> list[Page]:
    """The pages timed: random snippets of the guild (bench.snippets puts id n in guild n % 10)."""
    rng = random.Random(7)
    snippet_ids = [rng.randrange(1, sizes.snippets // 10) * 10 for _ in range(count)]
    return [
        Page("snippet page", [f"/s/{GUILD}/{i}" for i in snippet_ids]),
        Page("snippet download", [f"/s/{GUILD}/{i}/download" for i in snippet_ids]),
    ]


async def signed_in(running: Stage, base: str, *, moderator: bool) -> aiohttp.ClientSession:
    """A browser-like session (cookies for 127.0.0.1) signed in by /nexus web's link."""
    user = running.users[1] if moderator else running.users[0]
    if moderator:
        managers = running.guild.create_role("Server managers", permissions=MANAGE_GUILD)
        running.guild.set_roles(user, [managers])
        await asyncio.sleep(0.2)  # the member update reaches the bot
    reply = await running.server.invoke(
        "/nexus web", user=user, guild=running.guild, channel=running.channel
    )
    found = LINK.search(reply.text)
    if found is None:
        raise RuntimeError(f"/nexus web gave no link: {reply.text[:300]!r}")
    http = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(found.group(1).removeprefix(base)) as response:
        if response.status >= 400:
            raise RuntimeError(f"signing in: {response.status} {await response.text()}")
    return http


async def timed(http: aiohttp.ClientSession, paths: list[str]) -> Summary:
    for path in paths[:WARMUP]:
        async with http.get(path) as response:
            await response.read()
    latencies = []
    began = time.perf_counter()
    for path in paths:
        started = time.perf_counter()
        async with http.get(path, allow_redirects=False) as response:
            body = await response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
    return summarise(latencies, time.perf_counter() - began)


async def shipped(http: aiohttp.ClientSession, path: str) -> Shipped:
    async with http.get(path) as response:
        html = await response.read()
    assets = b""
    for asset in sorted(set(ASSET.findall(html.decode("utf-8", "replace")))):
        async with http.get(asset) as response:
            assets += await response.read()
    return Shipped(
        len(html), len(assets), len(gzip.compress(assets, 6)), len(gzip.compress(html, 6))
    )


async def measure(
    url: str, sizes: commands_bench.Sizes, count: int
) -> dict[str, tuple[Summary, Shipped]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**ENV, "NEXUS_WEB__PORT": str(port)}
    figures: dict[str, tuple[Summary, Shipped]] = {}
    async with stage("nexus", database_url=url, guild_id=GUILD, env=env) as running:
        await answering(f"{base}/readyz")
        member = await signed_in(running, base, moderator=False)
        moderator = await signed_in(running, base, moderator=True)
        try:
            for page in pages(sizes, count):
                http = moderator if page.moderator else member
                figures[page.name] = (
                    await timed(http, page.paths),
                    await shipped(http, page.paths[0]),
                )
        finally:
            await member.close()
            await moderator.close()
    return figures


def report(figures: dict[str, tuple[Summary, Shipped]]) -> str:
    lines = [
        "| page | p50 ms | p99 ms | goal (p99) | HTML KB (gzip) | CSS+JS KB | CSS+JS gzip KB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (summary, bytes_) in figures.items():
        goal = GOALS_MS.get(name)
        verdict = "-" if goal is None else f"≤ {goal:.0f} {'✓' if summary.p99_ms <= goal else '✗'}"
        lines.append(
            f"| {name} | {summary.p50_ms:.2f} | {summary.p99_ms:.2f} | {verdict} | "
            f"{bytes_.html / 1024:.1f} ({bytes_.html_compressed / 1024:.1f}) | "
            f"{bytes_.assets / 1024:.1f} | {bytes_.assets_compressed / 1024:.1f} "
            f"{'✓' if bytes_.assets_compressed / 1024 <= ASSETS_GOAL_KB else '✗'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer requests")
    args = parser.parse_args()
    sizes, count = (commands_bench.QUICK, 200) if args.quick else (commands_bench.FULL, 1000)
    load_before = os.getloadavg()
    cached = commands_bench.seeded_sqlite(sizes)
    work = Path(tempfile.mkdtemp(prefix="nexus-bench-web-"))
    try:
        shutil.copyfile(cached, work / "nexus.db")
        figures = asyncio.run(measure(f"sqlite+aiosqlite:///{work / 'nexus.db'}", sizes, count))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nbench.web — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc "
        f"{len(os.sched_getaffinity(0))}, {platform.machine()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {load_before[0]:.2f} at the start; {sizes.snippets:,} snippets "
        f"({sizes.snippets // 10:,} in the guild), {sizes.feedback:,} feedback items; {count} "
        f"requests per page after {WARMUP} warm-up, client-side over loopback"
    )
    print(report(figures))


if __name__ == "__main__":
    main()
