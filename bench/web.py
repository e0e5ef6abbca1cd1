"""The web pages at the feature benchmarks' sizes: time per page and bytes shipped per page.

    .venv/bin/python -m bench.web            # 1,000,000 snippets, 100,000 feedback items
    .venv/bin/python -m bench.web --quick    # bench.commands' small sizes, fewer requests
    .venv/bin/python -m bench.web --only dashboard --requests 200   # some pages, fewer requests

Nexus runs as a member would run it (`bench.harness.stage`: its own process, the web server
on, the database `bench.commands` seeds and caches, a fresh copy per run). The copy's feedback
is moved into the dashboard's weeks first (`recent_feedback`). The reader signs in the member's
way: `/nexus web` through the sandbox, then the one-time link, which sets the session cookie. A
moderator signs in for the moderators' pages.

Pages: a snippet's page and its download; the snippet search with bench.api's query mix
(`bench.snippets.make_queries`, page 5 by the page's own `next` links); the feedback board
unfiltered, with each filter (an endpoint, a severity, `mine`, each assignee choice) and sorted
by +1s; item pages of random numbers; the specs page; the dashboard as a moderator and as a
member; the calendar; the settings page as a moderator.

- Time: p50/p99 of each page, measured by the client over loopback, one request at a time on a
  kept-alive connection (sent → body read), after warm-up requests. Nothing is added to the
  product to time it, so each figure is an upper bound on the server's own time.
- Bytes: what a browser's first load of the page fetches — the HTML, then every stylesheet and
  script it links — raw, and compressed as gzip -6 would send them.

Goals (issue 15): p99 ≤ 30 ms for the board (every filter of it) and the snippet page, ≤ 100 ms
for the dashboard with its charts; ≤ 100 KB of JavaScript and CSS on a first load, compressed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import os
import platform
import random
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import aiohttp

from bench import commands as commands_bench
from bench import feedback as feedback_bench
from bench import snippets as snippets_bench
from bench.api import answering, free_port
from bench.harness import Summary, stage, summarise

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.harness import Stage

GUILD = commands_bench.GUILD
LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/api/v1/auth/link/[A-Za-z0-9_-]+)>")
NEXT = re.compile(r'<a [^>]*rel="next" href="([^"]+)"')
ASSET = re.compile(r"""<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/static/[^"]+)\"""")
WARMUP = 20
ENV = {"NEXUS_WEB__ENABLED": "true", "NEXUS_WEB__API_REQUESTS_PER_MINUTE": "1000000000"}
GOALS_MS = {
    "snippet page": 30.0,
    "board": 30.0,
    "dashboard (moderator)": 100.0,
    "dashboard (member)": 100.0,
}
ASSETS_GOAL_KB = 100.0
OK = 200
SEE_OTHER = 303
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
    """The pages timed, each with its own random picks (fixed seeds, so runs compare).

    Snippets: bench.snippets puts id n in guild n % 10. Board filters: the endpoints
    bench.feedback seeded (the same seed gives the same 300), each severity, `mine`, and each
    assignee choice, a member's id too (the seed assigns no one, so `me` and an id are the
    filters that find nothing: the whole guild is what a missing index would scan).
    """
    rng = random.Random(7)
    snippet_ids = [rng.randrange(1, sizes.snippets // 10) * 10 for _ in range(count)]
    endpoints = [f"{m} {p}" for m, p in feedback_bench.make_endpoints(random.Random(7), 300)]
    numbers = [rng.randrange(1, sizes.feedback + 1) for _ in range(count)]
    severities = [s for s, _ in feedback_bench.SEVERITIES]

    def board(make: Callable[[], dict[str, str]]) -> list[str]:
        return [f"/f/{GUILD}?{urlencode(make())}" for _ in range(count)]

    few = max(WARMUP + 10, count // 4)  # the slow pages: fewer requests, p99 still a tail
    return [
        Page("snippet page", [f"/s/{GUILD}/{i}" for i in snippet_ids]),
        Page("snippet download", [f"/s/{GUILD}/{i}/download" for i in snippet_ids]),
        Page("snippet search", []),  # its paths need the server (page 5 follows `next`)
        Page("board", [f"/f/{GUILD}"] * count),
        Page("board: endpoint", board(lambda: {"endpoint": rng.choice(endpoints)})),
        Page("board: severity", board(lambda: {"severity": rng.choice(severities)})),
        Page("board: mine", board(lambda: {"mine": "on"})),
        Page("board: assignee me", board(lambda: {"assignee": "me"})),
        Page("board: assignee nobody", board(lambda: {"assignee": "nobody"})),
        Page("board: assignee id", board(lambda: {"assignee": str(rng.randrange(10**6))})),
        Page("board: sort +1s", board(lambda: {"sort": "plus_ones"})),
        Page("item page", [f"/f/{GUILD}/{n}" for n in numbers]),
        Page("specs", [f"/f/{GUILD}/specs"] * few),
        Page("dashboard (moderator)", [f"/d/{GUILD}"] * few, moderator=True),
        Page("dashboard (member)", [f"/d/{GUILD}"] * few),
        Page("calendar", [f"/c/{GUILD}"] * count),
        Page("settings (moderator)", [f"/a/{GUILD}/settings"] * count, moderator=True),
    ]


async def search_paths(http: aiohttp.ClientSession, count: int) -> list[str]:
    """bench.api's search mix on the page: page 5 by following the page's own `next` links."""
    paths = []
    for query in snippets_bench.make_queries(count):
        options = {"q": query.text, "language": query.language, "tag": query.tag}
        path = f"/s/{GUILD}?{urlencode({k: v for k, v in options.items() if v is not None})}"
        for _ in range(query.page - 1):
            async with http.get(path) as response:
                following = NEXT.search(await response.text())
            if following is None:
                break
            path = html.unescape(following.group(1))
        paths.append(path)
    return paths


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
        status, body, seconds = await one_request(http, path)
        if status == SEE_OTHER:  # the 15-minute access cookie ran out: renewed as a browser would
            async with http.get(path) as renewed:
                await renewed.read()
            status, body, seconds = await one_request(http, path)
        latencies.append(seconds)
        if status != OK:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    return summarise(latencies, time.perf_counter() - began)


async def one_request(http: aiohttp.ClientSession, path: str) -> tuple[int, bytes, float]:
    """Status, body and seconds from sending to the body's last byte."""
    started = time.perf_counter()
    async with http.get(path, allow_redirects=False) as response:
        body = await response.read()
    return response.status, body, time.perf_counter() - started


async def shipped(http: aiohttp.ClientSession, path: str) -> Shipped:
    async with http.get(path) as response:
        page = await response.read()
    assets = b""
    for asset in sorted(set(ASSET.findall(page.decode("utf-8", "replace")))):
        async with http.get(asset) as response:
            assets += await response.read()
    return Shipped(
        len(page), len(assets), len(gzip.compress(assets, 6)), len(gzip.compress(page, 6))
    )


async def measure(
    url: str, sizes: commands_bench.Sizes, count: int, only: str = ""
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
            prefixes = tuple(only.split(","))
            for page in (p for p in pages(sizes, count) if p.name.startswith(prefixes)):
                http = moderator if page.moderator else member
                paths = page.paths or await search_paths(http, count)
                figures[page.name] = (
                    await timed(http, paths),
                    await shipped(http, paths[0]),
                )
                print(report({page.name: figures[page.name]}).splitlines()[-1], flush=True)
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
        goal = GOALS_MS.get(name.split(":")[0])  # a filtered board is the board
        verdict = "-" if goal is None else f"≤ {goal:.0f} {'✓' if summary.p99_ms <= goal else '✗'}"
        lines.append(
            f"| {name} | {summary.p50_ms:.2f} | {summary.p99_ms:.2f} | {verdict} | "
            f"{bytes_.html / 1024:.1f} ({bytes_.html_compressed / 1024:.1f}) | "
            f"{bytes_.assets / 1024:.1f} | {bytes_.assets_compressed / 1024:.1f} "
            f"{'✓' if bytes_.assets_compressed / 1024 <= ASSETS_GOAL_KB else '✗'} |"
        )
    return "\n".join(lines)


def recent_feedback(database: Path, now: datetime) -> None:
    """Bring the seeded feedback into the dashboard's weeks, on the run's copy.

    bench.feedback opens an item every 3 minutes from 2025-01-01, with no history: the dashboard
    (the last 12 weeks by the real clock) would find nothing to count. Here the items move so
    the newest was opened an hour ago (12 weeks hold ~40,000 of them), and each one that left
    `open` gets its history as a triager's moves would leave it: acknowledged 1-24 hours after
    it was opened, then its final status 2-21 days after (each only if already past).
    """
    stamp = "'%Y-%m-%d %H:%M:%S.000000'"  # SQLAlchemy's own text form of a datetime in SQLite
    connection = sqlite3.connect(database)
    try:
        with connection:
            (newest,) = connection.execute("SELECT max(created_at) FROM feedback_items").fetchone()
            shift = now - timedelta(hours=1) - datetime.fromisoformat(newest).replace(tzinfo=UTC)
            moved = f"strftime({stamp}, created_at, '+{int(shift.total_seconds())} seconds')"
            connection.execute(
                f"UPDATE feedback_items SET created_at = {moved}, updated_at = {moved}"
            )
            columns = "guild_id, item_id, actor_id, action, from_value, to_value, created_at"
            now_text = f"{now:%Y-%m-%d %H:%M:%S}.000000"
            answered = f"strftime({stamp}, created_at, '+' || (1 + number % 24) || ' hours')"
            connection.execute(
                f"INSERT INTO feedback_history ({columns}) SELECT guild_id, id, 7, 'status', "
                f"'open', 'acknowledged', {answered} FROM feedback_items "
                f"WHERE status != 'open' AND {answered} < ?",
                (now_text,),
            )
            final = f"strftime({stamp}, created_at, '+' || (2 + number % 20) || ' days')"
            connection.execute(
                f"INSERT INTO feedback_history ({columns}) SELECT guild_id, id, 7, 'status', "
                f"'acknowledged', status, {final} FROM feedback_items "
                f"WHERE status NOT IN ('open', 'acknowledged') AND {final} < ?",
                (now_text,),
            )
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer requests")
    parser.add_argument(
        "--only",
        default="",
        help="only the pages whose names start with one of these, comma-separated "
        "(e.g. 'dashboard,board: assignee')",
    )
    parser.add_argument("--requests", type=int, default=0, help="requests per page")
    args = parser.parse_args()
    sizes, count = (commands_bench.QUICK, 200) if args.quick else (commands_bench.FULL, 1000)
    count = args.requests or count
    load_before, started = os.getloadavg(), datetime.now(UTC)
    cached = commands_bench.seeded_sqlite(sizes)
    work = Path(tempfile.mkdtemp(prefix="nexus-bench-web-"))
    try:
        shutil.copyfile(cached, work / "nexus.db")
        recent_feedback(work / "nexus.db", datetime.now(UTC))
        url = f"sqlite+aiosqlite:///{work / 'nexus.db'}"
        figures = asyncio.run(measure(url, sizes, count, args.only))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nbench.web — {started:%Y-%m-%d %H:%M} UTC, nproc "
        f"{len(os.sched_getaffinity(0))}, {platform.machine()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {load_before[0]:.2f} at the start; {sizes.snippets:,} snippets "
        f"({sizes.snippets // 10:,} in the guild), {sizes.feedback:,} feedback items; {count} "
        f"requests per page after {WARMUP} warm-up, client-side over loopback"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(report(figures))


if __name__ == "__main__":
    main()
