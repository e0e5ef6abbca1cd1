"""Standard 5-field cron expressions, as every crontab reads them, for APScheduler 3.

APScheduler 3's `CronTrigger.from_crontab` keeps APScheduler's own weekday numbering (0 =
Monday), so the crontab `0 9 * * 1` — Mondays everywhere else — would fire on Tuesdays. The
day-of-week field is therefore rewritten with day names (`mon`, `tue` …), which mean the same in
both. And where crontab fires when either the day of the month or the day of the week matches
(both restricted), APScheduler needs both: such an expression becomes one trigger per field, and
the earliest wins. Every feature builds its cron triggers here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.errors import UserFacingError

# Crontab numbering: 0 and 7 are Sunday.
DAY_NAMES: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")
FIVE_FIELDS_HELP: Final = (
    "A cron expression has 5 fields: minute hour day-of-month month day-of-week "
    "(e.g. `0 9 * * 1` for Mondays at 09:00)."
)


class CronError(UserFacingError):
    """An expression that is not valid 5-field cron; the message says what is wrong."""


def _day(token: str) -> int:
    lowered = token.lower()
    if lowered.isalpha() and lowered[:3] in DAY_NAMES:
        return DAY_NAMES.index(lowered[:3])
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    raise CronError(
        f"`{token[:20]}` is not a day of the week: use 0–7 (0 and 7 are Sunday) or sun–sat."
    )


def crontab_weekdays(field: str) -> str:
    """Crontab's day-of-week field (0 or 7 = Sunday, names allowed) as APScheduler day names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise CronError(f"`{part[:20]}`: a step needs a positive number, like `*/2`.")
        if body in ("*", "?"):
            low, high = 0, 6
        elif "-" in body:
            first, _, last = body.partition("-")
            low, high = _day(first), _day(last)
        else:
            low = _day(body)
            high = 6 if step else low
        if low > high:
            raise CronError(f"`{part[:20]}`: a day range must go from the earlier day.")
        days.update(day % 7 for day in range(low, high + 1, step or 1))
    return ",".join(DAY_NAMES[day] for day in sorted(days))


@lru_cache(maxsize=4096)
def crontab_trigger(expression: str, timezone: str) -> BaseTrigger:
    """The trigger for a valid expression in an IANA time zone (cached: many items share one)."""
    return _trigger(expression, ZoneInfo(timezone))


def _trigger(
    expression: str,
    timezone: ZoneInfo,
    start: datetime | None = None,
    end: datetime | None = None,
) -> BaseTrigger:
    minute, hour, day, month, weekday = expression.split()

    def cron(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            timezone=timezone,
            start_date=start,
            end_date=end,
        )

    if _restricted(day) and _restricted(weekday):
        # Crontab fires when EITHER day field matches (`0 9 1 * 1`: the 1st and every Monday);
        # APScheduler's CronTrigger would need both (only a 1st that is a Monday).
        return OrTrigger([cron(day, "*"), cron("*", weekday)])
    return cron(day, weekday)


def _restricted(field: str) -> bool:
    # As cron(8) reads it: a day field starting with `*` (`*`, `*/2`) does not restrict.
    return not field.startswith(("*", "?"))


# Weekdays and leap years repeat every 28 years between 1901 and 2099: an expression that fires
# in one such cycle fires again in every later one, and one that never fires in it never fires.
_CYCLE_START: Final = datetime(2001, 1, 1, tzinfo=UTC)
_CYCLE_END: Final = datetime(2029, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=4096)
def ever_fires(expression: str) -> bool:
    """Whether a valid expression names a time that exists (`0 0 31 2 *` never comes).

    Checked over one fixed calendar cycle, so the answer never depends on today, and the
    search is bounded: an open-ended search for a date that never comes took 150–300 ms.
    """
    bounded = _trigger(expression, ZoneInfo("UTC"), _CYCLE_START, _CYCLE_END)
    return bounded.get_next_fire_time(None, _CYCLE_START) is not None


def validate_cron(expression: str) -> str:
    """Check an expression with APScheduler's own parser and return it normalised."""
    fields = expression.split()
    if len(fields) != 5 or not all(_FIELD.match(field) for field in fields):
        raise CronError(FIVE_FIELDS_HELP)
    normalised = " ".join(fields)
    try:
        crontab_trigger(normalised, "UTC")
    except ValueError as error:
        raise CronError(f"That cron expression is not valid: {error}.") from None
    if not ever_fires(normalised):
        raise CronError(
            f"`{normalised}` never fires: no calendar has that date (like 31 February)."
        )
    return normalised


# The last answer of `next_fire_time` per trigger: (asked from, the fire found). Computing a
# cron trigger's next fire costs ~0.2 ms of pure Python, and `/pair status` and `/pair join`
# ask it on every call with nearly the same "now".
_LAST_FIRE: dict[BaseTrigger, tuple[datetime, datetime | None]] = {}


def next_fire_time(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The trigger's first fire time at or after `after`, as `get_next_fire_time(None, after)`.

    A trigger's fires are fixed instants, so when `after` lies between a time asked before and
    the fire found then, no fire lies before that one: it is the answer again.
    """
    known = _LAST_FIRE.get(trigger)
    if known is not None:
        asked, fire = known
        if asked <= after and (fire is None or after <= fire):
            return fire
    found: datetime | None = trigger.get_next_fire_time(None, after)
    if len(_LAST_FIRE) >= 4096:  # as many as crontab_trigger keeps
        _LAST_FIRE.clear()
    _LAST_FIRE[trigger] = (after, found)
    return found
