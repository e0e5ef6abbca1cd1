"""Per-caller rate limits: a token bucket per API token or signed-in member, timed by the
injected clock.

Held in memory, per process: a caller spread over several processes gets each one's allowance,
which bounds the load each process takes, the limit's purpose.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bot.lru import LruDict

if TYPE_CHECKING:
    from collections.abc import Hashable
    from datetime import datetime

    from bot.clock import Clock


class RateLimiter:
    def __init__(self, per_minute: int, clock: Clock, callers: int = 10_000) -> None:
        self._capacity = float(per_minute)
        self._per_second = per_minute / 60
        self._clock = clock
        # One bucket per caller seen: past `callers` the least recently seen is dropped, and
        # comes back full (as it would be after a minute's quiet).
        self._buckets: LruDict[Hashable, tuple[float, datetime]] = LruDict(callers)

    def take(self, key: Hashable) -> int | None:
        """Spend one request of `key`'s allowance; None when allowed, else the whole seconds
        to wait (for `Retry-After`)."""
        now = self._clock.now()
        tokens, since = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - since).total_seconds() * self._per_second)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return None
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self._per_second))
