"""One gateway websocket and one IDENTIFY session, the two halves a RESUME separates.

A connection writes its frames in order through its own queue (compressed with zlib-stream when
asked); a session numbers every dispatch and keeps the last ones, to replay after a RESUME.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

DISPATCH = 0  # the opcode of an event frame
REPLAY_BUFFER = 5000


@dataclass(eq=False)
class GatewayConnection:
    """One websocket: its compressor and an ordered outgoing queue drained by a writer task."""

    ws: web.WebSocketResponse
    request: web.Request
    zlib_stream: bool
    session: GatewaySession | None = None
    queue: asyncio.Queue[JSON | int | None] = field(default_factory=asyncio.Queue)
    writer: asyncio.Task[None] | None = None
    _compressor: Any = None

    def start(self) -> None:
        if self.zlib_stream:
            self._compressor = zlib.compressobj()
        self.writer = asyncio.get_running_loop().create_task(self._write_loop())

    def send(self, frame: JSON) -> None:
        self.queue.put_nowait(frame)

    def close(self, code: int) -> None:
        """Close after the frames already queued (an int in the queue means "close with it")."""
        self.queue.put_nowait(code)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, like a network failure."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self.queue.put_nowait(None)

    async def _write_loop(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            if isinstance(item, int):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.close(code=item)
                return
            try:
                await self._write(item)
            except (ConnectionError, RuntimeError):
                return

    async def _write(self, frame: JSON) -> None:
        text = json.dumps(frame, separators=(",", ":"))
        if self._compressor is None:
            await self.ws.send_str(text)
            return
        data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(data)

    async def stop(self) -> None:
        self.queue.put_nowait(None)
        if self.writer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.writer


@dataclass(eq=False)
class GatewaySession:
    """The server side of one IDENTIFY: shard, intents, sequence numbers, replay buffer."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    connection: GatewayConnection | None = None
    seq: int = 0
    buffer: deque[JSON] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    retired: bool = False

    def owns(self, guild_id: int | None) -> bool:
        """Discord's sharding formula; DMs go to shard 0."""
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def push(self, event: str, data: JSON) -> None:
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        if self.connection is not None:
            self.connection.send(frame)
