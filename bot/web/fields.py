"""The API's field conventions: ids are strings (Discord's snowflakes overflow JavaScript's
numbers), times are RFC 3339 in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import PlainSerializer

from bot.sql import as_utc


def _rfc3339(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


UtcTime = Annotated[
    datetime,
    PlainSerializer(_rfc3339, return_type=str, when_used="json"),
]
# A Discord snowflake or one of our row ids: at most 18 digits, or 19 starting 1–8, so that
# every id the pattern lets through fits the databases' signed 64-bit integers (2^63 − 1 is
# 9,223,372,036,854,775,807; snowflakes stay below 9 × 10^18 until about 2083). A larger
# number is refused as malformed instead of overflowing the query that looks it up.
ID_PATTERN = r"^(?:[0-9]{1,18}|[1-8][0-9]{18})$"
GuildIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, description="the server's id", examples=["1234567890"])
]
