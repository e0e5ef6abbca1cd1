"""Standard 5-field cron → an APScheduler 3 trigger, with crontab's weekday numbers.

APScheduler 3's `CronTrigger.from_crontab` keeps its own weekday numbering (0 = Monday), so the
crontab `0 9 * * 1` (Monday in every crontab) would fire on Tuesdays. Numeric weekdays are
therefore turned into names (`mon`, `tue`…), which mean the same in both.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

# Crontab numbering: 0 and 7 are Sunday.
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_part(part: str) -> list[str]:
    base, _, step_text = part.partition("/")
    step = int(step_text) if step_text.isdigit() else 1
    start, dash, end = base.partition("-")
    if base in ("*", "?") and not step_text:
        return ["*"]
    if base in ("*", "?"):
        days = range(0, 7)
    elif start.isdigit() and (not dash or end.isdigit()):
        first = int(start)
        last = int(end) if dash else (6 if step_text else first)
        days = range(first, last + 1)
    else:
        return [part.lower()]  # names (mon-fri) already mean the same to APScheduler
    if any(day > 7 for day in days):
        raise ValueError(f"weekday {part!r} is out of range 0-7")
    return [DAY_NAMES[day] for day in days[::step]]


def crontab_weekdays(field: str) -> str:
    names: list[str] = []
    for part in field.split(","):
        names += [name for name in _weekday_part(part) if name not in names]
    return ",".join(names)


def crontab_trigger(expression: str, timezone: str) -> CronTrigger:
    minute, hour, day, month, weekday = expression.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=ZoneInfo(timezone),
    )
