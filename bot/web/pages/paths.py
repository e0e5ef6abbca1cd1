"""Where the core's pages are: the paths their routes serve and the links that name them."""

from __future__ import annotations

from typing import Final

CALENDAR: Final = "/c/{guild_id}"
DASHBOARD: Final = "/d/{guild_id}"
SETTINGS: Final = "/a/{guild_id}/settings"


def calendar_path(guild_id: int, month: str | None = None) -> str:
    return CALENDAR.format(guild_id=guild_id) + ("" if month is None else f"?month={month}")


def dashboard_path(guild_id: int) -> str:
    return DASHBOARD.format(guild_id=guild_id)


def settings_path(guild_id: int) -> str:
    return SETTINGS.format(guild_id=guild_id)
