"""The bot's HTTP server: FastAPI served by uvicorn as a task in the bot's own event loop.

No second process and no thread: handlers call the same async services as the slash commands,
on the same database pool. The server carries /healthz, /readyz, /metrics, the API under
/api/v1 (each feature's routes, through the FeatureCog contract), its OpenAPI document and docs,
and the web pages (`bot.web.pages`: the core's, and each feature's through the same contract).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot import __version__
from bot.audit import request_channel
from bot.web import problems
from bot.web.auth import ApiState
from bot.web.auth_routes import router as auth_router
from bot.web.calendar import router as calendar_router
from bot.web.discord_oauth import DiscordOAuth
from bot.web.docs import install_docs
from bot.web.guild_routes import router as guild_router
from bot.web.health import Readiness, health_routes
from bot.web.jwt_secret import jwt_secret
from bot.web.jwt_tokens import JwtCodec
from bot.web.openapi import openapi_document
from bot.web.pages.core_routes import install_pages
from bot.web.rate_limit import RateLimiter
from bot.web.refresh_tokens import RefreshTokens
from bot.web.sign_in import SignIns
from bot.web.sign_in_links import SignInLinks
from bot.web.tokens import ApiTokens

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from starlette.types import ASGIApp, Receive, Scope, Send

    from bot.feature import FeatureCog
    from bot.web.host import WebHost

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
OPENAPI_URL = "/api/openapi.json"


class _InLoopServer(uvicorn.Server):
    """uvicorn without its signal handlers: the bot owns SIGINT and SIGTERM and stops the web
    server as part of its own shutdown."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


class _ViaApi:
    """Marks everything a request does as coming through the API (`via: api`) or, outside
    /api, a web page (`via: web`), so the services' audit entries say which without a
    parameter threaded through every call."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # uvicorn runs each request in its own task, so the value ends with the request.
        request_channel.set("api" if scope["path"].startswith(API_PREFIX) else "web")
        await self.app(scope, receive, send)


def build_app(host: WebHost, readiness: Readiness) -> FastAPI:
    app = FastAPI(
        title="Nexus API",
        version=__version__,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    web = host.settings.web
    secret = jwt_secret(host.settings)
    codec = JwtCodec(secret, host.clock)
    app.state.nexus = ApiState(
        host,
        ApiTokens(host.db.sessions, host.clock),
        RateLimiter(
            web.api_requests_per_minute, host.clock, host.settings.memory.rate_limit_callers
        ),
        SignIns(codec, RefreshTokens(host.db.sessions, host.clock)),
        SignInLinks(host.db.sessions, host.clock),
        DiscordOAuth(host.settings),
    )
    problems.install(app)
    app.add_middleware(_ViaApi)
    if web.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=web.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Link", "Retry-After"],
        )
    app.include_router(health_routes(readiness, host.metrics))
    app.include_router(guild_router, prefix=API_PREFIX)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(calendar_router, prefix=API_PREFIX)
    install_docs(app, OPENAPI_URL)
    install_pages(app, secret, host.clock)
    return app


class WebServer:
    def __init__(self, host: WebHost, readiness: Readiness) -> None:
        self.app = build_app(host, readiness)
        self._host = host.settings.web.host
        self._served: set[str] = set()
        self._server: _InLoopServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    def serve_features(self, features: Iterable[FeatureCog]) -> None:
        """Add the API routes and pages of features not yet served. A route finds its feature
        per request, so a reloaded feature keeps its routes and an unloaded one answers 503."""
        for feature in features:
            if feature.feature in self._served:
                continue
            router = feature.api_routes()
            if router is not None:
                self.app.include_router(router, prefix=API_PREFIX)
            pages = feature.page_routes()
            if pages is not None:
                self.app.include_router(pages)
            self._served.add(feature.feature)
        self.app.openapi_schema = None

    async def start(self, listener: socket.socket) -> None:
        """Serve on `listener` (bot/web/listener.py: bound by the caller, so a taken port is
        the caller's error; uvicorn would exit the process instead)."""
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", server_header=False
        )
        self._server = _InLoopServer(config)
        self._task = asyncio.create_task(self._server.serve([listener]), name="nexus-web")
        listening = asyncio.create_task(self._server.listening.wait())
        await asyncio.wait({listening, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            listening.cancel()
            self._task.result()
        log.info("web server on http://%s:%s (/healthz /api/docs)", self._host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = None
        self._task = None
