"""Posting at Discord's pace: at most MAX_CONCURRENT_POSTS posts in flight, and after a 429
every post waits as advised, so a burst settles at the rate Discord allows instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final

from cogs.announcements.records import Delivery, PostResult

log = logging.getLogger(__name__)

MAX_CONCURRENT_POSTS: Final = 64
# Rate-limited (429) posts are tried again, this many times in all, waiting at most this long.
RATE_LIMIT_ATTEMPTS: Final = 20
MAX_RATE_LIMIT_WAIT: Final = 60.0

Poster = Callable[[Delivery], Awaitable[PostResult]]


class PostPacer:
    def __init__(self) -> None:
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_POSTS)
        self._rate_limited_until = 0.0  # time.monotonic() before which no post is attempted

    async def post(self, poster: Poster, delivery: Delivery) -> PostResult:
        """Post, retrying only rate-limited attempts (a 429 means nothing was posted).

        discord.py already waits out a few 429s itself; when it gives up, every post of this
        dispatcher pauses for the advised time, so a burst settles at Discord's pace instead
        of failing. Bounded: after RATE_LIMIT_ATTEMPTS the occurrence fails like any error.
        """
        result = PostResult(None, "not attempted")
        for _ in range(RATE_LIMIT_ATTEMPTS):
            await self._wait_for_rate_limit()
            async with self._semaphore:
                try:
                    result = await poster(delivery)
                except Exception as error:  # a bug or a network error: this occurrence only
                    log.exception("announcements: posting #%s failed", delivery.announcement_id)
                    return PostResult(None, f"unexpected error: {type(error).__name__}")
            if result.retry_after is None:
                return result
            resume = time.monotonic() + min(result.retry_after, MAX_RATE_LIMIT_WAIT)
            self._rate_limited_until = max(self._rate_limited_until, resume)
        return result

    async def _wait_for_rate_limit(self) -> None:
        delay = self._rate_limited_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
