"""The base of every group of routes: the sandbox context, and lookups with Discord's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import (
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MESSAGE,
    ApiError,
    missing_permissions,
)
from bot.sandbox.kinds import GROUP_DM
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.responses import snowflake_param

if TYPE_CHECKING:
    from aiohttp import web

    from bot.sandbox.model import Channel, Guild, Message
    from bot.sandbox.routes.context import RouteContext


class ResourceRoutes:
    """Handlers for one resource; ``routes()`` lists them as (method, path, handler)."""

    def __init__(self, ctx: RouteContext) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[tuple[str, str, Any]]:
        raise NotImplementedError

    def guild(self, request: web.Request) -> Guild:
        guild = self.state.guilds.get(snowflake_param(request, "guild_id"))
        if guild is None:
            raise ApiError(404, UNKNOWN_GUILD, "Unknown Guild")
        return guild

    def channel(self, request: web.Request, *, need: int = Perm.VIEW_CHANNEL) -> Channel:
        """The channel if the bot can see it and has ``need`` there (403 50013 otherwise)."""
        channel = self.state.channels.get(snowflake_param(request, "channel_id"))
        if channel is None or channel.deleted:
            raise ApiError(404, UNKNOWN_CHANNEL, "Unknown Channel")
        if channel.type == GROUP_DM:  # the bot is never in one
            raise ApiError(403, 50001, "Missing Access")
        self.require(channel, need | Perm.VIEW_CHANNEL)
        return channel

    def bot_permissions(self, channel: Channel) -> int:
        if channel.guild is None:
            return Perm.ALL & ~(Perm.MANAGE_THREADS | Perm.MANAGE_CHANNELS)
        return channel.guild.permissions_for(self.state.bot_user.id, channel)

    def require(self, channel: Channel, need: int) -> None:
        perms = self.bot_permissions(channel)
        if need & ~perms:
            raise missing_permissions()
        bot_id = self.state.bot_user.id
        if channel.private and bot_id not in channel.members and not perms & Perm.MANAGE_THREADS:
            raise missing_permissions()

    def message(self, request: web.Request, channel: Channel) -> Message:
        message = self.state.messages.get(snowflake_param(request, "message_id"))
        if (
            message is None
            or message.deleted
            or message.channel is not channel
            or message.ephemeral
        ):
            raise ApiError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return message
