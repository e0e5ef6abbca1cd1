"""Times people type in words ("tomorrow 9am", "next monday", "in 2 weeks"), read one way.

dateparser reads them. Two of its costs shape this module: asked without a language it tries
every language it knows (about 2 s for text it cannot read, on the event loop), and its English
data takes a noticeable moment to load the first time. So every feature reads English only,
through `parse_natural`, and the bot calls `warm_up` in a worker thread as soon as it is ready
(bot/after_ready.py), before a member's first date could need it (an interaction must be answered
within 3 s).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

LANGUAGES = ["en"]


def parse_natural(text: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The wall-clock time in `zone` (naive) that `text` names, read relative to `now`, or None.

    Naive on purpose: the caller decides what a wall time that a DST change skips or repeats
    means for its feature. Dates in the future are preferred ("friday" is the next one).
    """
    import dateparser  # slow to import; only times typed in words need it

    settings: Any = {
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
    }
    parsed = dateparser.parse(text, languages=LANGUAGES, settings=settings)
    return parsed.replace(tzinfo=None) if parsed is not None else None


def warm_up() -> None:
    """Import dateparser and load its English data (blocking: run it in a worker thread)."""
    parse_natural("tomorrow 9am", ZoneInfo("UTC"), datetime(2000, 1, 1, tzinfo=UTC))
