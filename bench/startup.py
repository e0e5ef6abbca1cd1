"""Start-up: time to ready and resident memory, Nexus beside the do-nothing bot.

Each bot runs as a user runs it (`python -m bot run`, `python -m bench.donothing`) in its own
process against a local sandbox. "Ready" is what the sandbox sees: the bot identified and synced
its commands. Nexus starts on a database already at the newest schema (a first start, which
creates the tables, is run before measuring). Then, for Nexus, where the time goes: the import
time of each top-level package (`python -X importtime`).

    python -m bench.startup            # 5 starts of each bot
    python -m bench.startup --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import REPO, stage


def resident_mb(pid: int) -> float:
    """The process's resident set now (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


async def one_start(kind: str, database_url: str) -> tuple[float, float]:
    started = time.perf_counter()
    async with stage(kind, database_url=database_url) as running:
        ready = time.perf_counter() - started
        return ready, resident_mb(running.process.pid)


# The libraries worth watching: what each costs where it is first imported.
LIBRARIES = (
    "discord", "aiohttp", "sqlalchemy", "alembic", "aiosqlite", "asyncpg", "pydantic",
    "pydantic_settings", "yaml", "apscheduler", "dateparser", "numpy", "rustworkx", "pygments",
    "rapidfuzz", "prometheus_client",
)  # fmt: skip


def import_breakdown() -> tuple[float, list[tuple[str, float]]]:
    """Nexus's whole import (the app and every extension) in ms, and each library's share."""
    code = "import bot.app, bot.extensions as e; [__import__(n) for n in e.discover_extensions()]"
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


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="nexus-startup-") as folder:
        database_url = f"sqlite+aiosqlite:///{folder}/nexus.db"
        await one_start("nexus", database_url)  # creates the schema; not measured
        print(f"{'bot':<12} {'ready p50 s':>12} {'ready max s':>12} {'RSS p50 MB':>11}")
        for kind in ("donothing", "nexus"):
            samples = [await one_start(kind, database_url) for _ in range(runs)]
            ready = [s[0] for s in samples]
            memory = [s[1] for s in samples]
            print(
                f"{kind:<12} {statistics.median(ready):>12.2f} {max(ready):>12.2f} "
                f"{statistics.median(memory):>11.1f}"
            )
    total, libraries = import_breakdown()
    print(f"\nImporting Nexus (the app and every extension): {total:.0f} ms, of which")
    for package, milliseconds in libraries:
        print(f"  {package:<20} {milliseconds:>6.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
