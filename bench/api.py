"""The HTTP API at the feature benchmarks' sizes, beside a do-nothing endpoint of the same
framework, in one run.

    .venv/bin/python -m bench.api            # 1,000,000 snippets, 100,000 feedback items
    .venv/bin/python -m bench.api --quick    # bench.commands' small sizes, fewer requests

Nexus runs as a member would run it: its own process (`bench.harness.stage`) with the web
server on, on the database `bench.commands` seeds and caches (a fresh copy per run), and a
personal API token made the member's way, `/nexus token create` through the sandbox. The one
setting changed is the per-token rate limit, raised so that the run times serving, not refusing.
Beside it, in its own process, the do-nothing FastAPI + uvicorn endpoint of
`bench.api_frameworks` (docs/decisions/0004-http-api.md), the floor.

Latency is measured by the client over loopback, one request at a time on a kept-alive
connection (sent → body read), for Nexus and the floor alike. Nothing is added to the product
to time it; what the client sees is the server's time plus HTTP parsing and loopback, which the
floor's row shows in full, so each figure is an upper bound on the server-side one.

- p50/p99 at concurrency 1: snippet list (page 1, newest first), search (the mix of
  `bench.snippets.make_queries` in the seeded guild, which holds a tenth of the snippets: one
  word, two words, a language, a tag, page 5 by cursor; run twice untimed first, as there),
  get (random ids), feedback list, and a 304 (If-None-Match with the ETag a get returned);
  and Nexus's /healthz, the framework inside the bot without a token or a query;
- requests/s at concurrency 32 for list, get and the floor, the client in its own process
  (`bench.http_load`);
- `/nexus ping` p50 through the sandbox idle, and while that process keeps list and get at
  concurrency 32; and, as a control, while it keeps the floor at 32 instead (the client and the
  sandbox then take the same cores from Nexus, whose loop is idle).

Goals (issue 14): list and get p99 ≤ 10 ms; search p99 ≤ 60 ms; a 304's p50 ≤ 2 × the floor's;
`/nexus ping` p50 under load ≤ 1.5 × idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bench import api_frameworks
from bench import commands as commands_bench
from bench import snippets as snippets_bench
from bench.harness import Stage, Summary, drive, stage, summarise
from bench.http_load import Load

GUILD = commands_bench.GUILD
TOKEN = re.compile(r"nexus_[A-Za-z0-9_-]{20,}")
WARMUP = 50
ENV = {"NEXUS_WEB__ENABLED": "true", "NEXUS_WEB__API_REQUESTS_PER_MINUTE": "1000000000"}
LIST_GOAL_MS, SEARCH_GOAL_MS, REVALIDATE_GOAL, PING_GOAL = 10.0, 60.0, 2.0, 1.5


@dataclass(frozen=True)
class Counts:
    timed: int  # requests per route at concurrency 1
    queries: int  # search queries (each run twice untimed, then timed)
    loaded: int  # requests per route at concurrency 32
    pings: int  # /nexus ping, idle and under load


FULL = Counts(1000, 200, 5000, 300)
QUICK = Counts(200, 50, 1000, 100)


@dataclass
class Figures:
    """What one run measured: latencies at concurrency 1, rates at 32, pings."""

    rows: dict[str, Summary] = field(default_factory=dict)
    not_served: set[str] = field(default_factory=set)
    rates: dict[str, float] = field(default_factory=dict)
    floors: list[Summary] = field(default_factory=list)
    pings: Pings | None = None


@dataclass(frozen=True)
class Pings:
    """`/nexus ping` idle; while the client loads the floor, a control for the cores the client
    and the sandbox take on a small machine; while it loads the API. With the load's rate."""

    idle: Summary
    beside: tuple[Summary, float]
    loaded: tuple[Summary, float]


# ---- one request at a time ---------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    etag: str | None
    body: bytes
    seconds: float


async def fetch(http: aiohttp.ClientSession, path: str, **headers: str) -> Answer:
    started = time.perf_counter()
    async with http.get(path, headers=headers) as response:
        body = await response.read()
    seconds = time.perf_counter() - started
    return Answer(response.status, response.headers.get("ETag"), body, seconds)


async def series(
    http: aiohttp.ClientSession, paths: list[str], expected: int = 200, warmup: int = WARMUP
) -> Summary:
    """Each path once, in order, after `warmup` untimed requests of the first ones."""
    for path in paths[:warmup]:
        await fetch(http, path)
    latencies = []
    began = time.perf_counter()
    for path in paths:
        answer = await fetch(http, path)
        if answer.status != expected:
            raise RuntimeError(f"GET {path}: {answer.status} {answer.body[:300]!r}")
        latencies.append(answer.seconds)
    return summarise(latencies, time.perf_counter() - began)


async def page_five(http: aiohttp.ClientSession, path: str) -> str:
    """The path of page 5 of a search, following `next` (untimed), as bench.snippets does."""
    for _ in range(4):
        answer = await fetch(http, path)
        following = json.loads(answer.body).get("next")
        if following is None:
            break
        path = following
    return path


async def search_paths(http: aiohttp.ClientSession, base: str, count: int) -> list[str]:
    paths = []
    for query in snippets_bench.make_queries(count):
        options = {"q": query.text, "language": query.language, "tag": query.tag}
        path = f"{base}?{urlencode({k: v for k, v in options.items() if v is not None})}"
        paths.append(await page_five(http, path) if query.page == 5 else path)
    return paths


def get_paths(sizes: commands_bench.Sizes, count: int, base: str) -> list[str]:
    """Random snippets of the guild (bench.snippets puts id n in guild n % 10)."""
    rng = random.Random(5)
    return [f"{base}/{rng.randrange(1, sizes.snippets // 10) * 10}" for _ in range(count)]


async def revalidations(http: aiohttp.ClientSession, paths: list[str], count: int) -> Summary:
    """Each get again with the ETag it answered: every answer must be a 304."""
    tagged = []
    for path in paths[:count]:
        answer = await fetch(http, path)
        tagged.append((path, answer.etag or ""))
    latencies = []
    began = time.perf_counter()
    for path, etag in tagged:
        answer = await fetch(http, path, **{"If-None-Match": etag})
        if answer.status != 304:
            raise RuntimeError(f"GET {path} with its ETag: {answer.status}, not 304")
        latencies.append(answer.seconds)
    return summarise(latencies, time.perf_counter() - began)


# ---- the two servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def answering(url: str, timeout: float = 120) -> None:
    """Returns once `url` answers 200 (a server starting up)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")
            await asyncio.sleep(0.2)


def start_floor(port: int) -> subprocess.Popen[bytes]:
    source = api_frameworks.SERVERS["fastapi+uvicorn"].replace("{port}", str(port))
    return subprocess.Popen([sys.executable, "-c", source])


async def make_token(running: Stage) -> str:
    reply = await running.server.invoke(
        "/nexus token create", user=running.users[0], guild=running.guild,
        channel=running.channel, name="bench", scope="read",
    )  # fmt: skip
    found = TOKEN.search(reply.text)
    if found is None:
        raise RuntimeError(f"/nexus token create gave no token: {reply.text[:300]!r}")
    return found.group(0)


async def rate(base: str, paths: list[str], total: int, headers: dict[str, str]) -> float:
    load = Load(base, paths, headers=headers, concurrency=api_frameworks.CONCURRENCY, total=total)
    loaded = await load.result()
    if loaded.failed:
        raise RuntimeError(f"{loaded.failed} of {total} requests to {paths[0]} failed")
    return len(loaded.latencies) / loaded.elapsed


# ---- the run -----------------------------------------------------------------------------------


async def measure(url: str, sizes: commands_bench.Sizes, counts: Counts) -> Figures:
    figures = Figures()
    floor_port, nexus_port = free_port(), free_port()
    floor_base = f"http://127.0.0.1:{floor_port}"
    floor = start_floor(floor_port)
    env = {**ENV, "NEXUS_WEB__PORT": str(nexus_port)}
    try:
        async with stage("nexus", database_url=url, guild_id=GUILD, env=env) as running:
            base = f"http://127.0.0.1:{nexus_port}"
            await asyncio.gather(answering(f"{base}/readyz"), answering(f"{floor_base}/ping"))
            auth = {"Authorization": f"Bearer {await make_token(running)}"}
            api = f"/api/v1/guilds/{GUILD}"
            gets = get_paths(sizes, counts.timed, f"{api}/snippets")
            async with aiohttp.ClientSession(floor_base) as http:
                figures.floors.append(await series(http, ["/ping"] * counts.timed))
            async with aiohttp.ClientSession(base, headers=auth) as http:
                await timed_routes(http, figures, api, gets, counts)
            async with aiohttp.ClientSession(floor_base) as http:
                figures.floors.append(await series(http, ["/ping"] * counts.timed))
            print("  concurrency 32 …", flush=True)
            figures.rates["floor"] = await rate(floor_base, ["/ping"], counts.loaded, {})
            figures.rates["list"] = await rate(base, [f"{api}/snippets"], counts.loaded, auth)
            figures.rates["get"] = await rate(base, gets, counts.loaded, auth)
            mixed = [path for get in gets for path in (f"{api}/snippets", get)]  # half each
            await drive(running, "/nexus ping", WARMUP, 1)
            figures.pings = Pings(
                await drive(running, "/nexus ping", counts.pings, 1),
                await ping_during(running, counts.pings, floor_base, ["/ping"], {}),
                await ping_during(running, counts.pings, base, mixed, auth),
            )
    finally:
        floor.terminate()
        floor.wait()
    return figures


async def timed_routes(
    http: aiohttp.ClientSession, figures: Figures, api: str, gets: list[str], counts: Counts
) -> None:
    rows = figures.rows
    # The framework inside the bot, without a token's checks or a query: what of a 304's cost
    # is the bot's app and loop, and what is the request's own work.
    rows["healthz"] = await series(http, ["/healthz"] * counts.timed)
    rows["list"] = await series(http, [f"{api}/snippets"] * counts.timed)
    print(f"  list p50 {rows['list'].p50_ms:.2f} ms", flush=True)
    searches = await search_paths(http, f"{api}/snippets", counts.queries)
    for _ in range(2):  # warm the page cache and the doc-frequency memo, as bench.snippets
        for path in searches:
            await fetch(http, path)
    rows["search"] = await series(http, searches, warmup=0)
    print(f"  search p50 {rows['search'].p50_ms:.2f} ms", flush=True)
    rows["get"] = await series(http, gets)
    print(f"  get p50 {rows['get'].p50_ms:.2f} ms", flush=True)
    # The route may not exist yet in this tree: a 404 from the router says so.
    if (await fetch(http, f"{api}/feedback")).status == 404:
        figures.not_served.add("feedback list")
    else:
        rows["feedback list"] = await series(http, [f"{api}/feedback"] * counts.timed)
    rows["304"] = await revalidations(http, gets, counts.timed)


async def ping_during(
    running: Stage, n: int, base: str, paths: list[str], headers: dict[str, str]
) -> tuple[Summary, float]:
    """`/nexus ping` while the client process keeps `paths` at concurrency 32."""
    load = Load(base, paths, headers=headers, concurrency=api_frameworks.CONCURRENCY)
    try:
        await load.started()
        await asyncio.sleep(1)  # the load's connections all open and busy
        pinged = await drive(running, "/nexus ping", n, 1)
    finally:
        load.stop()
        loaded = await load.result()
    if loaded.failed:
        raise RuntimeError(f"{loaded.failed} requests of the load on {paths[0]} failed")
    return pinged, len(loaded.latencies) / loaded.elapsed


# ---- the report --------------------------------------------------------------------------------


ROUTES = {
    "healthz": "Nexus GET /healthz (no token, no query)",
    "list": "GET …/snippets (list, page 1)",
    "search": "GET …/snippets?q=… (search)",
    "get": "GET …/snippets/{id}",
    "feedback list": "GET …/feedback (list)",
    "304": "GET …/snippets/{id}, If-None-Match → 304",
}


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def report(figures: Figures) -> str:
    floor_p50 = sum(f.p50_ms for f in figures.floors) / len(figures.floors)
    floor_p99 = sum(f.p99_ms for f in figures.floors) / len(figures.floors)
    lines = [
        "| route | n | p50 ms | p99 ms | requests/s at c=32 |",
        "|---|---|---|---|---|",
        f"| do-nothing GET /ping (before, after) | {figures.floors[0].count} | "
        f"{figures.floors[0].p50_ms:.2f}, {figures.floors[1].p50_ms:.2f} | "
        f"{figures.floors[0].p99_ms:.2f}, {figures.floors[1].p99_ms:.2f} | "
        f"{figures.rates['floor']:.0f} |",
    ]
    for key, label in ROUTES.items():
        row = figures.rows.get(key)
        if row is None or key in figures.not_served:
            lines.append(f"| {label} | not served (404: the route is not in this tree) | | | |")
            continue
        per_second = f"{figures.rates[key]:.0f}" if key in figures.rates else ""
        lines.append(
            f"| {label} | {row.count} | {row.p50_ms:.2f} | {row.p99_ms:.2f} | {per_second} |"
        )
    pings = figures.pings
    assert pings is not None
    idle, (beside, beside_rate), (loaded, rate) = pings.idle, pings.beside, pings.loaded
    lines += [
        f"| `/nexus ping` idle (sandbox) | {idle.count} | {idle.p50_ms:.2f} | "
        f"{idle.p99_ms:.2f} | |",
        f"| `/nexus ping`, the client loading the do-nothing endpoint instead ({beside_rate:.0f} "
        f"requests/s, c=32): the cores busy, Nexus idle | {beside.count} | {beside.p50_ms:.2f} | "
        f"{beside.p99_ms:.2f} | |",
        f"| `/nexus ping` under load ({rate:.0f} API requests/s, c=32) | "
        f"{loaded.count} | {loaded.p50_ms:.2f} | {loaded.p99_ms:.2f} | |",
        "",
        "| figure | measured | goal | |",
        "|---|---|---|---|",
    ]
    rows = figures.rows
    for key, goal in (("list", LIST_GOAL_MS), ("get", LIST_GOAL_MS), ("search", SEARCH_GOAL_MS)):
        p99 = rows[key].p99_ms
        lines.append(f"| {key} p99 | {p99:.2f} ms | ≤ {goal:.0f} ms | {verdict(p99 <= goal)} |")
    revalidation = rows["304"]
    revalidated = revalidation.p50_ms / floor_p50
    lines.append(
        f"| 304 p50 / do-nothing p50 | {revalidated:.2f}× ({revalidation.p50_ms:.2f} / "
        f"{floor_p50:.2f} ms; p99 {revalidation.p99_ms:.2f} / {floor_p99:.2f} ms) | "
        f"≤ {REVALIDATE_GOAL:.0f}× | {verdict(revalidated <= REVALIDATE_GOAL)} |"
    )
    slowed = loaded.p50_ms / idle.p50_ms
    lines.append(
        f"| `/nexus ping` p50 under load / idle | {slowed:.2f}× ({loaded.p50_ms:.2f} / "
        f"{idle.p50_ms:.2f} ms) | ≤ {PING_GOAL}× | {verdict(slowed <= PING_GOAL)} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer requests")
    args = parser.parse_args()
    sizes, counts = (commands_bench.QUICK, QUICK) if args.quick else (commands_bench.FULL, FULL)
    load_before = os.getloadavg()
    cached = commands_bench.seeded_sqlite(sizes)
    work = Path(tempfile.mkdtemp(prefix="nexus-bench-api-"))
    try:
        shutil.copyfile(cached, work / "nexus.db")
        print(f"timing {counts.timed} requests per route …", flush=True)
        figures = asyncio.run(measure(f"sqlite+aiosqlite:///{work / 'nexus.db'}", sizes, counts))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cores = len(os.sched_getaffinity(0))  # what `nproc` says
    print(
        f"\nbench.api — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc {cores}, "
        f"{platform.machine()}, SQLite {sqlite3.sqlite_version}, load average "
        f"{load_before[0]:.2f} at the start; {sizes.snippets:,} snippets ({sizes.snippets // 10:,} "
        f"in the guild), {sizes.feedback:,} feedback items. Latency: client-side over loopback, "
        f"concurrency 1, kept-alive connection, after {WARMUP} warm-up requests; requests/s: "
        f"{counts.loaded:,} requests at concurrency {api_frameworks.CONCURRENCY} from a client "
        f"process of its own"
    )
    print(report(figures))


if __name__ == "__main__":
    main()
