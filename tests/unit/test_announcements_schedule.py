"""`when`, `repeat` and time zones: parsing, and next runs across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.announcements.occurrence_plan import Action, plan_occurrence
from cogs.announcements.render import PLAIN_BODY_LIMIT, check_limits, render
from cogs.announcements.schedule import (
    Recurrence,
    Repeat,
    ScheduleError,
    parse_repeat,
    parse_timezone,
    parse_when,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday, 11:00 in Berlin


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 09:00", utc(2026, 12, 1, 8)),
        ("2026-12-01T09:00:00", utc(2026, 12, 1, 8)),
        ("2026-12-01T09:00:00+00:00", utc(2026, 12, 1, 9)),
        ("2026-12-01T09:00Z", utc(2026, 12, 1, 9)),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 30 minutes", NOW + timedelta(minutes=30)),
        ("in 1h 30m", NOW + timedelta(minutes=90)),
        ("in 2 days and 3 hours", NOW + timedelta(days=2, hours=3)),
        ("tomorrow 9am", utc(2026, 11, 27, 8)),
        ("next monday 10:00", utc(2026, 11, 30, 9)),
    ],
)
def test_when_is_read_in_the_given_time_zone(text: str, expected: datetime) -> None:
    assert parse_when(text, BERLIN, NOW).instant == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2020-01-01 09:00", "in the past"),
        ("in 0 minutes", "in the past"),
        ("yesterday", "in the past"),
        ("whenever", "couldn't read"),
        ("in a while", "couldn't read"),
        ("", "Say when"),
        ("2090-01-01 09:00", "years away"),
    ],
)
def test_bad_when_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_when(text, BERLIN, NOW)


def test_unknown_time_zone_is_refused_and_names_are_case_insensitive() -> None:
    assert parse_timezone("europe/berlin").key == "Europe/Berlin"
    with pytest.raises(ScheduleError, match="not a time zone"):
        parse_timezone("Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("61 * * * *", "higher than the maximum"),
        ("* * * *", "5 fields"),
        ("0 9 * * mon-xyz", "not a day of the week"),
        ("0 25 * * *", "not valid"),
        ("hourly", "not a repeat I know"),
    ],
)
def test_invalid_repeat_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_repeat(text)


def test_repeat_words_and_cron_are_understood() -> None:
    assert parse_repeat(None) == Repeat("none")
    assert parse_repeat("Weekly") == Repeat("weekly")
    assert parse_repeat("0  9 * * 1-5") == Repeat("cron", "0 9 * * 1-5")


def runs(recurrence: Recurrence, start: datetime, count: int) -> list[datetime]:
    return recurrence.upcoming(start, count)


def test_daily_0900_berlin_stays_0900_local_across_both_dst_changes() -> None:
    spring = Recurrence(Repeat("daily"), BERLIN, datetime(2027, 3, 27, 9))
    assert runs(spring, utc(2027, 3, 27, 8), 3) == [
        utc(2027, 3, 27, 8),
        utc(2027, 3, 28, 7),
        utc(2027, 3, 29, 7),
    ]
    autumn = Recurrence(Repeat("daily"), BERLIN, datetime(2027, 10, 30, 9))
    assert runs(autumn, utc(2027, 10, 30, 7), 3) == [
        utc(2027, 10, 30, 7),
        utc(2027, 10, 31, 8),
        utc(2027, 11, 1, 8),
    ]


def test_a_missing_0230_fires_once_shifted_to_0330_then_back_to_0230() -> None:
    for repeat in (Repeat("daily"), Repeat("cron", "30 2 * * *")):
        recurrence = Recurrence(repeat, BERLIN, datetime(2027, 3, 27, 2, 30))
        assert runs(recurrence, utc(2027, 3, 27, 1, 30), 3) == [
            utc(2027, 3, 27, 1, 30),
            utc(2027, 3, 28, 1, 30),  # 03:30 CEST: the gap's length later
            utc(2027, 3, 29, 0, 30),  # 02:30 CEST
        ]


def test_a_repeated_0230_fires_once_at_its_first_occurrence() -> None:
    for repeat in (Repeat("daily"), Repeat("cron", "30 2 * * *")):
        recurrence = Recurrence(repeat, BERLIN, datetime(2027, 10, 30, 2, 30))
        assert runs(recurrence, utc(2027, 10, 30, 0, 30), 3) == [
            utc(2027, 10, 30, 0, 30),
            utc(2027, 10, 31, 0, 30),  # 02:30 CEST; the 02:30 CET an hour later is skipped
            utc(2027, 11, 1, 1, 30),
        ]


def test_a_typed_nonexistent_one_off_time_means_the_shifted_instant() -> None:
    parsed = parse_when("2027-03-28 02:30", BERLIN, NOW)
    assert parsed.instant == utc(2027, 3, 28, 1, 30)
    assert parsed.local_wall == datetime(2027, 3, 28, 2, 30)


def test_monthly_on_the_31st_uses_the_last_day_of_short_months() -> None:
    recurrence = Recurrence(Repeat("monthly"), BERLIN, datetime(2027, 1, 31, 9))
    local = [
        r.astimezone(BERLIN).date().isoformat() for r in runs(recurrence, utc(2027, 1, 31, 8), 4)
    ]
    assert local == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_weekly_keeps_the_weekday() -> None:
    recurrence = Recurrence(Repeat("weekly"), BERLIN, datetime(2026, 12, 4, 16))  # a Friday
    following = recurrence.next_after(utc(2026, 12, 5, 0))
    assert following == utc(2026, 12, 11, 15)


def test_cron_first_run_is_the_first_match_at_or_after_when() -> None:
    recurrence = Recurrence(Repeat("cron", "0 9 * * 1"), BERLIN, datetime(2026, 11, 27, 9))
    assert recurrence.first_run(utc(2026, 11, 27, 8)) == utc(2026, 11, 30, 8)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)))
def test_next_run_is_always_strictly_later_and_at_the_local_time(moment: datetime) -> None:
    after = moment.replace(tzinfo=UTC)
    recurrence = Recurrence(Repeat("daily"), BERLIN, datetime(2026, 1, 1, 9, 15))
    following = recurrence.next_after(after)
    assert following is not None
    assert after < following <= after + timedelta(days=1, hours=1)
    assert following.astimezone(BERLIN).strftime("%H:%M") == "09:15"


# ---- missed runs ------------------------------------------------------------------------------


def hourly() -> Recurrence:
    return Recurrence(Repeat("cron", "0 * * * *"), ZoneInfo("UTC"), datetime(2026, 1, 1))


def test_a_slightly_late_run_is_posted_on_time() -> None:
    plan = plan_occurrence(
        1,
        hourly(),
        next_run_at=NOW,
        missed="skip",
        now=NOW + timedelta(seconds=30),
        grace=timedelta(hours=6),
    )
    assert (plan.action, plan.scheduled_for, plan.delayed) == (Action.POST, NOW, False)
    assert plan.next_run_at == NOW + timedelta(hours=1)


def test_several_missed_runs_collapse_into_the_latest_delayed_one() -> None:
    later = NOW + timedelta(hours=5, minutes=10)
    plan = plan_occurrence(
        1, hourly(), next_run_at=NOW, missed="post_late", now=later, grace=timedelta(hours=6)
    )
    assert (plan.action, plan.scheduled_for, plan.delayed) == (
        Action.POST,
        NOW + timedelta(hours=5),
        True,
    )
    assert plan.next_run_at == NOW + timedelta(hours=6)


def test_missed_runs_are_skipped_by_policy_or_past_the_grace_window() -> None:
    later = NOW + timedelta(hours=3)
    skip = plan_occurrence(
        1, hourly(), next_run_at=NOW, missed="skip", now=later, grace=timedelta(hours=6)
    )
    assert skip.action is Action.SKIP
    once = Recurrence(Repeat("none"), ZoneInfo("UTC"), datetime(2026, 1, 1))
    stale = plan_occurrence(
        1,
        once,
        next_run_at=NOW,
        missed="post_late",
        now=NOW + timedelta(hours=7),
        grace=timedelta(hours=6),
    )
    assert (stale.action, stale.next_run_at) == (Action.SKIP, None)


# ---- rendering --------------------------------------------------------------------------------


def test_rendering_pings_only_the_configured_role_and_marks_delays() -> None:
    rendered = render("Title", "Hi @everyone <@&1>", 42, delayed_from=NOW)
    assert rendered.content is not None
    assert rendered.content.startswith("<@&42>\n-# Delayed")
    assert rendered.embed_description is not None
    assert "@everyone" not in rendered.embed_description
    plain = render(None, "Body", None)
    assert (plain.content, plain.embed_title) == ("Body", None)


def test_limits_are_checked_with_room_for_ping_and_delay_note() -> None:
    check_limits(None, "x" * PLAIN_BODY_LIMIT)
    with pytest.raises(ScheduleError.__mro__[1], match="plain text"):
        check_limits(None, "x" * (PLAIN_BODY_LIMIT + 1))
    longest = render(None, "x" * PLAIN_BODY_LIMIT, 12345678901234567890, delayed_from=NOW)
    assert len(longest.content or "") <= 2000
    with pytest.raises(ScheduleError.__mro__[1], match="256"):
        check_limits("t" * 257, "body")


@pytest.mark.parametrize(
    ("expression", "weekdays"),
    [
        ("0 9 * * 1", {0}),  # Monday, as in every crontab (APScheduler 3 alone says Tuesday)
        ("0 9 * * 0", {6}),
        ("0 9 * * 7", {6}),
        ("0 9 * * 1-5", {0, 1, 2, 3, 4}),
        ("0 9 * * sat,sun", {5, 6}),
        ("0 9 * * 0-6/3", {6, 2, 5}),
    ],
)
def test_cron_day_of_week_follows_standard_crontab(expression: str, weekdays: set[int]) -> None:
    recurrence = Recurrence(parse_repeat(expression), ZoneInfo("UTC"), datetime(2026, 1, 1))
    seen = {r.weekday() for r in recurrence.upcoming(recurrence.first_run(NOW), 14)}
    assert seen == weekdays


def test_bad_cron_weekday_says_what_is_wrong() -> None:
    with pytest.raises(ScheduleError, match="not a day of the week"):
        parse_repeat("0 9 * * 8")
