"""Cron expressions read as every crontab reads them (APScheduler 3 numbers weekdays otherwise)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.cron import (
    CronError,
    crontab_trigger,
    crontab_weekdays,
    ever_fires,
    next_fire_time,
    validate_cron,
)

THURSDAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("1", "mon"),
        ("0,7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("5,SAT", "fri,sat"),
    ],
)
def test_weekdays_follow_crontab_numbering(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_monday_at_nine_in_berlin_is_a_monday() -> None:
    monday = crontab_trigger("0 9 * * 1", "Europe/Berlin").get_next_fire_time(None, THURSDAY)
    assert monday.weekday() == 0
    assert monday.astimezone(UTC) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("every monday", "5 fields"),
        ("0 9 * *", "5 fields"),
        ("61 9 * * 1", "not valid"),
        ("0 9 * * 8", "not a day of the week"),
        ("0 9 * * 5-1", "earlier day"),
        ("0 9 * * */0", "positive number"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expression: str, says: str) -> None:
    with pytest.raises(CronError) as raised:
        validate_cron(expression)
    assert says in raised.value.message


def test_valid_expressions_come_back_normalised() -> None:
    assert validate_cron(" 0  9 * *   1-5 ") == "0 9 * * 1-5"


@pytest.mark.parametrize("expression", ["0 0 31 2 *", "0 0 30 2 *", "0 12 31 4,6,9,11 *"])
def test_a_schedule_whose_date_never_comes_is_refused(expression: str) -> None:
    assert not ever_fires(expression)
    with pytest.raises(CronError, match="never fires"):
        validate_cron(expression)


@pytest.mark.parametrize("expression", ["0 0 29 2 *", "0 0 29 2 1", "0 0 31 * *", "0 9 * * 1"])
def test_rare_but_real_dates_are_accepted(expression: str) -> None:
    assert ever_fires(expression)
    assert validate_cron(expression) == expression


def test_both_day_fields_set_fire_on_either_as_crontab_does() -> None:
    # `0 9 1 * 1`: the 1st of every month AND every Monday (crontab ORs the two day fields).
    trigger = crontab_trigger("0 9 1 * 1", "UTC")
    moment = datetime(2031, 3, 25, tzinfo=UTC)  # a Tuesday
    fires = []
    for _ in range(4):
        moment = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        fires.append(moment.date().isoformat())
    assert fires == ["2031-03-31", "2031-04-01", "2031-04-07", "2031-04-14"]


def test_one_day_field_set_keeps_its_meaning() -> None:
    trigger = crontab_trigger("0 9 1 * *", "UTC")
    fire = trigger.get_next_fire_time(None, datetime(2031, 3, 25, tzinfo=UTC))
    assert fire == datetime(2031, 4, 1, 9, 0, tzinfo=UTC)
    assert ever_fires("0 0 31 2 1")  # never the 31st of February, but every Monday in February


def test_a_stepped_star_day_field_does_not_restrict_as_in_cron() -> None:
    # `*/2` in day-of-month starts with `*`: cron(8) then ANDs it with the weekday.
    trigger = crontab_trigger("0 9 */2 * 1", "UTC")
    fire = trigger.get_next_fire_time(None, datetime(2031, 3, 25, tzinfo=UTC))
    # Read as "either", Tuesday the 25th (an odd day) would fire; ANDed, the next odd Monday.
    assert fire == datetime(2031, 3, 31, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["0 9 * * 1", "*/15 * * * *", "0 0 1 * 1", "30 2 * * *"])
def test_next_fire_time_answers_as_the_trigger_does_however_time_moves(expression: str) -> None:
    # Europe/Berlin: 2026-03-29 02:30 does not exist, 2026-10-25 02:30 happens twice.
    trigger = crontab_trigger(expression, "Europe/Berlin")
    rng = random.Random(expression)
    moment = datetime(2026, 3, 20, tzinfo=UTC)
    for _ in range(400):
        # Mostly forward by up to a day (past fires, up to them, exactly on them), sometimes back.
        moment += timedelta(seconds=rng.choice([-3_600, 1, 59, 900, 3_600, 86_400]) * rng.random())
        if rng.random() < 0.1:
            moment = trigger.get_next_fire_time(None, moment) or moment
        assert next_fire_time(trigger, moment) == trigger.get_next_fire_time(None, moment)
