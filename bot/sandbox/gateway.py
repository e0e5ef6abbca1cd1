"""The sandbox's gateway: websocket sessions speaking Discord's gateway protocol (v10, JSON).

One ``GatewaySession`` per IDENTIFY. A session outlives its websocket connection so that a
client can RESUME: every dispatch is numbered and buffered, and a RESUME replays the frames after
the client's last sequence number. Each connection writes through its own queue, so frames keep
their order and can be enqueued from synchronous code (tests mutating the state).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.sandbox.gateway_sessions import GatewayConnection, GatewaySession
from bot.sandbox.payloads import guild_create_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.sandbox.state import SandboxState

JSON = dict[str, Any]
log = logging.getLogger(__name__)

# Opcodes; 0, a dispatch, is written by the sessions (gateway_sessions.DISPATCH).
HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE, RESUME = 1, 2, 3, 4, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11
CLOSE_AUTH_FAILED, CLOSE_INVALID_SHARD, CLOSE_DECODE_ERROR = 4004, 4010, 4002
CLOSE_DISALLOWED_INTENTS = 4014

# Gateway intents needed to receive an event: (in a guild, in a DM).
INTENT_GUILDS, INTENT_MEMBERS = 1 << 0, 1 << 1
INTENT_GUILD_MESSAGES, INTENT_GUILD_REACTIONS = 1 << 9, 1 << 10
INTENT_DM_MESSAGES, INTENT_DM_REACTIONS = 1 << 12, 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_PRESENCES = 1 << 8
# The privileged intents by the names discord.py gives them, and the application flag that
# says the Developer Portal's switch for each is on (what GET /applications/@me reports).
PRIVILEGED_INTENTS: dict[str, tuple[int, int]] = {
    "members": (INTENT_MEMBERS, 1 << 15),
    "presences": (INTENT_PRESENCES, 1 << 13),
    "message_content": (INTENT_MESSAGE_CONTENT, 1 << 19),
}
EVENT_INTENTS: dict[str, tuple[int, int]] = {
    "MESSAGE_CREATE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_UPDATE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_DELETE": (INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES),
    "MESSAGE_REACTION_ADD": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS),
    "GUILD_MEMBER_ADD": (INTENT_MEMBERS, INTENT_MEMBERS),
    "GUILD_MEMBER_REMOVE": (INTENT_MEMBERS, INTENT_MEMBERS),
    "GUILD_MEMBER_UPDATE": (INTENT_MEMBERS, INTENT_MEMBERS),
    "CHANNEL_CREATE": (INTENT_GUILDS, 0),
    "CHANNEL_UPDATE": (INTENT_GUILDS, 0),
    "CHANNEL_DELETE": (INTENT_GUILDS, 0),
    "THREAD_CREATE": (INTENT_GUILDS, 0),
    "THREAD_UPDATE": (INTENT_GUILDS, 0),
    "THREAD_DELETE": (INTENT_GUILDS, 0),
    "GUILD_ROLE_CREATE": (INTENT_GUILDS, 0),
}
MESSAGE_CONTENT_KEYS = ("content", "embeds", "attachments", "components", "poll")


class Gateway:
    """Accepts gateway websockets and routes dispatches to the sessions that should see them."""

    def __init__(
        self,
        state: SandboxState,
        *,
        token: Callable[[], str],
        resume_url: Callable[[], str],
        heartbeat_interval: int = 41250,
        privileged_intents: frozenset[str] | None = None,
    ) -> None:
        self.state = state
        # The privileged intents the application may use; IDENTIFY asking for another is closed
        # with 4014, as Discord does when the Developer Portal's switch is off. None: all.
        self.privileged_intents = (
            frozenset(PRIVILEGED_INTENTS) if privileged_intents is None else privileged_intents
        )
        self._token = token
        self._resume_url = resume_url
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.identify_count = 0
        self.resume_count = 0
        self.compressed_connections = 0
        self.plain_connections = 0
        self.changed: Callable[[], None] = lambda: None

    def application_flags(self) -> int:
        """The application's flags for the privileged intents it may use (the "limited" ones,
        as for a bot in fewer than 100 servers)."""
        return sum(PRIVILEGED_INTENTS[name][1] for name in self.privileged_intents)

    def _refused_intents(self, intents: int) -> bool:
        return any(
            intents & bit and name not in self.privileged_intents
            for name, (bit, _) in PRIVILEGED_INTENTS.items()
        )

    # -- routing -----------------------------------------------------------------------------

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.retired]

    def dispatch(self, event: str, data: JSON, guild_id: int | None = None) -> int:
        """Send ``event`` to every live session owning ``guild_id``; returns how many got it."""
        count = 0
        for session in self.live_sessions():
            if not session.owns(guild_id) or not self._wants(session, event, guild_id):
                continue
            session.push(event, self._filter(session, event, data, guild_id))
            count += 1
        return count

    def dispatch_one(self, event: str, data: JSON, guild_id: int | None) -> GatewaySession | None:
        """Send to one session only (interactions): the newest connected owner of the guild."""
        owners = [s for s in self.live_sessions() if s.owns(guild_id)]
        connected = [s for s in owners if s.connection is not None]
        candidates = connected or owners
        if not candidates:
            return None
        session = candidates[-1]
        session.push(event, data)
        return session

    @staticmethod
    def _wants(session: GatewaySession, event: str, guild_id: int | None) -> bool:
        needed = EVENT_INTENTS.get(event)
        if needed is None:
            return True
        bit = needed[0] if guild_id is not None else needed[1]
        return bit == 0 or bool(session.intents & bit)

    def _filter(
        self, session: GatewaySession, event: str, data: JSON, guild_id: int | None
    ) -> JSON:
        """Without the MESSAGE_CONTENT intent, Discord blanks other people's guild messages."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or guild_id is None:
            return data
        if session.intents & INTENT_MESSAGE_CONTENT:
            return data
        bot_id = str(self.state.bot_user.id)
        if data.get("author", {}).get("id") == bot_id:
            return data
        if any(u.get("id") == bot_id for u in data.get("mentions", [])):
            return data
        blanked = dict(data)
        for key in MESSAGE_CONTENT_KEYS:
            if key in blanked:
                blanked[key] = "" if key == "content" else []
        return blanked

    # -- test controls ------------------------------------------------------------------------

    async def drop(self, close_code: int | None) -> None:
        """Close every connection (abruptly if ``close_code`` is None); sessions stay resumable."""
        for connection in list(self.connections):
            if close_code is None:
                connection.abort()
            else:
                connection.close(close_code)
            self._detach(connection)
        await asyncio.sleep(0)

    async def invalidate(self, *, resumable: bool) -> None:
        """Send op 9; a non-resumable invalidation forgets the sessions."""
        for connection in list(self.connections):
            connection.send({"op": INVALID_SESSION, "d": resumable})
            if not resumable and connection.session is not None:
                connection.session.retired = True
        await asyncio.sleep(0)

    async def request_reconnect(self) -> None:
        for connection in list(self.connections):
            connection.send({"op": RECONNECT, "d": None})
        await asyncio.sleep(0)

    async def close(self) -> None:
        for connection in list(self.connections):
            connection.close(1001)
            self._detach(connection)
        for connection in list(self.connections):
            await connection.stop()

    # -- the websocket ------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        zlib_stream = request.query.get("compress") == "zlib-stream"
        if zlib_stream:
            self.compressed_connections += 1
        else:
            self.plain_connections += 1
        connection = GatewayConnection(ws=ws, request=request, zlib_stream=zlib_stream)
        connection.start()
        self.connections.add(connection)
        connection.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval}})
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(message.data)
                except ValueError:
                    connection.close(CLOSE_DECODE_ERROR)
                    break
                self._on_frame(connection, frame)
        finally:
            self._detach(connection)
            await connection.stop()
        return ws

    def _detach(self, connection: GatewayConnection) -> None:
        self.connections.discard(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
        self.changed()

    def _on_frame(self, connection: GatewayConnection, frame: JSON) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            connection.send({"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY and isinstance(data, dict):
            self._identify(connection, data)
        elif op == RESUME and isinstance(data, dict):
            self._resume(connection, data)
        elif op == REQUEST_MEMBERS and isinstance(data, dict):
            self._send_member_chunk(connection, data)
        elif op in (PRESENCE, VOICE_STATE):
            return
        else:
            log.debug("sandbox gateway ignoring op %s", op)

    def _identify(self, connection: GatewayConnection, data: JSON) -> None:
        if data.get("token") != self._token():
            connection.close(CLOSE_AUTH_FAILED)
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            connection.close(CLOSE_INVALID_SHARD)
            return
        intents = int(data.get("intents", (1 << 17) - 1))
        if self._refused_intents(intents):
            connection.close(CLOSE_DISALLOWED_INTENTS)
            return
        for old in self.live_sessions():
            # A client identifying again for the same shard replaces its own dead session.
            if (old.shard_id, old.shard_count) == (
                shard_id,
                shard_count,
            ) and old.connection is None:
                old.retired = True
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            connection=connection,
        )
        connection.session = session
        self.sessions[session.session_id] = session
        self.identify_count += 1
        session.push("READY", self._ready_payload(session, data))
        for guild in self.state.guilds.values():
            if session.owns(guild.id):
                session.push("GUILD_CREATE", guild_create_payload(guild))
        self.changed()

    def _ready_payload(self, session: GatewaySession, data: JSON) -> JSON:
        bot = self.state.bot_user.to_payload()
        bot.update(verified=True, mfa_enabled=False, email=None)
        payload: JSON = {
            "v": 10,
            "user": bot,
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "guilds": [
                {"id": str(g), "unavailable": True} for g in self.state.guilds if session.owns(g)
            ],
            "application": {
                "id": str(self.state.application_id),
                "flags": self.application_flags(),
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["sandbox"],
        }
        if data.get("shard") is not None:
            payload["shard"] = [session.shard_id, session.shard_count]
        return payload

    def _resume(self, connection: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.retired or data.get("token") != self._token():
            connection.send({"op": INVALID_SESSION, "d": False})
            return
        if session.connection is not None and session.connection is not connection:
            session.connection.close(4000)
        session.connection = connection
        connection.session = session
        last = int(data.get("seq") or 0)
        for frame in list(session.buffer):
            if frame["s"] > last:
                connection.send(frame)
        self.resume_count += 1
        session.push("RESUMED", {"_trace": ["sandbox"]})
        self.changed()

    def _send_member_chunk(self, connection: GatewayConnection, data: JSON) -> None:
        if connection.session is None:
            return
        guild_ids = data.get("guild_id")
        for raw in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.state.guilds.get(int(raw or 0))
            if guild is None:
                continue
            members = list(guild.members.values())
            wanted = data.get("user_ids")
            if wanted:
                members = [m for m in members if str(m.id) in {str(u) for u in wanted}]
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": [m.to_payload() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            connection.session.push("GUILD_MEMBERS_CHUNK", chunk)
