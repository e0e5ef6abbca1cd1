"""Pairing's rules: the errors a member sees, what an answer can be, pause ends and round seeds."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dates import parse_natural
from bot.errors import NotFoundError, UserFacingError
from bot.text import one_line

MAX_PAUSE = timedelta(days=366)
OUTCOMES = ("met", "not_met")


class PairingError(UserFacingError):
    """Anything the member did wrong in /pair; shown as is."""


class NotJoined(PairingError, NotFoundError):
    """The member has no active profile: a 404 over HTTP, the same sentence in Discord."""

    def __init__(self) -> None:
        super().__init__("You haven't joined pairing yet. Use `/pair join` first.")


class AlreadyWaiting(PairingError):
    """A /pair now request from a member already waiting; the Discord side words it with the
    time the wait ends."""

    def __init__(self, until: datetime) -> None:
        super().__init__("You're already waiting for a partner.")
        self.until = until


class TooFewToPair(PairingError):
    """A round with fewer than two people to match; `available` says who could have been."""

    def __init__(self, available: tuple[int, ...]) -> None:
        count = len(available)
        super().__init__(
            f"Only {count} member{'s' if count != 1 else ''} can be paired right now (joined, "
            "not paused, still here, not blocked); a round needs at least two. Nothing was posted."
        )
        self.available = available


def parse_until(text: str, timezone: str, now: datetime) -> datetime:
    """A pause end from a date ("2026-12-24") or a phrase ("in 2 weeks"), in the future."""
    zone = ZoneInfo(timezone)
    wall = parse_natural(text.strip(), zone, now)
    shown = one_line(text, 64).replace("`", "'")
    if wall is None:
        raise PairingError(
            f"I couldn't read `{shown}` as a date. Try `2026-12-24`, `next monday` or `in 2 weeks`."
        )
    until = wall.replace(tzinfo=zone).astimezone(now.tzinfo)
    if until <= now:
        raise PairingError(f"`{shown}` is in the past. Pick a date after today.")
    if until - now > MAX_PAUSE:
        raise PairingError("You can pause for at most a year; `/pair leave` stops for good.")
    return until


def round_seed(guild_id: int, number: int) -> int:
    """The seed of round `number`: derived, so a preview shows what the run will do."""
    digest = hashlib.sha256(f"{guild_id}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
