"""The lines a code link points at: fetched through the bot's one guarded fetch path, kept a
while in a small cache, cut to the range. No Discord here: links in, excerpts out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cachetools import TTLCache

from bot.fetch import FetchError
from cogs.codelinks.records import Excerpt

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.fetch import Fetcher
    from cogs.codelinks.records import CodeLink
    from cogs.codelinks.settings import FileSettings


class NotText(FetchError):
    """The file is not text (it holds NUL bytes), so it has no lines to show."""


class LinesMissing(FetchError):
    """The file ends before the range starts."""


def cut(text: str, link: CodeLink) -> Excerpt:
    """The lines `link.first`…`link.last` of `text` (as many as exist)."""
    lines = text.splitlines()
    if link.first > len(lines):
        raise LinesMissing(f"That file has {len(lines)} lines; line {link.first} is past its end.")
    last = min(link.last, len(lines))
    return Excerpt(link, "\n".join(lines[link.first - 1 : last]), link.first, last, len(lines))


class ExcerptSource:
    """Fetches raw files (capped, timed out, no private addresses) and caches their text."""

    def __init__(self, fetcher: Fetcher, settings: FileSettings, clock: Clock) -> None:
        self._fetcher = fetcher
        self._max_bytes = settings.max_file_bytes
        self._timeout = settings.fetch_timeout_seconds
        # Timed by the injected clock, so a test's frozen clock decides when an entry expires.
        self._cache: TTLCache[str, str] = TTLCache(
            maxsize=settings.cache_entries,
            ttl=settings.cache_seconds,
            timer=lambda: clock.now().timestamp(),
        )

    async def excerpt(self, link: CodeLink) -> Excerpt:
        return cut(await self.text(link.raw_url), link)

    async def text(self, raw_url: str) -> str:
        cached = self._cache.get(raw_url)
        if cached is not None:
            return cached
        fetched = await self._fetcher.fetch(
            raw_url,
            max_bytes=self._max_bytes,
            timeout_seconds=self._timeout,
            accept="text/plain, */*;q=0.5",
        )
        if b"\0" in fetched.body:
            raise NotText("That file is not text.")
        text = fetched.body.decode("utf-8", errors="replace")
        self._cache[raw_url] = text
        return text
