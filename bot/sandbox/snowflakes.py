"""Discord-shaped ids (snowflakes) and timestamps, shared by every object of the sandbox."""

from __future__ import annotations

import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


def iso(moment: datetime) -> str:
    """Discord's ISO-8601 timestamp format."""
    return moment.isoformat()


def utcnow() -> datetime:
    return datetime.now(UTC)


class SnowflakeGenerator:
    """Discord-shaped ids: milliseconds since the Discord epoch << 22 | worker | increment."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self, *, shard: tuple[int, int] | None = None) -> int:
        """A new id; with ``shard=(id, count)`` one whose guild shard is ``id``."""
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, self._last_ms)
        if shard is not None:
            shard_id, count = shard
            # Skip ahead a few milliseconds so that (id >> 22) % count == shard_id.
            ms = self._last_ms + 1 if ms == self._last_ms else ms
            while ms % count != shard_id:
                ms += 1
        if ms == self._last_ms:
            self._increment = (self._increment + 1) & 0xFFF
            if self._increment == 0:
                ms += 1
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (1 << 17) | self._increment
