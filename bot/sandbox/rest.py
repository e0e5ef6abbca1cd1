"""The REST half of the sandbox: Discord's HTTP API under ``/api/v10``, and attachment files.

Handlers answer exactly like Discord where the bot can tell the difference: status codes, the
JSON error shape and codes, and ``Content-Type: application/json`` with no charset (discord.py
compares that header as a string). Each resource's handlers live in ``bot.sandbox.routes``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.errors import ApiError
from bot.sandbox.routes.app_commands import CommandRoutes
from bot.sandbox.routes.channels import ChannelRoutes
from bot.sandbox.routes.guilds import GuildRoutes
from bot.sandbox.routes.messages import MessageRoutes
from bot.sandbox.routes.rate_limit import RateLimiter
from bot.sandbox.routes.reactions import ReactionRoutes
from bot.sandbox.routes.responses import json_response
from bot.sandbox.routes.scheduled_events import ScheduledEventRoutes
from bot.sandbox.routes.threads import ThreadRoutes
from bot.sandbox.routes.users import UserRoutes
from bot.sandbox.routes.webhooks import WebhookRoutes

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.sandbox.routes.context import RouteContext

API_PREFIX = "/api/v10"
log = logging.getLogger(__name__)
ROUTE_GROUPS = (
    UserRoutes,
    CommandRoutes,
    WebhookRoutes,
    ChannelRoutes,
    MessageRoutes,
    ReactionRoutes,
    ThreadRoutes,
    GuildRoutes,
    ScheduledEventRoutes,
)


class RestApi:
    """Every route group, bound to the sandbox's route context, behind Discord's plumbing."""

    def __init__(self, ctx: RouteContext) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.rate_limiter = RateLimiter()

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self.middleware)
        add = app.router.add_route
        for method, path, handler in self.routes():
            add(method, API_PREFIX + path, handler)
        add("GET", "/attachments/{attachment_id}/{filename}", self.get_attachment_file)
        app.router.add_route("*", "/{tail:.*}", self.unhandled)

    def routes(self) -> list[tuple[str, str, Any]]:
        return [route for group in ROUTE_GROUPS for route in group(self.ctx).routes()]

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.ctx.requests.append((request.method, request.path, time.time()))
        limited = self.rate_limiter.check() if request.path.startswith(API_PREFIX) else None
        if limited is not None:
            return limited
        try:
            self._authorize(request)
            return await handler(request)
        except ApiError as exc:
            return json_response(exc.body(), exc.status)
        except web.HTTPException:
            raise
        except Exception as exc:
            # A sandbox bug: answer 500 like Discord would, and keep it for tests to report.
            log.exception("sandbox error on %s %s", request.method, request.path)
            self.ctx.errors.append(f"{request.method} {request.path}: {exc!r}")
            return json_response({"message": "500: Internal Server Error", "code": 0}, 500)

    def _authorize(self, request: web.Request) -> None:
        path = request.path
        if not path.startswith(API_PREFIX):
            return
        tail = path[len(API_PREFIX) :]
        # Interaction callbacks and webhooks authenticate with their token in the URL.
        if tail.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.ctx.bot_token}":
            raise ApiError(401, 0, "401: Unauthorized")

    async def unhandled(self, request: web.Request) -> web.StreamResponse:
        self.ctx.unhandled_routes.append(f"{request.method} {request.path}")
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    async def get_attachment_file(self, request: web.Request) -> web.Response:
        attachment = self.state.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(
            body=attachment.data,
            headers={"Content-Type": attachment.content_type or "application/octet-stream"},
        )
