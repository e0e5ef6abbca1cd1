"""Small formatters: counted words, sizes, durations, latency and Discord timestamps, worded the
same everywhere."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["describe_size", "discord_timestamp", "format_duration", "format_latency", "plural"]

_TIMESTAMP_STYLES: Final = frozenset("tTdDfFR")


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """``"1 snippet"``, ``"2 snippets"``; pass ``plural_word`` for irregular words."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {plural_word if plural_word is not None else word + 's'}"


def describe_size(size: int) -> str:
    """5242880 → "5 MB", 100000 → "97.7 KB": a size worded for people."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def format_duration(seconds: float) -> str:
    """`3d 4h 5m`: the largest three units of a duration."""
    remaining = max(0, int(seconds))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        value, remaining = divmod(remaining, size)
        if value:
            parts.append(f"{value}{unit}")
    return " ".join(parts[:3]) or "0s"


def format_latency(seconds: float) -> str:
    """`42 ms`; discord.py reports NaN or infinity until a heartbeat has been answered."""
    return f"{seconds * 1000:.0f} ms" if math.isfinite(seconds) else "not measured yet"


def discord_timestamp(dt: datetime, style: str = "f") -> str:
    """``<t:unix:style>``, shown by Discord in each reader's own time zone.

    ``dt`` must be aware (a naive datetime has no defined instant); ``style`` is one of
    ``t T d D f F R``.
    """
    if style not in _TIMESTAMP_STYLES:
        raise ValueError(f"unknown timestamp style {style!r}; use one of t T d D f F R")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: attach a time zone (store and pass UTC)")
    # floor, not int(): int() rounds towards zero, which is a second late before 1970.
    return f"<t:{math.floor(dt.timestamp())}:{style}>"
