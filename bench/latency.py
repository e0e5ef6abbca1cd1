"""Nexus's own overhead: /nexus ping against the real bot vs /ping against a do-nothing bot.

Three processes per run (`bench.apart`): the sandbox on its own, the bot on its own, and this
one as the load generator, which asks the sandbox over HTTP to send each interaction. Both
bots run in the same run, alternated, so the comparison shares the machine's state. Latency is
the sandbox's INTERACTION_CREATE sent → callback received; throughput is interactions answered
per second of the load generator's wall time; beside each run, the CPU each process used (% of
one core), which shows which of them bounds the rate.

Usage: python -m bench.latency [--n 4000] [--quick] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.apart import Apart, apart, cpu_seconds
from bench.harness import HEADER, Summary, summarise

WARMUP = 200
PATHS = {"donothing": "/ping", "nexus": "/nexus ping"}


@dataclass(frozen=True)
class Run:
    summary: Summary
    round_trip_p50_ms: float  # the load generator's request → answer, the HTTP hop included
    cpu: dict[str, float]  # process → % of one core during the timed part


async def drive(running: Apart, path: str, count: int, concurrency: int) -> tuple[Summary, float]:
    latencies: list[float] = []
    trips: list[float] = []
    queue = iter(range(count))
    members = running.members

    async def worker(index: int) -> None:
        user = members[index % len(members)]
        for _ in queue:
            started = time.perf_counter()
            answer = await running.invoke(path, user)
            trips.append(time.perf_counter() - started)
            latencies.append(answer["ack"])

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return summarise(latencies, time.perf_counter() - started), statistics.median(trips) * 1000


async def measure(kind: str, n: int, concurrency: int) -> Run:
    async with apart(kind, members=max(4, concurrency)) as running:
        path = PATHS[kind]
        await drive(running, path, WARMUP, min(concurrency, 10))
        pids = {"sandbox": running.sandbox.pid, "bot": running.bot.pid, "load": os.getpid()}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        summary, trip = await drive(running, path, n, concurrency)
        wall = time.perf_counter() - started
        cpu = {name: 100 * (cpu_seconds(pid) - before[name]) / wall for name, pid in pids.items()}
        return Run(summary, trip, cpu)


def bot_cpu_ms(run: Run) -> float:
    """The bot's CPU time per interaction: what bounds its rate once it has a core to itself."""
    return 10 * run.cpu["bot"] / run.summary.per_second


def report(results: dict[tuple[str, int], list[Run]]) -> None:
    print(HEADER + f" {'trip p50':>8}  CPU % sandbox / bot / load  bot CPU ms per interaction")
    for (kind, concurrency), runs in results.items():
        for number, run in enumerate(runs, 1):
            cpu = " / ".join(f"{run.cpu[p]:.0f}" for p in ("sandbox", "bot", "load"))
            label = f"{kind} c={concurrency} #{number}"
            print(f"{run.summary.row(label)} {run.round_trip_p50_ms:>8.2f}  {cpu:<12}  "
                  f"{bot_cpu_ms(run):.3f}")  # fmt: skip
    for concurrency in sorted({c for _, c in results}):
        nexus, floor = results[("nexus", concurrency)], results[("donothing", concurrency)]
        nexus_rate = statistics.median(r.summary.per_second for r in nexus)
        floor_rate = statistics.median(r.summary.per_second for r in floor)
        nexus_p50 = statistics.median(r.summary.p50_ms for r in nexus)
        floor_p50 = statistics.median(r.summary.p50_ms for r in floor)
        print(
            f"c={concurrency}: Nexus p50 / do-nothing p50 = {nexus_p50 / floor_p50:.2f}x; "
            f"throughput {nexus_rate:.0f} / {floor_rate:.0f} per s = {nexus_rate / floor_rate:.2f}x"
            " (medians over rounds)"
        )
        nexus_cpu = statistics.median(bot_cpu_ms(r) for r in nexus)
        floor_cpu = statistics.median(bot_cpu_ms(r) for r in floor)
        print(
            f"c={concurrency}: bot CPU per interaction {nexus_cpu:.3f} / {floor_cpu:.3f} ms: "
            f"Nexus's own limit {floor_cpu / nexus_cpu:.2f}x the do-nothing bot's"
        )


async def main(n: int, rounds: int, concurrencies: tuple[int, ...]) -> None:
    print(
        f"bench.latency — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {platform.machine()}, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    results: dict[tuple[str, int], list[Run]] = {}
    for concurrency in concurrencies:
        for _ in range(rounds):
            # Alternate the bots so that neither gets the warmer machine.
            for kind in ("donothing", "nexus"):
                run = await measure(kind, n, concurrency)
                results.setdefault((kind, concurrency), []).append(run)
    report(results)
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4000, help="interactions per run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each bot, alternated")
    parser.add_argument("--quick", action="store_true", help="400 interactions, one round")
    parser.add_argument("--concurrency", default="1,50", help="comma-separated (default 1,50)")
    args = parser.parse_args()
    levels = tuple(int(c) for c in args.concurrency.split(","))
    if args.quick:
        asyncio.run(main(400, 1, levels))
    else:
        asyncio.run(main(args.n, args.rounds, levels))
