"""Discord's global rate limit, for tests that want to see the bot handle a 429."""

from __future__ import annotations

import time
from collections import deque

from aiohttp import web

from bot.sandbox.routes.responses import json_response


class RateLimiter:
    """A sliding one-second window per bot, like Discord's global ~50 requests/s."""

    def __init__(self) -> None:
        self.per_second: float | None = None
        self._recent: deque[float] = deque()

    def check(self) -> web.Response | None:
        if not self.per_second:
            return None
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) < self.per_second:
            self._recent.append(now)
            return None
        retry_after = max(0.001, 1.0 - (now - self._recent[0]))
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(int(self.per_second)),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Bucket": "sandbox-global",
            "X-RateLimit-Scope": "user",
        }
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": False,
        }
        return json_response(body, 429, headers)
