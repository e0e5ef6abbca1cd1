"""When an announcement runs: parsing `when`, `repeat` and time zones, and computing next runs.

Pure functions on plain types (no Discord, no database), so every rule is unit tested.

Time zones and DST — the rules, stated once:

* Local times are wall-clock times in the announcement's IANA time zone. A daily 09:00
  Europe/Berlin announcement fires at 09:00 local time on both sides of a DST change (07:00
  UTC in summer, 08:00 UTC in winter).
* **A local time that does not exist** (it falls in the spring-forward gap, e.g. 02:30 on
  2027-03-28 in Europe/Berlin) fires **once, shifted forward by the length of the gap**: 02:30
  becomes 03:30 local (01:30 UTC) that day, and the next day is 02:30 again. This is Python's
  `fold=0` reading of a missing time, what APScheduler's CronTrigger does, and what calendar
  apps do.
* **A local time that happens twice** (the fall-back hour, e.g. 02:30 on 2027-10-31) fires
  **once, at its first occurrence** (summer time, 00:30 UTC). For cron schedules the repeated
  hour's times are skipped likewise, so every wall-clock time fires at most once.
* Monthly announcements keep their day of the month; on the 29th–31st they run on the last
  day of shorter months.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from bot.cron import CronError, crontab_trigger, validate_cron
from bot.dates import parse_natural
from bot.errors import UserFacingError
from bot.formatters import discord_timestamp
from bot.timezones import UnknownTimezone
from bot.timezones import parse_timezone as bot_parse_timezone

REPEAT_KINDS: Final = ("none", "daily", "weekly", "monthly")
CRON: Final = "cron"
ANCHOR_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"
# Nobody schedules a post ten years ahead on purpose; it is almost always a typo.
LATEST_YEARS_AHEAD: Final = 10

_RELATIVE_UNITS: Final[dict[str, timedelta]] = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_RELATIVE_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b",
    re.IGNORECASE,
)
_RELATIVE_GLUE = re.compile(r"[\s,]+|\band\b", re.IGNORECASE)


class ScheduleError(UserFacingError):
    """A `when`, `repeat` or `timezone` the moderator typed that cannot be used."""


# ---- time zones ---------------------------------------------------------------------------


def parse_timezone(text: str) -> ZoneInfo:
    """An IANA zone from what a moderator typed (case-insensitive), or a friendly error."""
    try:
        return bot_parse_timezone(text)
    except UnknownTimezone as error:
        raise ScheduleError(error.message) from None


# ---- local wall time <-> UTC ----------------------------------------------------------------


def to_utc(local_wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a naive local wall time in `tz`, by the DST rules of this module.

    `fold=0` reads a missing time with the offset before the change (02:30 → 03:30 in the
    spring gap) and a repeated time as its first occurrence.
    """
    return local_wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local_wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def format_anchor(local_wall: datetime) -> str:
    return local_wall.strftime(ANCHOR_FORMAT)


def parse_anchor(text: str) -> datetime:
    return datetime.strptime(text, ANCHOR_FORMAT)


# ---- when -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedWhen:
    instant: datetime  # aware, UTC, whole seconds
    local_wall: datetime  # naive, in the time zone it was read in (keeps a typed 02:30)


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> ParsedWhen:
    """Read `when`: ISO/absolute, `in 2h`-style relative, or natural language, in `tz`.

    Raises ScheduleError for text that is not a time, or a time that is not in the future.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ScheduleError("Say when to post, e.g. `2026-12-01 09:00`, `in 2h` or `tomorrow 9am`.")
    parsed = _parse_relative(cleaned, tz, now) or parse_absolute(cleaned, tz)
    if parsed is None:
        parsed = _parse_natural(cleaned, tz, now)
    if parsed is None:
        shown = cleaned[:80].replace("`", "'")
        raise ScheduleError(
            f"I couldn't read `{shown}` as a time. Try `2026-12-01 09:00`, `in 2h`, "
            "`in 30 minutes`, `tomorrow 9am` or `next monday 10:00`."
        )
    if parsed.instant <= now:
        raise ScheduleError(
            f"That time ({discord_timestamp(parsed.instant, 'F')}) is in the past. "
            "Pick a time in the future."
        )
    if parsed.instant > now + timedelta(days=366 * LATEST_YEARS_AHEAD):
        raise ScheduleError(f"That is more than {LATEST_YEARS_AHEAD} years away; check the year.")
    return parsed


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _from_wall(local_wall: datetime, tz: ZoneInfo) -> ParsedWhen:
    wall = _whole_seconds(local_wall.replace(tzinfo=None))
    return ParsedWhen(to_utc(wall, tz), wall)


def _parse_relative(text: str, tz: ZoneInfo, now: datetime) -> ParsedWhen | None:
    lowered = text.lower()
    if not lowered.startswith("in "):
        return None
    rest = lowered[3:]
    total = timedelta()
    consumed = 0
    for match in _RELATIVE_PART.finditer(rest):
        if _RELATIVE_GLUE.sub("", rest[consumed : match.start()]):
            return None  # words between the parts that are not "and" or commas
        total += float(match.group(1)) * _RELATIVE_UNITS[match.group(2)[0].lower()]
        consumed = match.end()
    if consumed == 0 or _RELATIVE_GLUE.sub("", rest[consumed:]):
        return None
    instant = _whole_seconds(now + total)
    return ParsedWhen(instant.astimezone(UTC), to_local_wall(instant, tz))


def parse_absolute(text: str, tz: ZoneInfo) -> ParsedWhen | None:
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return _from_wall(parsed, tz)
    instant = _whole_seconds(parsed.astimezone(UTC))
    return ParsedWhen(instant, to_local_wall(instant, tz))


def _parse_natural(text: str, tz: ZoneInfo, now: datetime) -> ParsedWhen | None:
    wall = parse_natural(text, tz, now)
    return _from_wall(wall, tz) if wall is not None else None


# ---- repeat ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    kind: str  # none, daily, weekly, monthly or cron
    cron: str | None = None

    @property
    def label(self) -> str:
        return f"cron `{self.cron}`" if self.kind == CRON else self.kind


def parse_repeat(text: str | None) -> Repeat:
    """none/daily/weekly/monthly, or a 5-field cron expression (explaining what is wrong)."""
    cleaned = " ".join((text or "").split())
    lowered = cleaned.lower()
    if lowered in ("", "none", "once", "never", "no"):
        return Repeat("none")
    if lowered in REPEAT_KINDS:
        return Repeat(lowered)
    if len(cleaned.split()) == 1:
        shown = cleaned[:40].replace("`", "'")
        raise ScheduleError(
            f"`{shown}` is not a repeat I know. Use none, daily, weekly, monthly or a 5-field "
            "cron expression such as `0 9 * * 1` (Mondays at 09:00)."
        )
    try:
        validate_cron(cleaned)
    except CronError as error:
        raise ScheduleError(error.message) from None
    return Repeat(CRON, cleaned)


def _is_repeated_wall_time(moment: datetime, tz: ZoneInfo) -> bool:
    """True for the second pass of a fall-back hour (the wall time already happened once)."""
    local = moment.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


@dataclass(frozen=True)
class Recurrence:
    """An announcement's schedule: its repeat, its time zone and its local anchor time."""

    repeat: Repeat
    tz: ZoneInfo
    anchor: datetime  # naive local wall time of the first run

    def first_run(self, when: datetime) -> datetime | None:
        """The first run at or after `when` (for cron, the first matching time)."""
        if self.repeat.kind != CRON:
            return when
        return self.next_after(when - timedelta(seconds=1))

    def next_after(self, after: datetime) -> datetime | None:
        """The first run strictly after the instant `after` (UTC); None for one-offs."""
        kind = self.repeat.kind
        if kind == "none":
            return None
        if kind == CRON:
            return self._next_cron(after)
        local_after = to_local_wall(after, self.tz)
        if kind == "daily":
            day = local_after.date()
            step = timedelta(days=1)
        elif kind == "weekly":
            day = local_after.date() + timedelta(
                days=(self.anchor.weekday() - local_after.weekday()) % 7
            )
            step = timedelta(days=7)
        else:
            return self._next_monthly(after, local_after)
        while True:
            candidate = to_utc(datetime.combine(day, self.anchor.time()), self.tz)
            if candidate > after:
                return candidate
            day += step

    def _next_monthly(self, after: datetime, local_after: datetime) -> datetime:
        year, month = local_after.year, local_after.month
        while True:
            last_day = calendar.monthrange(year, month)[1]
            day = datetime(year, month, min(self.anchor.day, last_day)).date()
            candidate = to_utc(datetime.combine(day, self.anchor.time()), self.tz)
            if candidate > after:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def _next_cron(self, after: datetime) -> datetime | None:
        # Depends only on (expression, zone, instant): announcements sharing a schedule (many
        # guilds at 09:00 sharp) compute it once. APScheduler takes ~0.3 ms per call.
        return _next_cron_cached(self.repeat.cron or "", self.tz.key, after.astimezone(UTC))

    def upcoming(self, start: datetime | None, count: int) -> list[datetime]:
        """`start` (the stored next run) and the runs after it: `count` in all at most."""
        runs: list[datetime] = []
        moment = start
        while moment is not None and len(runs) < count:
            runs.append(moment)
            moment = self.next_after(moment)
        return runs

    def latest_at_or_before(self, start: datetime, now: datetime) -> datetime | None:
        """The last run in [start, now], walking from `start` (a stored, due next run)."""
        if start > now:
            return None
        latest = start
        for _ in range(100_000):
            following = self.next_after(latest)
            if following is None or following > now:
                return latest
            latest = following
        return latest  # pragma: no cover - bounded by the caller's grace window


@lru_cache(maxsize=8192)
def _next_cron_cached(expression: str, zone: str, after: datetime) -> datetime | None:
    tz = ZoneInfo(zone)
    trigger = crontab_trigger(expression, zone)
    moment = after  # UTC: adding to a local time would drop its `fold`, finding it again
    for _ in range(1000):  # the repeated hour holds at most 60 minute-times
        found: datetime | None = trigger.get_next_fire_time(
            None, moment + timedelta(microseconds=1)
        )
        if found is None:
            return None
        if not _is_repeated_wall_time(found, tz):
            return found.astimezone(UTC)
        moment = found.astimezone(UTC)
    return None  # pragma: no cover - an expression that only matches repeated times


def recurrence_of(repeat: str, cron: str | None, timezone: str, anchor_local: str) -> Recurrence:
    return Recurrence(Repeat(repeat, cron), ZoneInfo(timezone), parse_anchor(anchor_local))
