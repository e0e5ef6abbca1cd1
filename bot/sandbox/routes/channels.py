"""Channels: read, edit (threads too, by their own rules) and delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.errors import (
    ApiError,
    invalid_form,
    missing_permissions,
)
from bot.sandbox.kinds import GUILD_FORUM
from bot.sandbox.messages import read_body
from bot.sandbox.model import Channel
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response

JSON = dict[str, Any]


class ChannelRoutes(ResourceRoutes):
    """``/channels/{channel_id}``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.patch_channel),
            ("DELETE", "/channels/{channel_id}", self.delete_channel),
        ]

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self.channel(request).to_payload())

    async def patch_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        body, _ = await read_body(request)
        if channel.is_thread:
            self._edit_thread(channel, body)
            self.ctx.dispatch(
                "THREAD_UPDATE", channel.to_payload(), channel.guild.id if channel.guild else None
            )
        else:
            self.require(channel, Perm.MANAGE_CHANNELS)
            if "available_tags" in body and channel.type == GUILD_FORUM:
                self.state.forums.set_available(channel.id, body["available_tags"])
            for key in ("name", "topic", "position"):
                if key in body:
                    setattr(channel, key, body[key])
            self.ctx.dispatch(
                "CHANNEL_UPDATE", channel.to_payload(), channel.guild.id if channel.guild else None
            )
        return json_response(channel.to_payload())

    def _edit_thread(self, thread: Channel, body: JSON) -> None:
        perms = self.bot_permissions(thread)
        manages = bool(perms & Perm.MANAGE_THREADS)
        owner = thread.owner_id == self.state.bot_user.id
        if "locked" in body and not manages:
            raise missing_permissions()
        if not (manages or owner):
            raise missing_permissions()
        if thread.archived and body.get("archived", True) and set(body) - {"archived", "locked"}:
            raise ApiError(400, 50083, "Thread is archived")
        if "name" in body:
            name = str(body["name"])
            if not 1 <= len(name) <= 100:
                raise invalid_form(
                    "name",
                    code="BASE_TYPE_BAD_LENGTH",
                    message="Must be between 1 and 100 in length.",
                )
            thread.name = name
        if "applied_tags" in body and thread.parent_id is not None:
            self.state.forums.set_applied(thread.parent_id, thread.id, body["applied_tags"] or [])
        for key in ("archived", "locked", "invitable", "auto_archive_duration"):
            if key in body and body[key] is not None:
                setattr(thread, key, body[key])

    async def delete_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if channel.guild is None:
            return json_response(channel.to_payload())
        self.require(channel, Perm.MANAGE_THREADS if channel.is_thread else Perm.MANAGE_CHANNELS)
        payload = channel.to_payload()
        channel.guild.delete_channel(channel)
        return json_response(payload)
