"""The bot's small HTTP server: /healthz (alive), /readyz (ready to serve), /metrics."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.app import NexusBot

log = logging.getLogger(__name__)
BOT_KEY: web.AppKey[NexusBot] = web.AppKey("bot")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    bot = request.app[BOT_KEY]
    checks = {"gateway": bot.is_ready() and not bot.is_closed(), "database": False}
    try:
        await bot.db.ping()
        checks["database"] = True
    except Exception:  # any failure means "not ready"; the reason is logged, not shown
        log.warning("readiness: database ping failed", exc_info=True)
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    bot = request.app[BOT_KEY]
    response = web.Response(body=bot.metrics.render())
    response.headers["Content-Type"] = bot.metrics.content_type
    return response


class WebServer:
    def __init__(self, bot: NexusBot, host: str, port: int) -> None:
        self._app = web.Application()
        self._app[BOT_KEY] = bot
        self._app.add_routes(
            [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]
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
