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
ID_PATTERN = r"^[0-9]{1,19}$"
GuildIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, description="the server's id", examples=["1234567890"])
]
