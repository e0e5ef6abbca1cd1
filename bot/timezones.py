"""IANA time zones as people type them: case-insensitive lookup, suggestions, autocomplete.

Every feature that asks for a time zone (admin setup, pairing, announcements) goes through here,
so a zone accepted by one command is accepted by all, and a near miss gets the same help.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from discord import app_commands

from bot.errors import UserFacingError
from bot.text import AUTOCOMPLETE_CHOICES_MAX, one_line

# Shown before anything is typed: the zones most members of an international community use.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)


# The longest zone name has 32 characters: options that take a zone accept up to 64 (room for
# spaces and typos), and text longer than that is no near miss of any zone.
TIMEZONE_OPTION_MAX = 64


class UnknownTimezone(UserFacingError):
    """A time zone name this machine does not know; the message suggests close ones."""


@lru_cache(maxsize=1)
def zones_by_lower_name() -> dict[str, str]:
    """Region/City names (and UTC), keyed by their lower-case form."""
    return {name.lower(): name for name in available_timezones() if "/" in name or name == "UTC"}


def resolve_timezone(text: str) -> str:
    """The IANA name a member meant (case-insensitive, spaces for underscores), or a clear error."""
    cleaned = text.strip().replace(" ", "_")
    exact = zones_by_lower_name().get(cleaned.lower())
    if exact is not None:
        return exact
    shown = one_line(text, 64).replace("`", "'")
    suggestions = suggest_timezones(cleaned)
    hint = (
        f" Did you mean {', '.join(f'`{s}`' for s in suggestions)}?"
        if suggestions
        else " Use an IANA name like `Europe/Berlin` or `America/New_York`."
    )
    raise UnknownTimezone(f"`{shown}` is not a time zone I know.{hint}")


def parse_timezone(text: str) -> ZoneInfo:
    return ZoneInfo(resolve_timezone(text))


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Close names for a near miss: a bare city ("berlin") first, then similar spellings."""
    lowered = text.strip().lower().replace(" ", "_")
    if not lowered or len(lowered) > TIMEZONE_OPTION_MAX:
        return []
    zones = zones_by_lower_name()
    by_city = [name for low, name in zones.items() if low.rsplit("/", 1)[-1] == lowered]
    close = difflib.get_close_matches(lowered, list(zones), n=limit, cutoff=0.6)
    cities = {low.rsplit("/", 1)[-1]: low for low in zones}
    close += [
        cities[c] for c in difflib.get_close_matches(lowered, list(cities), n=limit, cutoff=0.75)
    ]
    found = by_city + [zones[low] for low in close]
    return list(dict.fromkeys(found))[:limit]


def matching_timezones(current: str, limit: int = AUTOCOMPLETE_CHOICES_MAX) -> list[str]:
    """Autocomplete: names starting with what was typed, then cities starting with it, then
    names containing it; the common zones before anything is typed."""
    typed = current.strip().lower().replace(" ", "_")
    if not typed:
        return list(COMMON_ZONES[:limit])
    names = sorted(zones_by_lower_name().values())
    starts = [n for n in names if n.lower().startswith(typed)]
    city = [n for n in names if n.lower().rsplit("/", 1)[-1].startswith(typed)]
    contains = [n for n in names if typed in n.lower()]
    return list(dict.fromkeys(starts + city + contains))[:limit]


def timezone_choices(current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in matching_timezones(current)]
