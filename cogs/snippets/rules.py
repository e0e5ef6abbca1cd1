"""Snippets' name, limits and the errors that explain them: page size, share rate, search
budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.errors import NotAllowedError, TooSoonError

FEATURE: Final = "snippets"
PAGE_SIZE: Final = 10
# Rank only the newest matches: bounds the cost of very common words.
RANK_CANDIDATES: Final = 2000
# bm25() first counts the rows of every phrase in the MATCH, over the whole index, and nothing
# interrupts that count; past this many rows the approximate ranking is used instead
# (docs/facts/snippet-search.md).
IDF_SCAN_BUDGET: Final = 20_000
RATE_WINDOW: Final = timedelta(minutes=1)
PREVIEW_CHARS: Final = 400
AUTOCOMPLETE_SCAN: Final = 2000
REBUILD_BATCH: Final = 1000


class SnippetPermissionError(NotAllowedError):
    """Someone tried to change a snippet that isn't theirs."""


class RateLimitedError(TooSoonError):
    def __init__(self, limit: int, wait_seconds: int) -> None:
        super().__init__(
            f"You can share {limit} snippet{'s' if limit != 1 else ''} a minute. "
            f"Try again in {wait_seconds} s.",
            wait_seconds,
        )
        self.wait_seconds = wait_seconds


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of ``now``'s month in ``zone``, in UTC."""
    local = now.astimezone(zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(UTC)
