"""A guild's expansions per minute: a sliding window over the injected clock, in memory (a
restart forgets it, which costs at most one extra minute's worth)."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from datetime import datetime

    from bot.clock import Clock

WINDOW: Final = timedelta(minutes=1)


class GuildRate:
    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._recent: dict[int, deque[datetime]] = {}

    def take(self, guild_id: int) -> bool:
        """Count one expansion for the guild; False (and nothing counted) when over the rate."""
        now = self._clock.now()
        recent = self._recent.setdefault(guild_id, deque())
        while recent and now - recent[0] >= WINDOW:
            recent.popleft()
        if len(recent) >= self._per_minute:
            return False
        recent.append(now)
        return True
