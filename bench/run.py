"""Running code: what the jail costs a member, and what saturating it costs everyone else.

One Nexus process (as a user runs it) against a sandbox in this process, on SQLite:
- `print(1)` end to end through `/snippet run` (sent → the result shown) against bare
  `/usr/bin/python3 -c 'print(1)'` on the same machine, in the same run: the difference is the
  jail's overhead plus Nexus's own (goal: p50 ≤ 60 ms);
- runs per second with every runner busy (`--saturate` runs, `--concurrency` at a time);
- `/nexus ping` p50 idle and while the runners are saturated (goal: ≤ 1.5 × idle).

Usage: python -m bench.run [--n 30] [--saturate 200] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord

from bench.harness import HEADER, Stage, Summary, drive, stage, summarise

BARE = ("/usr/bin/python3", "-c", "print(1)")
MEMBERS = 40
PING_WARMUP = 50


def cpu_seconds(pid: int | str) -> tuple[float, float]:
    """(the process's own CPU seconds, its waited-for children's), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / tick
    children = (int(fields[13]) + int(fields[14])) / tick
    return own, children


def machine_busy_seconds() -> float:
    """CPU seconds every core spent on anything but idling, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def bare_python(n: int) -> Summary:
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *BARE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        await process.communicate()
        latencies.append(time.perf_counter() - began)
    return summarise(latencies, time.perf_counter() - started)


# A program that keeps a core busy for a second: what saturating the runners looks like when
# members run real work (the jail's processes then compete with the bot for the CPU).
SPIN = (
    "import time\n"
    "end = time.monotonic() + 1\n"
    "while time.monotonic() < end:\n"
    "    pass\n"
    "print('done')"
)


async def prepare(running: Stage) -> tuple[int, int]:
    """A moderator lifts the run rate limit for the benchmark and shares `print(1)` (id 1)
    and a one-second busy loop (id 2)."""
    manager = running.guild.create_role(
        "Managers", permissions=discord.Permissions(manage_guild=True).value
    )
    moderator = running.server.create_user("moderator")
    running.guild.add_member(moderator, roles=[manager])
    where = {"guild": running.guild, "channel": running.channel}
    changed = await running.server.invoke(
        "/admin config set", user=moderator, key="run.runs_per_minute", value="60", **where
    )
    if "60" not in changed.text:
        raise RuntimeError(f"could not lift the rate limit: {changed.text}")
    for title, code in (("one", "print(1)"), ("spin", SPIN)):
        shared = await running.server.invoke(
            "/snippet share", user=moderator, title=title, code=code, language="python", **where
        )
        if not shared.embeds:
            raise RuntimeError(f"could not share the snippet: {shared.text}")
    return 1, 2


async def run_once(running: Stage, user: Any, snippet_id: int) -> float:
    """Seconds from sending `/snippet run` to its result being shown."""
    began = time.perf_counter()
    result = await running.server.invoke(
        "/snippet run",
        user=user,
        guild=running.guild,
        channel=running.channel,
        quiet=0,
        timeout=60,
        id=snippet_id,
    )
    while not (result.embeds and "stdout" in result.embeds[0].get("description", "")):
        await result.wait_edit(timeout=60)
    return time.perf_counter() - began


async def sequential_runs(running: Stage, snippet_id: int, n: int) -> Summary:
    latencies = []
    started = time.perf_counter()
    for index in range(n):
        latencies.append(await run_once(running, running.users[index % MEMBERS], snippet_id))
    return summarise(latencies, time.perf_counter() - started)


async def saturated_runs(running: Stage, snippet_id: int, count: int, concurrency: int) -> Summary:
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker(offset: int) -> None:
        for index in queue:
            user = running.users[(index + offset) % MEMBERS]
            latencies.append(await run_once(running, user, snippet_id))

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return summarise(latencies, time.perf_counter() - started)


@dataclass
class Saturation:
    runs: Summary
    ping: Summary
    cpu: str


async def while_saturated(
    running: Stage, snippet_id: int, count: int, concurrency: int, pings: int
) -> Saturation:
    """Runs of one snippet `concurrency` at a time, /nexus ping timed meanwhile, and where the
    CPU went (in cores)."""
    before = (
        cpu_seconds("self"),
        cpu_seconds(running.process.pid),
        time.perf_counter(),
        machine_busy_seconds(),
    )
    busy = asyncio.create_task(saturated_runs(running, snippet_id, count, concurrency))
    await asyncio.sleep(0.5)
    ping = await drive(running, "/nexus ping", pings, 1)
    runs = await busy
    after = (
        cpu_seconds("self"),
        cpu_seconds(running.process.pid),
        time.perf_counter(),
        machine_busy_seconds(),
    )
    wall = after[2] - before[2]
    sandbox = (after[0][0] - before[0][0]) / wall
    nexus = (after[1][0] - before[1][0]) / wall
    machine = (after[3] - before[3]) / wall
    # The jails' processes are the bot's grandchildren, counted only once reaped: the
    # machine's busy time less the two known processes is the fairer figure.
    cpu = (
        f"sandbox and load {sandbox:.2f}, Nexus {nexus:.2f}, "
        f"everything else (the jails) {machine - sandbox - nexus:.2f}"
    )
    return Saturation(runs, ping, cpu)


async def main(n: int, saturate: int, concurrency: int) -> None:
    print(
        f"bench.run — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {platform.machine()}"
    )
    bare = await bare_python(n)
    async with stage("nexus", members=MEMBERS) as running:
        quick, spin = await prepare(running)
        await sequential_runs(running, quick, 5)  # warm-up
        through_nexus = await sequential_runs(running, quick, n)
        await drive(running, "/nexus ping", PING_WARMUP, 1)
        ping_idle = await drive(running, "/nexus ping", n * 10, 1)
        fast = await while_saturated(running, quick, saturate, concurrency, n * 10)
        slow = await while_saturated(running, spin, max(8, saturate // 25), concurrency, n * 10)
    print(HEADER)
    print(bare.row("bare python3 -c 'print(1)'"))
    print(through_nexus.row("/snippet run print(1), end to end"))
    print(ping_idle.row("/nexus ping, idle"))
    print(fast.runs.row(f"/snippet run print(1), {concurrency} at once"))
    print(fast.ping.row("  /nexus ping meanwhile"))
    print(slow.runs.row(f"/snippet run 1 s busy loop, {concurrency} at once"))
    print(slow.ping.row("  /nexus ping meanwhile"))
    print(f"CPU in cores, print(1) runs: {fast.cpu}")
    print(f"CPU in cores, busy-loop runs: {slow.cpu}")
    print(
        f"jail and Nexus overhead p50: {through_nexus.p50_ms - bare.p50_ms:.1f} ms (goal ≤ 60); "
        f"print(1) with the runners saturated: {fast.runs.per_second:.1f} runs/s"
    )
    for name, saturation in (("print(1)", fast), ("busy loops", slow)):
        ratio = saturation.ping.p50_ms / ping_idle.p50_ms
        print(f"/nexus ping p50 while {name} saturate the runners: {ratio:.2f}x idle (goal ≤ 1.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="sequential runs of each kind")
    parser.add_argument("--saturate", type=int, default=200, help="runs while saturated")
    parser.add_argument("--concurrency", type=int, default=4, help="runs in flight at once")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.saturate, args.concurrency))
