"""Time zones as members type them."""

from __future__ import annotations

import pytest

from bot.text import AUTOCOMPLETE_CHOICES_MAX
from bot.timezones import (
    UnknownTimezone,
    matching_timezones,
    parse_timezone,
    resolve_timezone,
    suggest_timezones,
)


def test_names_match_case_insensitively_with_spaces_for_underscores() -> None:
    assert resolve_timezone("europe/berlin") == "Europe/Berlin"
    assert resolve_timezone("America/New York") == "America/New_York"
    assert parse_timezone(" utc ").key == "UTC"


def test_near_misses_get_close_suggestions() -> None:
    assert "Europe/Berlin" in suggest_timezones("Berlin")
    assert "Asia/Tokyo" in suggest_timezones("Asia/Tokio")
    with pytest.raises(UnknownTimezone, match="Did you mean `Europe/Paris`"):
        resolve_timezone("Europe/Pariss")


def test_unknown_names_are_refused_without_breaking_formatting() -> None:
    with pytest.raises(UnknownTimezone, match="not a time zone") as raised:
        resolve_timezone("`@everyone`")
    assert "`@everyone`" not in raised.value.message


def test_autocomplete_prefers_prefixes_then_cities() -> None:
    assert matching_timezones("europe/ber")[0] == "Europe/Berlin"
    assert "America/New_York" in matching_timezones("new y")
    assert matching_timezones("")[0] == "UTC"
    assert len(matching_timezones("a")) == AUTOCOMPLETE_CHOICES_MAX
