"""Interaction callbacks and the interaction webhook: the bot's answers to people."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.messages import read_body
from bot.sandbox.payloads import (
    message_payload,
)
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param

JSON = dict[str, Any]


class WebhookRoutes(ResourceRoutes):
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{app_id}/{token}``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        webhook_message = "/webhooks/{app_id}/{token}/messages/{message_id}"
        return [
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self.webhook_execute),
            ("GET", webhook_message, self.webhook_get_message),
            ("PATCH", webhook_message, self.webhook_edit_message),
            ("DELETE", webhook_message, self.webhook_delete_message),
        ]

    async def interaction_callback(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        with_response = request.query.get("with_response", "false").lower() in ("true", "1")
        result = self.ctx.hub.callback(
            snowflake_param(request, "interaction_id"),
            request.match_info["token"],
            body,
            uploads,
            with_response=with_response,
        )
        return no_content() if result is None else json_response(result)

    async def webhook_execute(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        message = self.ctx.hub.followup(
            snowflake_param(request, "app_id"), request.match_info["token"], body, uploads
        )
        if request.query.get("wait", "false").lower() in ("true", "1"):
            return json_response(message_payload(message))
        return no_content()

    async def webhook_get_message(self, request: web.Request) -> web.Response:
        _, message = self.ctx.hub.find_message(
            snowflake_param(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
        )
        return json_response(message_payload(message))

    async def webhook_edit_message(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        message = self.ctx.hub.edit(
            snowflake_param(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
            body,
            uploads,
        )
        return json_response(message_payload(message))

    async def webhook_delete_message(self, request: web.Request) -> web.Response:
        self.ctx.hub.delete(
            snowflake_param(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
        )
        return no_content()
