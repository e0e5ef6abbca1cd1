"""Messages in channels: list, post, read, edit, delete, pin, and the typing indicator."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.errors import (
    ApiError,
)
from bot.sandbox.kinds import DM
from bot.sandbox.messages import read_body
from bot.sandbox.model import Channel
from bot.sandbox.payloads import (
    message_payload,
)
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content

JSON = dict[str, Any]
SUPPRESS_EMBEDS = 1 << 2
# What discord.py sends to hide a message's embeds (`tts` is part of all its edits).
FLAGS_ONLY_EDIT = frozenset({"flags", "allowed_mentions", "tts"})


class MessageRoutes(ResourceRoutes):
    """``/channels/{channel_id}/messages``, pins and typing."""

    def routes(self) -> list[tuple[str, str, Any]]:
        message = "/channels/{channel_id}/messages/{message_id}"
        return [
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", message, self.get_message),
            ("PATCH", message, self.edit_message),
            ("DELETE", message, self.delete_message),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("PUT", "/channels/{channel_id}/pins/{message_id}", self.pin),
            ("DELETE", "/channels/{channel_id}/pins/{message_id}", self.unpin),
            ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self.pin),
            ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self.unpin),
        ]

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if not self.bot_permissions(channel) & Perm.READ_MESSAGE_HISTORY:
            return json_response([])
        limit = max(1, min(100, int(request.query.get("limit", "50"))))
        messages = channel.messages
        before, after = request.query.get("before"), request.query.get("after")
        around = request.query.get("around")
        if before:
            messages = [m for m in messages if m.id < int(before)]
        if after:
            messages = [m for m in messages if m.id > int(after)]
            messages = messages[:limit]
        if around:
            pivot = int(around)
            older = [m for m in messages if m.id <= pivot][-(limit // 2 + 1) :]
            newer = [m for m in messages if m.id > pivot][: limit - len(older)]
            messages = older + newer
        newest_first = list(reversed(messages))[:limit]
        return json_response([message_payload(m) for m in newest_first])

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        body, uploads = await read_body(request)
        self._check_can_post(channel, body, bool(uploads))
        message = self.ctx.messages.create(channel, self.state.bot_user, body, uploads)
        return json_response(message_payload(message))

    def _check_can_post(self, channel: Channel, body: JSON, has_files: bool) -> None:
        if channel.type == DM:
            user = channel.recipients[0]
            shares_guild = any(user.id in g.members for g in self.state.guilds.values())
            if not user.dms_open or not shares_guild:
                raise ApiError(403, 50007, "Cannot send messages to this user")
            return
        need = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        if has_files:
            need |= Perm.ATTACH_FILES
        if body.get("message_reference"):
            need |= Perm.READ_MESSAGE_HISTORY
        self.require(channel, need)
        if channel.is_thread and channel.archived:
            if channel.locked and not self.bot_permissions(channel) & Perm.MANAGE_THREADS:
                raise ApiError(400, 50083, "Thread is archived")
            # Sending in an archived (unlocked) thread unarchives it, as on Discord.
            channel.archived = False
            self.ctx.dispatch(
                "THREAD_UPDATE", channel.to_payload(), channel.guild.id if channel.guild else None
            )

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.READ_MESSAGE_HISTORY)
        return json_response(message_payload(self.message(request, channel)))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        body, uploads = await read_body(request)
        if message.author.id != self.state.bot_user.id and set(body) <= FLAGS_ONLY_EDIT:
            # Anyone with Manage Messages may hide (or show again) the embeds of any message.
            self.require(channel, Perm.MANAGE_MESSAGES)
            wanted = int(body.get("flags") or 0) & SUPPRESS_EMBEDS
            message.flags = (message.flags & ~SUPPRESS_EMBEDS) | wanted
            self.ctx.messages.announce_update(message)
            return json_response(message_payload(message))
        if message.author.id != self.state.bot_user.id or (
            message.webhook_id is not None and message.interaction_metadata is None
        ):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self.ctx.messages.edit(message, body, uploads)
        return json_response(message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        if message.author.id != self.state.bot_user.id:
            self.require(channel, Perm.MANAGE_MESSAGES)
        self.ctx.messages.delete(message)
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self.channel(request)
        return no_content()

    async def pin(self, request: web.Request) -> web.Response:
        return self._set_pinned(request, pinned=True)

    async def unpin(self, request: web.Request) -> web.Response:
        return self._set_pinned(request, pinned=False)

    def _set_pinned(self, request: web.Request, *, pinned: bool) -> web.Response:
        channel = self.channel(request, need=Perm.MANAGE_MESSAGES)
        message = self.message(request, channel)
        message.pinned = pinned
        self.ctx.messages.announce_update(message)
        return no_content()
