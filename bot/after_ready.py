"""What the bot does once it is ready rather than before: the work that need not hold the start.

Ready (logged in, commands synced) is what members wait for after a restart, so the start does
only what answering an interaction needs. Two things wait until after ready, each built in a
worker thread so that the event loop keeps answering meanwhile:

- the web server: FastAPI, its models and every feature's routes take about 0.3 s to import and
  build. Its socket is bound at start (bot/web/listener.py), so a taken port still stops the
  start; requests that arrive before the app is built wait in the socket's backlog.
- warm-ups: libraries only some interactions need (dateparser's English data, the matching's
  numpy and rustworkx, named by each feature's `warm_up_modules`), imported before a member's
  first interaction would have to.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from bot import dates

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from bot.feature import FeatureCog
    from bot.web.host import WebHost
    from bot.web.server import WebServer


def warm_up(modules: Iterable[str]) -> None:
    """Blocking: run it in a worker thread."""
    dates.warm_up()
    for name in modules:
        importlib.import_module(name)


def build_web(
    host: WebHost, features: Iterable[FeatureCog], gateway_ready: Callable[[], bool]
) -> WebServer:
    """The web app with every feature's routes (blocking imports: run it in a worker thread)."""
    from bot.web.health import Readiness
    from bot.web.server import WebServer

    readiness = Readiness(gateway_ready=gateway_ready, ping_database=host.db.ping)
    web = WebServer(host, readiness)
    web.serve_features(features)
    return web
