"""``SandboxServer``: the sandbox Discord as tests and the REPL drive it.

Start it, point discord.py at it (``discord.http.Route.BASE = server.api_url`` and
``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)``), then act as Discord's users
would: invoke commands, click buttons, submit modals, post messages — and inspect what the bot did.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.acting import ActingAsUsers
from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import SandboxError
from bot.sandbox.gateway import Gateway
from bot.sandbox.interactions.hub import InteractionHub
from bot.sandbox.interactions.pending import LateAck
from bot.sandbox.invoke import InteractionBuilder
from bot.sandbox.messages import MessageService
from bot.sandbox.model import Channel, Guild, Message
from bot.sandbox.payloads import guild_create_payload
from bot.sandbox.permissions import Role
from bot.sandbox.rest import API_PREFIX, RestApi
from bot.sandbox.routes.context import RouteContext
from bot.sandbox.routes.oauth import OAuthProvider
from bot.sandbox.state import SandboxState
from bot.sandbox.users import User

if TYPE_CHECKING:
    from collections.abc import Callable

JSON = dict[str, Any]


class SandboxServer(ActingAsUsers):
    """A local Discord (REST + gateway) on 127.0.0.1 with a bot application and its token."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Nexus",
        heartbeat_interval: int = 41250,
        privileged_intents: frozenset[str] | None = None,
        bot_in_process: bool = False,
    ) -> None:
        """``privileged_intents``: the ones the application may use ("members", "presences",
        "message_content"); asking for another closes the gateway with 4014. None: all.
        ``bot_in_process``: the bot runs in this process, on this event loop (the tests); the
        acknowledgement deadline then excuses the time the loop waited for a CPU the machine
        gave to other processes."""
        self.host = host
        self.port = port
        self.state = SandboxState(bot_name=bot_name)
        self.bot_token = f"sandbox.{self.state.application_id}.{secrets.token_urlsafe(24)}"
        self.messages = MessageService(self.state, self.dispatch)
        self.hub = InteractionHub(self.messages, application_id=self.state.application_id)
        self.hub.excuse_cpu_wait = bot_in_process
        self.builder = InteractionBuilder(self.state)
        self.gateway = Gateway(
            self.state,
            token=lambda: self.bot_token,
            resume_url=lambda: self.resume_gateway_url,
            heartbeat_interval=heartbeat_interval,
            privileged_intents=privileged_intents,
        )
        self.gateway.changed = self._notify
        self.context = RouteContext(
            state=self.state,
            messages=self.messages,
            hub=self.hub,
            gateway=self.gateway,
            bot_token=self.bot_token,
            note_sync=self.note_sync,
        )
        self.rest = RestApi(self.context)
        # Discord's OAuth2 (the consent page, tokens, a user's @me): tests sign in through it.
        self.oauth = OAuthProvider(self.state)
        self.sync_count = 0
        self.synced_global = False
        self.synced_guilds: set[int] = set()
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self._message_log: list[Message] = []
        self.state.emit = self.dispatch
        self.state.on_message = self._on_message

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> SandboxServer:
        """Listen on ``host:port`` (port 0 picks a free one) and fill in the URLs."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        self.oauth.install(app)
        self.rest.install(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = _bound_port(self._runner, self.port)
        self.base_url = f"http://{self.host}:{self.port}"
        self.state.attachment_base_url = self.base_url
        self.context.gateway_url = self.gateway_url
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    # -- state shortcuts -----------------------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str, float]]:
        """Every HTTP request the bot made: (method, path, time.time())."""
        return self.context.requests

    @property
    def errors(self) -> list[str]:
        """Sandbox bugs met while answering the bot (each answered with a 500)."""
        return self.context.errors

    @property
    def unhandled_routes(self) -> list[str]:
        return self.context.unhandled_routes

    @property
    def recommended_shards(self) -> int:
        """The shard count ``GET /gateway/bot`` recommends."""
        return self.context.recommended_shards

    @recommended_shards.setter
    def recommended_shards(self, count: int) -> None:
        self.context.recommended_shards = count

    @property
    def bot_user(self) -> User:
        return self.state.bot_user

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def late_acks(self) -> list[LateAck]:
        return self.hub.late_acks

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def ack_deadline(self) -> float:
        return self.hub.ack_deadline

    @ack_deadline.setter
    def ack_deadline(self, seconds: float) -> None:
        self.hub.ack_deadline = seconds

    @property
    def rate_limit_per_second(self) -> float | None:
        """When set, more requests than this per second get a Discord-style 429."""
        return self.rest.rate_limiter.per_second

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, value: float | None) -> None:
        self.rest.rate_limiter.per_second = value

    def create_user(self, name: str) -> User:
        return self.state.create_user(name)

    def create_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> Guild:
        """A guild with a ``general`` channel, the owner and the bot (with its "Nexus" role).

        ``shard=(id, count)`` picks a guild id that lands on that shard.
        """
        guild = self.state.create_guild(name, shard=shard)
        general = Channel(
            id=self.state.snowflakes.next(), type=0, name="general", state=self.state, guild=guild
        )
        self.state.add_channel(general)
        self.dispatch("GUILD_CREATE", guild_create_payload(guild), guild.id)
        return guild

    def commands(self, guild: Guild | None = None) -> list[JSON]:
        """The synced command payloads (global, or the guild's)."""
        return self.state.commands_for(guild.id if guild else None)

    def messages_by_bot(self) -> list[Message]:
        bot_id = self.state.bot_user.id
        return [m for m in self.state.messages.values() if m.author.id == bot_id and not m.deleted]

    def dms(self, user: User) -> list[Message]:
        """Messages in the DM channel between the bot and ``user``."""
        for channel in self.state.channels.values():
            if channel.type == 1 and channel.recipients and channel.recipients[0] is user:
                return channel.messages
        return []

    # -- events --------------------------------------------------------------------------------

    def dispatch(self, event: str, data: JSON, guild_id: int | None = None) -> None:
        self.gateway.dispatch(event, data, guild_id)

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _on_message(self, message: Message) -> None:
        self._message_log.append(message)
        self._notify()

    def note_sync(self, guild_id: int | None) -> None:
        self.sync_count += 1
        if guild_id is None:
            self.synced_global = True
        else:
            self.synced_guilds.add(guild_id)
        self._notify()

    def is_ready(self) -> bool:
        """The bot identified (every shard of its count) and synced its commands."""
        shards: dict[int, set[int]] = {}
        for session in self.gateway.sessions.values():
            shards.setdefault(session.shard_count, set()).add(session.shard_id)
        identified = any(ids == set(range(count)) for count, ids in shards.items())
        if not identified or self.sync_count == 0:
            return False
        return self.synced_global or all(g in self.synced_guilds for g in self.state.guilds)

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` holds (re-checked on every sandbox change and every 50 ms)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxError(f"timed out after {timeout} s waiting for {what or predicate}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))

    async def wait_until_ready(self, timeout: float = 15.0) -> None:
        await self.wait_until(self.is_ready, timeout, "the bot to identify and sync commands")

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: float | None = None,
    ) -> Message:
        """The next bot message (in ``channel``); with ``since``, one posted after it counts."""
        bot_id = self.state.bot_user.id

        def matches(message: Message) -> bool:
            return (
                message.author.id == bot_id
                and not message.deleted
                and (channel is None or message.channel is channel)
                and (predicate is None or predicate(message))
            )

        start = 0 if since is not None else len(self._message_log)
        found: list[Message] = []

        def arrived() -> bool:
            for message in self._message_log[start:]:
                if (since is None or message.received_at >= since) and matches(message):
                    found.append(message)
                    return True
            return False

        await self.wait_until(arrived, timeout, "a bot message")
        return found[0]

    # -- gateway controls ----------------------------------------------------------------------

    async def drop_gateway(self, close_code: int | None = 4000) -> None:
        """Close the bot's websockets (``None``: drop TCP abruptly). Sessions stay resumable."""
        await self.gateway.drop(close_code)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; non-resumable forces a fresh IDENTIFY."""
        await self.gateway.invalidate(resumable=resumable)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client reconnects and resumes."""
        await self.gateway.request_reconnect()


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    """The port actually bound (``requested`` is 0 when the OS picks a free one)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested


__all__ = ["Attachment", "Role", "SandboxServer"]
