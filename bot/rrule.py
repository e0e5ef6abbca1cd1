"""A cron expression as an RFC 5545 recurrence rule, when one rule says exactly the same.

Cron's fields are sets of values and a rule's BYxxx parts are too, so most expressions map
one to one: `0 9 * * 1` is `FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0`. Two kinds do not:
an expression restricting both the day of the month and the day of the week (crontab fires
when EITHER matches, a rule's BYMONTHDAY and BYDAY must BOTH match), and APScheduler's
extensions (`last`, `1st mon`), which a rule spells differently or not at all. For those
`cron_rrule` answers None and the caller lists concrete times instead.

Time zones need nothing here: the rule is read in the zone of the event's DTSTART, and RFC
5545 resolves a time in a DST gap or overlap as the cron schedules do (a missing time runs
shifted forward by the gap, a repeated one once, at its first occurrence). One difference is
left: where an expression names several times inside the hour the clocks skip, a rule
shifts each of them forward, while the cron schedule posts only the first.
"""

from __future__ import annotations

from typing import Final

from bot.cron import DAY_NAMES, CronError, crontab_weekdays

RULE_DAYS: Final = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
MONTH_NAMES: Final = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)


class _NoRule(Exception):
    """The expression uses something one rule cannot say."""


def _number(token: str, names: tuple[str, ...], low: int) -> int:
    if token.isdigit():
        return int(token)
    lowered = token.lower()
    if lowered in names:
        return names.index(lowered) + low
    raise _NoRule(token)


def _values(field: str, low: int, high: int, names: tuple[str, ...] = ()) -> list[int] | None:
    """A cron field's values, sorted; None for `*` (every value: no BYxxx part)."""
    if field in ("*", "?"):
        return None
    values: set[int] = set()
    for part in field.split(","):
        body, slash, step_text = part.partition("/")
        if slash and not step_text.isdigit():
            raise _NoRule(part)
        step = int(step_text) if slash else 1
        if body in ("*", "?"):
            first, last = low, high
        elif "-" in body:
            start, _, end = body.partition("-")
            first, last = _number(start, names, low), _number(end, names, low)
        else:
            first = _number(body, names, low)
            last = high if slash else first
        if step < 1 or not low <= first <= last <= high:
            raise _NoRule(part)
        values.update(range(first, last + 1, step))
    return sorted(values)


def _joined(values: list[int]) -> str:
    return ",".join(str(value) for value in values)


def cron_rrule(expression: str) -> str | None:
    """The recurrence rule of a valid 5-field crontab expression, or None when no single rule
    says the same (see the module's docstring)."""
    minute, hour, day, month, weekday = expression.split()
    # As in bot.cron: a day field starting with `*` does not count as restricting it.
    if not day.startswith(("*", "?")) and not weekday.startswith(("*", "?")):
        return None
    try:
        minutes = _values(minute, 0, 59) or list(range(60))
        hours = _values(hour, 0, 23) or list(range(24))
        days = _values(day, 1, 31)
        months = _values(month, 1, 12, MONTH_NAMES)
        weekdays = crontab_weekdays(weekday)
    except (_NoRule, CronError):
        return None
    parts = ["FREQ=MONTHLY" if days else "FREQ=WEEKLY" if weekdays != "*" else "FREQ=DAILY"]
    if months:
        parts.append(f"BYMONTH={_joined(months)}")
    if days:
        parts.append(f"BYMONTHDAY={_joined(days)}")
    if weekdays != "*":
        names = weekdays.split(",")
        parts.append("BYDAY=" + ",".join(RULE_DAYS[DAY_NAMES.index(name)] for name in names))
    parts += [f"BYHOUR={_joined(hours)}", f"BYMINUTE={_joined(minutes)}"]
    return ";".join(parts)
