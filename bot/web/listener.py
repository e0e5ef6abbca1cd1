"""The web server's listening socket, bound while the bot starts.

Binding is cheap and is where a taken port shows, so it happens at start and a taken port stops
the start with its error. What serves the socket (FastAPI, every feature's routes) is built once
the bot is ready (bot/after_ready.py).
"""

from __future__ import annotations

import socket


def bind_listener(host: str, port: int) -> socket.socket:
    listener = socket.create_server((host, port), reuse_port=False)
    # asyncio turns Nagle's algorithm off only on sockets made with proto IPPROTO_TCP, and
    # create_server's has proto 0: a body written after its headers then waited for the
    # client's delayed ACK, ~40 ms a request. Accepted connections inherit the listener's.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener
