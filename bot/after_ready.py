"""What the bot does once it is ready rather than before: the work that need not hold the start.

Ready (logged in, commands synced) is what members wait for after a restart, so the start does
only what answering an interaction needs. Two things wait until after ready, each built in a
worker thread so that the event loop keeps answering meanwhile, beside the code runner's
self-check (the jail's seccomp filter, compiled in a thread, and a trial jail; a member's run
that comes first starts it):

- the web server: FastAPI, its models and every feature's routes take about 0.3 s to import and
  build. Its socket is bound at start (bot/web/listener.py), so a taken port still stops the
  start; requests that arrive before the app is built wait in the socket's backlog.
- dateparser's English data (bot/dates.py), loaded before a member's first date typed in words
  would wait about a second for it.

Other heavy libraries that only some interactions need are imported on first use instead, and
never held in memory by a bot that does not use them: numpy and rustworkx when a round is
matched (in the worker process) or `/pair now` first chooses a partner (about 0.15 s, once).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable, Iterable

    from bot.feature import FeatureCog
    from bot.web.host import WebHost
    from bot.web.server import WebServer

# What a start leaves for later: a top-level import of one of these would slip back into every
# start unseen (tests/unit/test_start_imports.py holds the line; `bench.startup` shows what
# each costs where it is first imported).
LEFT_FOR_LATER: Final = frozenset(
    {
        # the web server, built after ready
        "fastapi",
        "uvicorn",
        "jinja2",
        "icalendar",
        # Alembic runs only when the schema is not current; dateparser's data loads after ready
        "alembic",
        "dateparser",
        # first use: a round matched, a duplicate check or spec, a language guessed, a YAML
        # file, a metric, a worker job, a jail's filter, a PostgreSQL database
        "numpy",
        "rustworkx",
        "rapidfuzz",
        "pygments",
        "yaml",
        "prometheus_client",
        "multiprocessing",
        "pyseccomp",
        "sqlalchemy.dialects.postgresql",
        # JSON logs only where log.format is json
        "pythonjsonlogger",
        # the snippet search index, opened once the bot is ready
        "tantivy",
    }
)


async def serve_web(
    listener: socket.socket,
    host: WebHost,
    features: Iterable[FeatureCog],
    gateway_ready: Callable[[], bool],
) -> WebServer:
    """The web server on `listener`, answering; built in a worker thread."""
    web = await asyncio.to_thread(_build_web, host, features, gateway_ready)
    await web.start(listener)
    return web


def _build_web(
    host: WebHost, features: Iterable[FeatureCog], gateway_ready: Callable[[], bool]
) -> WebServer:
    """The web app with every feature's routes (blocking imports)."""
    from bot.web.health import Readiness
    from bot.web.server import WebServer

    readiness = Readiness(gateway_ready=gateway_ready, ping_database=host.db.ping)
    web = WebServer(host, readiness)
    web.serve_features(features)
    return web
