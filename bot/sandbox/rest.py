"""The REST half of the sandbox: Discord's HTTP API routes under ``/api/v10``.

Handlers answer exactly like Discord where the bot can tell the difference: status codes, the
JSON error shape and codes, and ``Content-Type: application/json`` with no charset (discord.py
compares that header as a string).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.command_validation import validate_command, validate_command_list
from bot.sandbox.errors import (
    UNKNOWN_CHANNEL,
    UNKNOWN_COMMAND,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    ApiError,
    FormErrors,
    invalid_form,
    missing_permissions,
)
from bot.sandbox.kinds import DM, GUILD_TEXT, PRIVATE_THREAD, PUBLIC_THREAD
from bot.sandbox.messages import read_body
from bot.sandbox.model import Channel, Guild, Message
from bot.sandbox.payloads import (
    guild_payload,
    message_payload,
    reaction_event,
    thread_member_payload,
)
from bot.sandbox.permissions import Perm

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.sandbox.server import SandboxServer

JSON = dict[str, Any]
API_PREFIX = "/api/v10"
log = logging.getLogger(__name__)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (no charset, unlike aiohttp's)."""
    body = json.dumps(data, separators=(",", ":")).encode()
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(body=body, status=status, headers=all_headers)


def no_content() -> web.Response:
    return web.Response(status=204)


def _snowflake(request: web.Request, key: str) -> int:
    raw = request.match_info[key]
    if not raw.isdigit():
        raise invalid_form(
            key, code="NUMBER_TYPE_COERCE", message=f'Value "{raw}" is not snowflake.'
        )
    return int(raw)


class RateLimiter:
    """A sliding one-second window per bot, like Discord's global ~50 requests/s."""

    def __init__(self) -> None:
        self.per_second: float | None = None
        self._recent: deque[float] = deque()

    def check(self) -> web.Response | None:
        if not self.per_second:
            return None
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) < self.per_second:
            self._recent.append(now)
            return None
        retry_after = max(0.001, 1.0 - (now - self._recent[0]))
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(int(self.per_second)),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Bucket": "sandbox-global",
            "X-RateLimit-Scope": "user",
        }
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": False,
        }
        return json_response(body, 429, headers)


class RestApi:
    """Route handlers, bound to the server's state, message service and interaction hub."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.state = server.state
        self.rate_limiter = RateLimiter()

    # -- plumbing ------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self.middleware)
        add = app.router.add_route
        for method, path, handler in self.routes():
            add(method, API_PREFIX + path, handler)
        add("GET", "/attachments/{attachment_id}/{filename}", self.get_attachment_file)
        app.router.add_route("*", "/{tail:.*}", self.unhandled)

    def routes(self) -> list[tuple[str, str, Any]]:
        commands = "/applications/{app_id}/commands"
        guild_commands = "/applications/{app_id}/guilds/{guild_id}/commands"
        message = "/channels/{channel_id}/messages/{message_id}"
        reaction = message + "/reactions/{emoji}"
        webhook_message = "/webhooks/{app_id}/{token}/messages/{message_id}"
        return [
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", commands, self.get_commands),
            ("PUT", commands, self.put_commands),
            ("POST", commands, self.post_command),
            ("GET", commands + "/{command_id}", self.get_command),
            ("PATCH", commands + "/{command_id}", self.patch_command),
            ("DELETE", commands + "/{command_id}", self.delete_command),
            ("GET", guild_commands, self.get_commands),
            ("PUT", guild_commands, self.put_commands),
            ("POST", guild_commands, self.post_command),
            ("GET", guild_commands + "/{command_id}", self.get_command),
            ("PATCH", guild_commands + "/{command_id}", self.patch_command),
            ("DELETE", guild_commands + "/{command_id}", self.delete_command),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self.webhook_execute),
            ("GET", webhook_message, self.webhook_get_message),
            ("PATCH", webhook_message, self.webhook_edit_message),
            ("DELETE", webhook_message, self.webhook_delete_message),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.patch_channel),
            ("DELETE", "/channels/{channel_id}", self.delete_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", message, self.get_message),
            ("PATCH", message, self.edit_message),
            ("DELETE", message, self.delete_message),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("PUT", reaction + "/@me", self.add_reaction),
            ("DELETE", reaction + "/@me", self.remove_own_reaction),
            ("DELETE", reaction + "/{user_id}", self.remove_user_reaction),
            ("GET", reaction, self.list_reactions),
            ("DELETE", message + "/reactions", self.clear_reactions),
            ("PUT", "/channels/{channel_id}/pins/{message_id}", self.pin),
            ("DELETE", "/channels/{channel_id}/pins/{message_id}", self.unpin),
            ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self.pin),
            ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self.unpin),
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

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.server.requests.append((request.method, request.path, time.time()))
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
            self.server.errors.append(f"{request.method} {request.path}: {exc!r}")
            return json_response({"message": "500: Internal Server Error", "code": 0}, 500)

    def _authorize(self, request: web.Request) -> None:
        path = request.path
        if not path.startswith(API_PREFIX):
            return
        tail = path[len(API_PREFIX) :]
        # Interaction callbacks and webhooks authenticate with their token in the URL.
        if tail.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.server.bot_token}":
            raise ApiError(401, 0, "401: Unauthorized")

    async def unhandled(self, request: web.Request) -> web.StreamResponse:
        self.server.unhandled_routes.append(f"{request.method} {request.path}")
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    # -- lookups with Discord's errors ---------------------------------------------------------

    def guild(self, request: web.Request) -> Guild:
        guild = self.state.guilds.get(_snowflake(request, "guild_id"))
        if guild is None:
            raise ApiError(404, UNKNOWN_GUILD, "Unknown Guild")
        return guild

    def channel(self, request: web.Request, *, need: int = Perm.VIEW_CHANNEL) -> Channel:
        """The channel if the bot can see it and has ``need`` there (403 50013 otherwise)."""
        channel = self.state.channels.get(_snowflake(request, "channel_id"))
        if channel is None or channel.deleted:
            raise ApiError(404, UNKNOWN_CHANNEL, "Unknown Channel")
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
        message = self.state.messages.get(_snowflake(request, "message_id"))
        if (
            message is None
            or message.deleted
            or message.channel is not channel
            or message.ephemeral
        ):
            raise ApiError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return message

    # -- users, application, gateway -----------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        payload = self.state.bot_user.to_payload()
        payload.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return json_response(payload)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.state.users.get(_snowflake(request, "user_id"))
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
                "flags": 0,
                "tags": [],
                "install_params": None,
                "custom_install_url": None,
                "integration_types_config": {"0": {}},
                "approximate_guild_count": len(self.state.guilds),
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.server.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.server.gateway_url.rstrip("/"),
                "shards": self.server.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.server.identify_count,
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

    # -- application commands ------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        if _snowflake(request, "app_id") != self.state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" in request.match_info:
            return self.guild(request).id
        return None

    def _command_object(self, body: JSON, guild_id: int | None) -> JSON:
        kind = int(body.get("type", 1))
        command: JSON = {
            "id": str(self.state.command_id(guild_id, kind, str(body.get("name")))),
            "application_id": str(self.state.application_id),
            "version": str(self.state.snowflakes.next()),
            "type": kind,
            "name": body.get("name"),
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if body.get("options"):
            command["options"] = body["options"]
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    def _store_commands(self, guild_id: int | None, commands: list[JSON]) -> None:
        if guild_id is None:
            self.state.global_commands = commands
        else:
            self.state.guild_commands[guild_id] = commands
        self.server.note_sync(guild_id)

    async def get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.state.commands_for(self._command_scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body, _ = await read_body(request)
        commands = body.get("__list__", body)
        errors = validate_command_list(commands)
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        stored = [self._command_object(c, guild_id) for c in commands]
        self._store_commands(guild_id, stored)
        return json_response(stored)

    async def post_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body, _ = await read_body(request)
        errors = FormErrors()
        validate_command(body, errors, ())
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        command = self._command_object(body, guild_id)
        kept = [c for c in self.state.commands_for(guild_id) if c["id"] != command["id"]]
        self._store_commands(guild_id, [*kept, command])
        return json_response(
            command, 201 if len(kept) == len(self.state.commands_for(guild_id)) - 1 else 200
        )

    def _find_command(self, request: web.Request, guild_id: int | None) -> JSON:
        wanted = request.match_info["command_id"]
        for command in self.state.commands_for(guild_id):
            if command["id"] == wanted:
                return command
        raise ApiError(404, UNKNOWN_COMMAND, "Unknown application command")

    async def get_command(self, request: web.Request) -> web.Response:
        return json_response(self._find_command(request, self._command_scope(request)))

    async def patch_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        current = self._find_command(request, guild_id)
        body, _ = await read_body(request)
        merged = {**current, **body}
        errors = FormErrors()
        validate_command(merged, errors, ())
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        merged["version"] = str(self.state.snowflakes.next())
        commands = [merged if c is current else c for c in self.state.commands_for(guild_id)]
        self._store_commands(guild_id, commands)
        return json_response(merged)

    async def delete_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        current = self._find_command(request, guild_id)
        commands = [c for c in self.state.commands_for(guild_id) if c is not current]
        self._store_commands(guild_id, commands)
        return no_content()

    # -- interactions and their webhooks -------------------------------------------------------

    async def interaction_callback(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        with_response = request.query.get("with_response", "false").lower() in ("true", "1")
        result = self.server.hub.callback(
            _snowflake(request, "interaction_id"),
            request.match_info["token"],
            body,
            uploads,
            with_response=with_response,
        )
        return no_content() if result is None else json_response(result)

    async def webhook_execute(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        message = self.server.hub.followup(
            _snowflake(request, "app_id"), request.match_info["token"], body, uploads
        )
        if request.query.get("wait", "false").lower() in ("true", "1"):
            return json_response(message_payload(message))
        return no_content()

    async def webhook_get_message(self, request: web.Request) -> web.Response:
        _, message = self.server.hub.find_message(
            _snowflake(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
        )
        return json_response(message_payload(message))

    async def webhook_edit_message(self, request: web.Request) -> web.Response:
        body, uploads = await read_body(request)
        message = self.server.hub.edit(
            _snowflake(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
            body,
            uploads,
        )
        return json_response(message_payload(message))

    async def webhook_delete_message(self, request: web.Request) -> web.Response:
        self.server.hub.delete(
            _snowflake(request, "app_id"),
            request.match_info["token"],
            request.match_info["message_id"],
        )
        return no_content()

    # -- channels and messages -----------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self.channel(request).to_payload())

    async def patch_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        body, _ = await read_body(request)
        if channel.is_thread:
            self._edit_thread(channel, body)
            self.server.dispatch(
                "THREAD_UPDATE", channel.to_payload(), channel.guild.id if channel.guild else None
            )
        else:
            self.require(channel, Perm.MANAGE_CHANNELS)
            for key in ("name", "topic", "position"):
                if key in body:
                    setattr(channel, key, body[key])
            self.server.dispatch(
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
        message = self.server.messages.create(channel, self.state.bot_user, body, uploads)
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
            self.server.dispatch(
                "THREAD_UPDATE", channel.to_payload(), channel.guild.id if channel.guild else None
            )

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.READ_MESSAGE_HISTORY)
        return json_response(message_payload(self.message(request, channel)))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        if message.author.id != self.state.bot_user.id or (
            message.webhook_id is not None and message.interaction_metadata is None
        ):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body, uploads = await read_body(request)
        self.server.messages.edit(message, body, uploads)
        return json_response(message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        if message.author.id != self.state.bot_user.id:
            self.require(channel, Perm.MANAGE_MESSAGES)
        self.server.messages.delete(message)
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self.channel(request)
        return no_content()

    # -- reactions and pins --------------------------------------------------------------------

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
            self.server.dispatch(
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
            self.server.dispatch("MESSAGE_REACTION_REMOVE", event, message.guild_id)

    async def remove_own_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        message = self.message(request, channel)
        self._remove_reaction(message, request.match_info["emoji"], self.state.bot_user.id)
        return no_content()

    async def remove_user_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request, need=Perm.MANAGE_MESSAGES)
        message = self.message(request, channel)
        self._remove_reaction(message, request.match_info["emoji"], _snowflake(request, "user_id"))
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
        self.server.dispatch("MESSAGE_REACTION_REMOVE_ALL", payload, message.guild_id)
        return no_content()

    async def pin(self, request: web.Request) -> web.Response:
        return self._set_pinned(request, pinned=True)

    async def unpin(self, request: web.Request) -> web.Response:
        return self._set_pinned(request, pinned=False)

    def _set_pinned(self, request: web.Request, *, pinned: bool) -> web.Response:
        channel = self.channel(request, need=Perm.MANAGE_MESSAGES)
        message = self.message(request, channel)
        message.pinned = pinned
        self.server.messages.announce_update(message)
        return no_content()

    # -- threads -------------------------------------------------------------------------------

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
        self.server.dispatch("THREAD_CREATE", payload, parent.guild.id)
        return thread

    async def create_thread(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        kind = int(body.get("type") or PRIVATE_THREAD)
        if kind not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise invalid_form(
                "type", code="BASE_TYPE_CHOICES", message="Value must be one of {11, 12}."
            )
        need = Perm.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS
        parent = self.channel(request, need=need)
        thread = self._new_thread(parent, body, kind)
        return json_response(thread.to_payload(), 201)

    async def create_message_thread(self, request: web.Request) -> web.Response:
        parent = self.channel(request, need=Perm.CREATE_PUBLIC_THREADS | Perm.READ_MESSAGE_HISTORY)
        message = self.message(request, parent)
        if message.thread is not None:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        body, _ = await read_body(request)
        thread = self._new_thread(parent, body, PUBLIC_THREAD, ident=message.id)
        message.thread = thread
        self.server.messages.announce_update(message)
        return json_response(thread.to_payload(), 201)

    def _thread(self, request: web.Request) -> Channel:
        thread = self.channel(request)
        if not thread.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        return thread

    def _thread_user(self, request: web.Request) -> int:
        raw = request.match_info["user_id"]
        return self.state.bot_user.id if raw == "@me" else _snowflake(request, "user_id")

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
        self.server.dispatch("THREAD_MEMBERS_UPDATE", payload, guild.id)

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

    # -- guilds --------------------------------------------------------------------------------

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
        member = guild.members.get(_snowflake(request, "user_id"))
        if member is None:
            raise ApiError(404, UNKNOWN_MEMBER, "Unknown Member")
        return json_response(member.to_payload())

    def _role_change(self, request: web.Request, *, add: bool) -> web.Response:
        guild = self.guild(request)
        member = guild.members.get(_snowflake(request, "user_id"))
        role = guild.roles.get(_snowflake(request, "role_id"))
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

    # -- files ---------------------------------------------------------------------------------

    async def get_attachment_file(self, request: web.Request) -> web.Response:
        attachment = self.state.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(
            body=attachment.data,
            headers={"Content-Type": attachment.content_type or "application/octet-stream"},
        )
