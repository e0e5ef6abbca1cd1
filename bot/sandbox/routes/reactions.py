"""Reactions on messages: the bot's own, others' it removes, and who reacted."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.model import Message
from bot.sandbox.payloads import (
    reaction_event,
)
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param

JSON = dict[str, Any]


class ReactionRoutes(ResourceRoutes):
    """``/channels/{channel_id}/messages/{message_id}/reactions``."""

    def routes(self) -> list[tuple[str, str, Any]]:
        message = "/channels/{channel_id}/messages/{message_id}"
        reaction = message + "/reactions/{emoji}"
        return [
            ("PUT", reaction + "/@me", self.add_reaction),
            ("DELETE", reaction + "/@me", self.remove_own_reaction),
            ("DELETE", reaction + "/{user_id}", self.remove_user_reaction),
            ("GET", reaction, self.list_reactions),
            ("DELETE", message + "/reactions", self.clear_reactions),
        ]

    async def add_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.READ_MESSAGE_HISTORY)
        message = self.message(request, channel)
        emoji = request.match_info["emoji"]
        if emoji not in message.reactions or not message.reactions[emoji]:
            self.require(channel, Perm.ADD_REACTIONS)
        bot_id = self.state.bot_user.id
        users = message.reactions.setdefault(emoji, set())
        if bot_id not in users:
            users.add(bot_id)
            self.ctx.dispatch(
                "MESSAGE_REACTION_ADD",
                reaction_event(message, bot_id, emoji),
                message.guild_id,
            )
        return no_content()

    def _remove_reaction(self, message: Message, emoji: str, user_id: int) -> None:
        users = message.reactions.get(emoji, set())
        if user_id in users:
            users.discard(user_id)
            event = reaction_event(message, user_id, emoji)
            event.pop("member", None)
            self.ctx.dispatch("MESSAGE_REACTION_REMOVE", event, message.guild_id)

    async def remove_own_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        self._remove_reaction(message, request.match_info["emoji"], self.state.bot_user.id)
        return no_content()

    async def remove_user_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.MANAGE_MESSAGES)
        message = self.message(request, channel)
        self._remove_reaction(
            message, request.match_info["emoji"], snowflake_param(request, "user_id")
        )
        return no_content()

    async def list_reactions(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.READ_MESSAGE_HISTORY)
        message = self.message(request, channel)
        users = sorted(message.reactions.get(request.match_info["emoji"], set()))
        return json_response(
            [self.state.users[u].to_payload() for u in users if u in self.state.users]
        )

    async def clear_reactions(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.MANAGE_MESSAGES)
        message = self.message(request, channel)
        message.reactions.clear()
        payload = {"channel_id": str(channel.id), "message_id": str(message.id)}
        if channel.guild:
            payload["guild_id"] = str(channel.guild.id)
        self.ctx.dispatch("MESSAGE_REACTION_REMOVE_ALL", payload, message.guild_id)
        return no_content()
