"""A trivial JSON endpoint on FastAPI + uvicorn and on aiohttp: p50/p99 and requests/s at
concurrency 32, loopback only. Each server runs alone in its own process; the client is this
process. `python -m bench.api_frameworks [requests]`.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

import aiohttp

CONCURRENCY = 32
SERVERS = {
    "fastapi+uvicorn": (
        "import fastapi, uvicorn\napp = fastapi.FastAPI()\n"
        "@app.get('/ping')\nasync def ping() -> dict[str, str]:\n    return {'status': 'ok'}\n"
        "uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')"
    ),
    "aiohttp": (
        "from aiohttp import web\nasync def ping(request):\n"
        "    return web.json_response({'status': 'ok'})\napp = web.Application()\n"
        "app.router.add_get('/ping', ping)\n"
        "web.run_app(app, host='127.0.0.1', port={port}, print=None, access_log=None)"
    ),
}


async def drive(url: str, total: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(100):  # the server is up, and warm
            try:
                async with http.get(url) as response:
                    await response.read()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return latencies, time.perf_counter() - began


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    for offset, (name, source) in enumerate(SERVERS.items()):
        port = 18431 + offset
        server = subprocess.Popen([sys.executable, "-c", source.replace("{port}", str(port))])
        try:
            latencies, elapsed = asyncio.run(drive(f"http://127.0.0.1:{port}/ping", total))
        finally:
            server.terminate()
            server.wait()
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"{name:16} p50 {cuts[49] * 1000:6.2f} ms  p99 {cuts[98] * 1000:6.2f} ms  "
            f"{len(latencies) / elapsed:7.0f} requests/s"
        )


if __name__ == "__main__":
    main()
