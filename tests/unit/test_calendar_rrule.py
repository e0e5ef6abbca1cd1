"""Schedules as RFC 5545 recurrence rules: each rule, expanded as a calendar app expands it (in
the event's zone, from its first run), gives exactly the runs the schedule itself computes —
across DST changes, short months and leap days. Expressions no single rule says are listed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.rrule import cron_rrule
from cogs.announcements.calendar import NO_RULE, announcement_entries, schedule_rrule
from cogs.announcements.records import AnnouncementInfo
from cogs.announcements.rules import build_schedule
from cogs.announcements.schedule import to_utc

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
RUNS = 500  # more than a year of the busiest schedule below
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")


@pytest.mark.parametrize(
    ("expression", "rule"),
    [
        ("0 9 * * 1", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"),
        ("30 8 1,15 * *", "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=8;BYMINUTE=30"),
        ("0 12 * * *", "FREQ=DAILY;BYHOUR=12;BYMINUTE=0"),
        (
            "*/20 9-10 * jan,jul mon-fri",
            "FREQ=WEEKLY;BYMONTH=1,7;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10;BYMINUTE=0,20,40",
        ),
        ("0 18 * * 0,7", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=18;BYMINUTE=0"),
        # A day field starting with * does not make crontab's either-day rule: both must match.
        (
            "0 7 */2 * 5",
            "FREQ=MONTHLY;BYMONTHDAY="
            + ",".join(map(str, range(1, 32, 2)))
            + ";BYDAY=FR;BYHOUR=7;BYMINUTE=0",
        ),
    ],
)
def test_a_cron_expression_becomes_the_rule_that_says_the_same(expression: str, rule: str) -> None:
    assert cron_rrule(expression) == rule


@pytest.mark.parametrize(
    "expression",
    [
        "0 9 1 * 1",  # the 1st OR a Monday: a rule's BYMONTHDAY and BYDAY mean AND
        "0 9 13 * fri",
        "0 9 last * *",  # APScheduler's extensions
        "0 9 * * 1#2",
    ],
)
def test_an_expression_no_single_rule_says_has_none(expression: str) -> None:
    assert cron_rrule(expression) is None


def _info(repeat: str, cron: str | None, when: str, zone: str) -> AnnouncementInfo:
    schedule = build_schedule(when, cron or repeat, ZoneInfo(zone), NOW)
    return AnnouncementInfo(
        id=7,
        guild_id=42,
        channel_id=99,
        title="Standup",
        body="Daily standup in #general",
        repeat=schedule.repeat.kind,
        cron=schedule.repeat.cron,
        timezone=zone,
        anchor_local=schedule.anchor_local,
        ping_role_id=None,
        missed="post_late",
        status="active",
        next_run_at=schedule.next_run_at,
        managed_key=None,
        run_count=0,
        last_posted_at=None,
        last_message_id=None,
        failure=None,
        created_by=1,
    )


def _expanded(rule: str, info: AnnouncementInfo, count: int) -> list[datetime]:
    """The runs a calendar app shows: the rule's wall times in the zone, read as RFC 5545 reads
    them (a missing time shifted forward by the gap, a repeated one at its first occurrence)."""
    tz = ZoneInfo(info.timezone)
    start = datetime.fromisoformat(info.anchor_local)
    walls = rrulestr(rule, dtstart=start).xafter(start - timedelta(seconds=1), count=count)
    return [to_utc(wall, tz) for wall in walls]


SCHEDULES = [
    ("daily", None, "2027-03-27 02:30"),  # a time the spring-forward gap skips in Europe
    ("weekly", None, "2026-12-06 01:30"),  # a time the fall-back hour repeats in New York
    ("monthly", None, "2027-01-31 09:00"),  # the last day of shorter months
    ("monthly", None, "2028-01-29 09:00"),  # February the 29th, or the 28th
    ("monthly", None, "2026-12-15 18:00"),
    ("cron", "0 9 * * 1", "2026-12-01 00:00"),
    ("cron", "30 2 * * *", "2026-12-01 00:00"),
    ("cron", "0,30 1-2 * * sat,sun", "2026-12-01 00:00"),
    ("cron", "15 10 31 * *", "2026-12-01 00:00"),
    ("cron", "0 8 29 2 *", "2026-12-01 00:00"),
]


def _before(runs: list[datetime], bound: datetime, tz: ZoneInfo) -> list[datetime]:
    """The runs before `bound`, less those on a day the clocks spring forward: there RFC 5545
    shifts every time in the gap forward, while a cron schedule shifts only the first of
    several (a single daily time agrees; SCHEDULES has both kinds)."""

    def springs_forward(day: date) -> bool:
        first = datetime.combine(day, time(0, 0), tz).utcoffset()
        last = datetime.combine(day, time(23, 59), tz).utcoffset()
        return first is not None and last is not None and last > first

    return [run for run in runs if run < bound and not springs_forward(run.astimezone(tz).date())]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("repeat", "cron", "when"), SCHEDULES)
def test_the_rule_gives_the_schedules_own_runs(
    repeat: str, cron: str | None, when: str, zone: str
) -> None:
    info = _info(repeat, cron, when, zone)
    rule = schedule_rrule(info)
    assert isinstance(rule, str)
    tz = ZoneInfo(zone)
    assert info.next_run_at is not None
    bound = info.next_run_at + timedelta(days=366 * (8 if cron == "0 8 29 2 *" else 1))
    every = info.recurrence.upcoming(info.next_run_at, RUNS)
    assert every[-1] >= bound  # so nothing before the bound was cut off
    expanded = _before(_expanded(rule, info, RUNS), bound, tz)
    scheduled = _before(every, bound, tz)
    assert len(scheduled) >= 2
    assert expanded == scheduled


def test_a_time_the_gap_skips_is_shifted_forward_by_the_rule_as_by_the_schedule() -> None:
    info = _info("cron", "30 2 * * *", "2027-03-27 00:00", "Europe/Berlin")
    rule = schedule_rrule(info)
    assert isinstance(rule, str)
    runs = _expanded(rule, info, 3)
    assert runs == info.recurrence.upcoming(info.next_run_at, 3)
    assert runs[1] == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 summer time


def test_monthly_on_the_31st_runs_on_each_months_last_day() -> None:
    info = _info("monthly", None, "2027-01-31 09:00", "UTC")
    assert schedule_rrule(info) == "FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1"
    days = [run.day for run in _expanded("FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1", info, 4)]
    assert days == [31, 28, 31, 30]


def test_a_series_starts_at_its_anchor_in_its_zone_and_keeps_a_time_the_gap_skips() -> None:
    info = _info("daily", None, "2027-03-28 02:30", "Europe/Berlin")
    window = (NOW, NOW + timedelta(days=30))
    (entry,) = announcement_entries(info, window, timedelta(minutes=60))
    assert entry.rrule == "FREQ=DAILY"
    assert (entry.start.replace(tzinfo=None), entry.tz) == (
        datetime(2027, 3, 28, 2, 30),
        "Europe/Berlin",
    )
    assert entry.uid == "announcement-7-42@nexus.invalid"
    assert (entry.summary, entry.url) == ("Standup", "https://discord.com/channels/42/99")


def test_a_cron_no_rule_says_is_listed_as_its_runs_in_the_window() -> None:
    info = _info("cron", "0 9 1 * 1", "2026-12-01 00:00", "Europe/Berlin")
    assert schedule_rrule(info) is NO_RULE
    window = (NOW, NOW + timedelta(days=21))
    entries = announcement_entries(info, window, timedelta(minutes=30))
    runs = [run for run in info.next_runs(30) if run < window[1]]
    assert [entry.start for entry in entries] == runs
    assert all(entry.rrule is None for entry in entries)
    assert len({entry.uid for entry in entries}) == len(entries) == 3  # 1, 7 and 14 December


def test_one_offs_show_inside_the_window_and_paused_ones_not_at_all() -> None:
    once = _info("none", None, "2026-12-24 18:00", "UTC")
    assert schedule_rrule(once) is None
    (entry,) = announcement_entries(once, (NOW, NOW + timedelta(days=60)), timedelta(hours=1))
    assert (entry.rrule, entry.start) == (None, datetime(2026, 12, 24, 18, tzinfo=UTC))
    assert announcement_entries(once, (NOW, NOW + timedelta(days=20)), timedelta(hours=1)) == []
    weekly = _info("weekly", None, "2026-12-01 09:00", "UTC")
    for status in ("paused", "failed", "cancelled"):
        hidden = AnnouncementInfo(**{**weekly.__dict__, "status": status})
        assert announcement_entries(hidden, (NOW, NOW + timedelta(days=60)), timedelta()) == []
