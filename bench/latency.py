"""Nexus's own overhead: /nexus ping against the real bot vs /ping against a do-nothing bot.

Both bots run in their own processes against sandboxes in this process, in the same run, so
the comparison shares the machine's state. Usage: python -m bench.latency [--n 2000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
from datetime import UTC, datetime

from bench.harness import HEADER, Summary, drive, stage

WARMUP = 50


async def measure(kind: str, path: str, n: int, concurrency: int) -> Summary:
    async with stage(kind, members=max(4, concurrency)) as running:
        await drive(running, path, WARMUP, 1)
        return await drive(running, path, n, concurrency)


async def main(n: int) -> None:
    print(
        f"bench.latency — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {platform.machine()}"
    )
    results: dict[tuple[str, int], Summary] = {}
    for concurrency in (1, 50):
        # Alternate the bots so that neither gets the warmer machine.
        for kind, path in (("donothing", "/ping"), ("nexus", "/nexus ping")):
            results[(kind, concurrency)] = await measure(kind, path, n, concurrency)
    print(HEADER)
    for (kind, concurrency), summary in results.items():
        print(summary.row(f"{kind} c={concurrency}"))
    for concurrency in (1, 50):
        nexus, floor = results[("nexus", concurrency)], results[("donothing", concurrency)]
        print(
            f"c={concurrency}: Nexus p50 / do-nothing p50 = {nexus.p50_ms / floor.p50_ms:.2f}x; "
            f"throughput {nexus.per_second / floor.per_second:.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="interactions per run")
    parser.add_argument("--quick", action="store_true", help="200 interactions per run")
    args = parser.parse_args()
    asyncio.run(main(200 if args.quick else args.n))
