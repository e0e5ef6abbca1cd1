"""Test doubles for bot/fetch.py: a resolver that does no DNS and connections that stay local.

Whatever the guard decides, a test using these never opens a connection outside 127.0.0.0/8:
every address a fetch tries is recorded, and only loopback ones are really connected to.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver

from bot.fetch import Fetcher

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OfflineResolver:
    """Answers from a table and counts lookups; any other name is unknown (no DNS is asked)."""

    def __init__(self, table: dict[str, Sequence[str] | list[Sequence[str]]] | None = None) -> None:
        # A name maps to its addresses, or to a list of answers given one per lookup in turn
        # (how a rebinding DNS server would answer).
        self.table: dict[str, Any] = {"localhost": ["127.0.0.1", "::1"], **(table or {})}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.table.get(host.rstrip("."))
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: unknown (tests do no DNS)")
        if answer and isinstance(answer[0], list):
            turn = sum(1 for looked in self.lookups if looked == host) - 1
            return list(answer[min(turn, len(answer) - 1)])
        return list(answer)


class LoopbackOnlyConnections:
    """A connector factory: connects to 127.0.0.0/8 only; any other address is recorded, refused."""

    def __init__(self) -> None:
        self.attempted: list[str] = []

    @property
    def outside_loopback(self) -> list[str]:
        return [
            address for address in self.attempted if ipaddress.ip_address(address) not in LOOPBACK
        ]

    def __call__(self, resolver: AbstractResolver) -> aiohttp.BaseConnector:
        return aiohttp.TCPConnector(
            resolver=resolver, use_dns_cache=False, force_close=True, socket_factory=self._socket
        )

    def _socket(self, addr_info: tuple[Any, ...]) -> socket.socket:
        family, kind, proto, _, address = addr_info
        host = str(address[0]).split("%", 1)[0]
        self.attempted.append(host)
        if family == socket.AF_INET and ipaddress.ip_address(host) in LOOPBACK:
            return socket.socket(family, kind, proto)
        raise OSError(errno.ENETUNREACH, f"tests connect to 127.0.0.0/8 only, not {host}")


def local_fetcher(
    allow: Sequence[str] = (),
    resolver: OfflineResolver | None = None,
    connections: LoopbackOnlyConnections | None = None,
) -> Fetcher:
    return Fetcher(
        allow=allow,
        resolver=resolver or OfflineResolver(),
        connector_factory=connections or LoopbackOnlyConnections(),
        user_agent="Nexus-tests",
    )


@contextlib.asynccontextmanager
async def serve_on_loopback(handler: Handler) -> AsyncIterator[int]:
    """An HTTP server on 127.0.0.1 (a free port, yielded) answering GET /{kind} with `handler`."""
    app = web.Application()
    app.router.add_get("/{kind}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()
