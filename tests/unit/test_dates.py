"""Times typed in words are read in English only, relative to the injected "now"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import parse_natural

BERLIN = ZoneInfo("Europe/Berlin")
# A Sunday, 11:00 in Berlin; far from the day the suite runs, on purpose.
NOW = datetime(2031, 3, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "wall"),
    [
        ("tomorrow 9am", datetime(2031, 3, 31, 9, 0)),
        ("in 2 hours", datetime(2031, 3, 30, 13, 0)),
        ("2031-12-24 18:00", datetime(2031, 12, 24, 18, 0)),
    ],
)
def test_times_in_words_are_wall_times_in_the_zone_relative_to_now(
    text: str, wall: datetime
) -> None:
    assert parse_natural(text, BERLIN, NOW) == wall


@pytest.mark.parametrize("text", ["mañana", "morgen", "in 10000 years", "31 february", ""])
def test_text_that_is_no_english_time_reads_as_nothing(text: str) -> None:
    # Other languages are never tried: trying them all took seconds on the event loop.
    assert parse_natural(text, BERLIN, NOW) is None
