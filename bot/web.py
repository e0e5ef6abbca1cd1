"""The bot's small HTTP server: /healthz (alive), /readyz (ready to serve), /metrics.

It serves what it is given (a readiness check and the metrics), never the bot itself, so the
runtime depends on the web server and not the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """What /readyz asks: is the gateway connected, and does the database answer a ping."""

    gateway_ready: Callable[[], bool]
    ping_database: Callable[[], Awaitable[float]]


READINESS_KEY: web.AppKey[Readiness] = web.AppKey("readiness")
METRICS_KEY: web.AppKey[Metrics] = web.AppKey("metrics")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    readiness = request.app[READINESS_KEY]
    checks = {"gateway": readiness.gateway_ready(), "database": False}
    try:
        await readiness.ping_database()
        checks["database"] = True
    except Exception:  # any failure means "not ready"; the reason is logged, not shown
        log.warning("readiness: database ping failed", exc_info=True)
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def metrics_text(request: web.Request) -> web.Response:
    served = request.app[METRICS_KEY]
    response = web.Response(body=served.render())
    response.headers["Content-Type"] = served.content_type
    return response


class WebServer:
    def __init__(self, readiness: Readiness, metrics: Metrics, host: str, port: int) -> None:
        self._app = web.Application()
        self._app[READINESS_KEY] = readiness
        self._app[METRICS_KEY] = metrics
        self._app.add_routes(
            [
                web.get("/healthz", healthz),
                web.get("/readyz", readyz),
                web.get("/metrics", metrics_text),
            ]
        )
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        log.info("web server on http://%s:%s (/healthz /readyz /metrics)", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
