"""Start-up: time to ready and resident memory, Nexus beside the do-nothing bot.

Each bot runs as a user runs it (`python -m bot run`, `python -m bench.donothing`) in its own
process against a local sandbox. "Ready" is what the sandbox sees: the bot identified and synced
its commands. Nexus starts on a database already at the newest schema (a first start, which
creates the tables, is run before measuring), with its web server off and on (on is the default;
the server is built after ready, so "web" is when /healthz first answers). For each: wall time
to ready, CPU time the process spent to get there (the work, whatever else the machine is
doing), resident memory at ready and 3 s later (the web server and the warm-ups loaded). Then
what the start imports (`python -X importtime`) and which heavy libraries it leaves for later.

    python -m bench.startup            # 5 starts of each
    python -m bench.startup --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.harness import REPO, stage
from bot.after_ready import LEFT_FOR_LATER


def resident_mb(pid: int) -> float:
    """The process's resident set now (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass(frozen=True)
class Start:
    ready: float  # s, wall
    cpu: float  # s of CPU (user + system) the process used until ready
    web: float | None  # s until /healthz answered, when the web server is on
    rss_ready: float  # MB
    rss_settled: float  # MB, 3 s after ready


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def first_answer(url: str, started: float) -> float:
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.005)


async def one_start(kind: str, database_url: str, *, web: bool = False) -> Start:
    port = free_port()
    env = {"NEXUS_WEB__ENABLED": "true", "NEXUS_WEB__PORT": str(port)} if web else {}
    started = time.perf_counter()
    async with stage(kind, database_url=database_url, env=env) as running:
        ready = time.perf_counter() - started
        pid = running.process.pid
        cpu, rss_ready = cpu_seconds(pid), resident_mb(pid)
        answered = await first_answer(f"http://127.0.0.1:{port}/healthz", started) if web else None
        await asyncio.sleep(max(0.0, 3.0 - (time.perf_counter() - started - ready)))
        return Start(ready, cpu, answered, rss_ready, resident_mb(pid))


# The libraries worth watching: what each costs where it is first imported.
# Those in DEFERRED should not appear: the start leaves them for later.
DEFERRED = tuple(sorted(LEFT_FOR_LATER))
LIBRARIES = (
    "discord", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "pydantic", "pydantic_settings",
    "apscheduler", *DEFERRED,
)  # fmt: skip


def import_breakdown() -> tuple[float, list[tuple[str, float]]]:
    """Nexus's whole import (the app and every extension) in ms, and each library's share,
    with the garbage collector paused as `python -m bot run` pauses it (bot/start_gc.py)."""
    code = (
        "import gc; gc.disable(); import bot.app, bot.extensions as e; "
        "[__import__(n) for n in e.discover_extensions()]"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0.0
    libraries: dict[str, float] = {}
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name, cumulative = parts[2].strip(), int(parts[1]) / 1000
        # Nesting is indentation: what the command itself imported has one space before it.
        if parts[2].startswith(" ") and not parts[2].startswith("  "):
            total += cumulative
        if name in LIBRARIES and name not in libraries:
            libraries[name] = cumulative  # the first import is the one that loaded it
    return total, sorted(libraries.items(), key=lambda item: item[1], reverse=True)


def _median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.2f}" if known else "-"


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="nexus-startup-") as folder:
        database_url = f"sqlite+aiosqlite:///{folder}/nexus.db"
        await one_start("nexus", database_url)  # creates the schema; not measured
        print(
            f"{'bot':<16} {'ready p50 s':>11} {'max s':>6} {'CPU s':>6} {'web s':>6} "
            f"{'RSS ready MB':>12} {'RSS +3 s MB':>11}"
        )
        for kind, web in (("donothing", False), ("nexus", False), ("nexus", True)):
            samples = [await one_start(kind, database_url, web=web) for _ in range(runs)]
            ready = [s.ready for s in samples]
            label = f"{kind} (web {'on' if web else 'off'})" if kind == "nexus" else kind
            print(
                f"{label:<16} {statistics.median(ready):>11.2f} {max(ready):>6.2f} "
                f"{_median([s.cpu for s in samples]):>6} {_median([s.web for s in samples]):>6} "
                f"{_median([s.rss_ready for s in samples]):>12} "
                f"{_median([s.rss_settled for s in samples]):>11}"
            )
    total, libraries = import_breakdown()
    print(f"\nImporting Nexus (the app and every extension): {total:.0f} ms, of which")
    for package, milliseconds in libraries:
        print(f"  {package:<20} {milliseconds:>6.0f} ms")
    left = [name for name in DEFERRED if name not in {package for package, _ in libraries}]
    print(f"Left until after ready or first use: {', '.join(left)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
