"""Users, the application and where the gateway is: what the bot asks first."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.errors import (
    UNKNOWN_USER,
    ApiError,
    invalid_form,
)
from bot.sandbox.messages import read_body
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, snowflake_param

JSON = dict[str, Any]


class UserRoutes(ResourceRoutes):
    """``/users``, ``/applications/@me`` and ``/gateway``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
        ]

    async def get_me(self, request: web.Request) -> web.Response:
        payload = self.state.bot_user.to_payload()
        payload.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return json_response(payload)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.state.users.get(snowflake_param(request, "user_id"))
        if user is None:
            raise ApiError(404, UNKNOWN_USER, "Unknown User")
        return json_response(user.to_payload())

    async def get_application(self, request: web.Request) -> web.Response:
        bot = self.state.bot_user
        return json_response(
            {
                "id": str(self.state.application_id),
                "name": bot.name,
                "icon": None,
                "description": "Nexus sandbox application",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": bot.to_payload(),
                "terms_of_service_url": None,
                "privacy_policy_url": None,
                "owner": self.state.owner.to_payload(),
                "verify_key": "0" * 64,
                "team": None,
                "guild_id": None,
                "flags": self.ctx.gateway.application_flags(),
                "tags": [],
                "install_params": None,
                "custom_install_url": None,
                "integration_types_config": {"0": {}},
                "approximate_guild_count": len(self.state.guilds),
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.ctx.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.ctx.gateway_url.rstrip("/"),
                "shards": self.ctx.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.ctx.identify_count,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def create_dm(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        user = self.state.users.get(int(body.get("recipient_id") or 0))
        if user is None:
            raise invalid_form("recipient_id", code="UNKNOWN_USER", message="Unknown User")
        return json_response(self.state.dm_channel(user).to_payload())
