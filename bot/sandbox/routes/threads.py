"""Threads: started from a channel or a message, and who is in them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.errors import (
    UNKNOWN_MEMBER,
    ApiError,
    invalid_form,
    missing_permissions,
)
from bot.sandbox.forum_posts import create_post
from bot.sandbox.kinds import GUILD_FORUM, GUILD_TEXT, PRIVATE_THREAD, PUBLIC_THREAD
from bot.sandbox.messages import Upload, read_body
from bot.sandbox.model import Channel
from bot.sandbox.payloads import (
    message_payload,
    thread_member_payload,
)
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param

JSON = dict[str, Any]


class ThreadRoutes(ResourceRoutes):
    """``/channels/{channel_id}/threads`` and ``/thread-members``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        message = "/channels/{channel_id}/messages/{message_id}"
        return [
            ("POST", "/channels/{channel_id}/threads", self.create_thread),
            ("POST", message + "/threads", self.create_message_thread),
            ("GET", "/channels/{channel_id}/thread-members", self.list_thread_members),
            ("GET", "/channels/{channel_id}/thread-members/{user_id}", self.get_thread_member),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
            (
                "DELETE",
                "/channels/{channel_id}/thread-members/{user_id}",
                self.remove_thread_member,
            ),
        ]

    def _new_thread(
        self, parent: Channel, body: JSON, kind: int, ident: int | None = None
    ) -> Channel:
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise invalid_form(
                "name", code="BASE_TYPE_BAD_LENGTH", message="Must be between 1 and 100 in length."
            )
        if parent.type != GUILD_TEXT or parent.guild is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        bot_id = self.state.bot_user.id
        thread = Channel(
            id=ident or self.state.snowflakes.next(),
            type=kind,
            name=name,
            state=self.state,
            guild=parent.guild,
            parent_id=parent.id,
            owner_id=bot_id,
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
            members=[bot_id],
        )
        self.state.add_channel(thread)
        payload = thread.to_payload()
        payload["newly_created"] = True
        payload["member"] = thread_member_payload(thread, bot_id)
        self.ctx.dispatch("THREAD_CREATE", payload, parent.guild.id)
        return thread

    async def create_thread(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        forum = self.state.channels.get(snowflake_param(request, "channel_id"))
        if forum is not None and forum.type == GUILD_FORUM:
            return self._create_post(request, body, uploads)
        kind = int(body.get("type") or PRIVATE_THREAD)
        if kind not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise invalid_form(
                "type", code="BASE_TYPE_CHOICES", message="Value must be one of {11, 12}."
            )
        need = Perm.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS
        parent = self.channel(request, need=need)
        thread = self._new_thread(parent, body, kind)
        return json_response(thread.to_payload(), 201)

    def _create_post(self, request: web.Request, body: JSON, uploads: list[Upload]) -> web.Response:
        """A forum post: the thread and its first message (`message`), in one call."""
        forum = self.channel(request, need=Perm.SEND_MESSAGES)
        thread, message = create_post(self.ctx.messages, forum, self.state.bot_user, body, uploads)
        payload = thread.to_payload()
        payload["message"] = message_payload(message)
        return json_response(payload, 201)

    async def create_message_thread(self, request: web.Request) -> web.Response:
        parent = self.channel(request, need=Perm.CREATE_PUBLIC_THREADS | Perm.READ_MESSAGE_HISTORY)
        message = self.message(request, parent)
        if message.thread is not None:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        body, _ = await read_body(request)
        thread = self._new_thread(parent, body, PUBLIC_THREAD, ident=message.id)
        message.thread = thread
        self.ctx.messages.announce_update(message)
        return json_response(thread.to_payload(), 201)

    def _thread(self, request: web.Request) -> Channel:
        thread = self.channel(request)
        if not thread.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        return thread

    def _thread_user(self, request: web.Request) -> int:
        raw = request.match_info["user_id"]
        return self.state.bot_user.id if raw == "@me" else snowflake_param(request, "user_id")

    def _members_update(self, thread: Channel, added: list[int], removed: list[int]) -> None:
        guild = thread.guild
        assert guild is not None
        payload: JSON = {
            "id": str(thread.id),
            "guild_id": str(guild.id),
            "member_count": len(thread.members),
        }
        if added:
            payload["added_members"] = [
                {
                    **thread_member_payload(thread, u),
                    "member": guild.members[u].to_payload(),
                    "presence": None,
                }
                for u in added
            ]
        if removed:
            payload["removed_member_ids"] = [str(u) for u in removed]
        self.ctx.dispatch("THREAD_MEMBERS_UPDATE", payload, guild.id)

    async def list_thread_members(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        return json_response([thread_member_payload(thread, u) for u in thread.members])

    async def get_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        user_id = self._thread_user(request)
        if user_id not in thread.members:
            raise ApiError(404, UNKNOWN_MEMBER, "Unknown Member")
        return json_response(thread_member_payload(thread, user_id))

    async def add_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        user_id = self._thread_user(request)
        guild = thread.guild
        assert guild is not None
        if user_id not in guild.members:
            raise ApiError(404, UNKNOWN_MEMBER, "Unknown Member")
        if thread.archived:
            raise ApiError(400, 50083, "Thread is archived")
        perms = self.bot_permissions(thread)
        self.require(thread, Perm.SEND_MESSAGES_IN_THREADS)
        if thread.private and not thread.invitable and not perms & Perm.MANAGE_THREADS:
            raise missing_permissions()
        if user_id not in thread.members:
            thread.members.append(user_id)
            self._members_update(thread, [user_id], [])
        return no_content()

    async def remove_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        user_id = self._thread_user(request)
        if user_id != self.state.bot_user.id:
            manages = self.bot_permissions(thread) & Perm.MANAGE_THREADS
            if not manages and thread.owner_id != self.state.bot_user.id:
                raise missing_permissions()
        if user_id in thread.members:
            thread.members.remove(user_id)
            self._members_update(thread, [], [user_id])
        return no_content()
