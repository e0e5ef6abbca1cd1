"""Guilds: the guild, its channels, roles, members and their roles, active threads."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.errors import (
    UNKNOWN_MEMBER,
    ApiError,
    missing_permissions,
)
from bot.sandbox.payloads import (
    guild_payload,
    thread_member_payload,
)
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param

JSON = dict[str, Any]


class GuildRoutes(ResourceRoutes):
    """``/guilds/{guild_id}``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild_id}/members", self.list_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role),
            (
                "DELETE",
                "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
                self.remove_member_role,
            ),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
        ]

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        payload = guild_payload(guild)
        payload.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return json_response(payload)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        return json_response([c.to_payload() for c in guild.channels.values() if not c.is_thread])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        return json_response([r.to_payload() for r in self.guild(request).roles.values()])

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        limit = max(1, min(1000, int(request.query.get("limit", "1"))))
        after = int(request.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return json_response([m.to_payload() for m in members[:limit]])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        member = guild.members.get(snowflake_param(request, "user_id"))
        if member is None:
            raise ApiError(404, UNKNOWN_MEMBER, "Unknown Member")
        return json_response(member.to_payload())

    def _role_change(self, request: web.Request, *, add: bool) -> web.Response:
        guild = self.guild(request)
        member = guild.members.get(snowflake_param(request, "user_id"))
        role = guild.roles.get(snowflake_param(request, "role_id"))
        if member is None:
            raise ApiError(404, UNKNOWN_MEMBER, "Unknown Member")
        if role is None:
            raise ApiError(404, 10011, "Unknown Role")
        bot_perms = guild.permissions_for(self.state.bot_user.id)
        if not bot_perms & Perm.MANAGE_ROLES or role.position >= guild.bot_role.position:
            raise missing_permissions()
        roles = [guild.roles[r] for r in member.roles if r in guild.roles and r != role.id]
        guild.set_roles(member, [*roles, role] if add else roles)
        return no_content()

    async def add_member_role(self, request: web.Request) -> web.Response:
        return self._role_change(request, add=True)

    async def remove_member_role(self, request: web.Request) -> web.Response:
        return self._role_change(request, add=False)

    async def active_threads(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        threads = [t for t in guild.threads if not t.archived]
        bot_id = self.state.bot_user.id
        return json_response(
            {
                "threads": [t.to_payload() for t in threads],
                "members": [
                    thread_member_payload(t, bot_id) for t in threads if bot_id in t.members
                ],
            }
        )
