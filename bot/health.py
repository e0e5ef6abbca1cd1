"""The database round trip, measured in the background so that /nexus ping costs no query."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from bot.clock import Clock

log = logging.getLogger(__name__)

DATABASE_PROBE_SECONDS = 10.0


@dataclass(frozen=True)
class DatabaseHealth:
    """The latest database round trip (None: unreachable), and when it was measured."""

    seconds: float | None = None
    measured_at: datetime | None = None


class DatabaseProbe:
    """Pings the database every DATABASE_PROBE_SECONDS; `latest` is the last measurement."""

    def __init__(self, ping: Callable[[], Awaitable[float]], clock: Clock) -> None:
        self._ping = ping
        self._clock = clock
        self.latest = DatabaseHealth()
        self._task: asyncio.Task[None] | None = None

    async def probe(self) -> None:
        """Measure the database round trip now; /nexus ping shows the latest measurement."""
        try:
            seconds = await self._ping()
        except Exception:  # the database being down is exactly what the probe reports
            log.warning("database probe failed", exc_info=True)
            self.latest = DatabaseHealth(None, self._clock.now())
        else:
            self.latest = DatabaseHealth(seconds, self._clock.now())

    def start(self) -> None:
        self._task = asyncio.create_task(self._probe_forever(), name="nexus-db-probe")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _probe_forever(self) -> None:
        # Measured in the background so that answering /nexus ping costs no query.
        while True:
            await asyncio.sleep(DATABASE_PROBE_SECONDS)
            await self.probe()
