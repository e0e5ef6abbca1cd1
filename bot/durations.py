"""Durations as people write them in the config file: `90s`, `30m`, `6h`, `1d`, `1w`."""

from __future__ import annotations

import re
from datetime import timedelta

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(value: str) -> timedelta:
    """`90s`, `30m`, `6h`, `1d`, `1w`, or several together (`1d12h`)."""
    text = value.strip().lower()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise ValueError(f"{value!r} is not a duration like 30m, 6h, 1d or 1w")
    return timedelta(seconds=sum(int(amount) * DURATION_UNITS[unit] for amount, unit in parts))
