"""Code links: an excerpt's reply fits one message, shows what it says, and reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.markdown import safe
from cogs.codelinks.excerpts import LinesMissing, cut
from cogs.codelinks.languages import fence_language
from cogs.codelinks.rate_limit import GuildRate
from cogs.codelinks.records import CodeLink
from cogs.codelinks.render import reply_content, shown_lines, snippet_title

URL = "https://github.com/o/r/blob/main/src/app.py#L2-L40"


def link(first: int = 2, last: int = 40, path: str = "src/app.py") -> CodeLink:
    return CodeLink("GitHub", URL, "https://raw/x", "o/r", path, first, last)


def source(lines: int, width: int = 10) -> str:
    return "".join(f"{n:0{width}d}\n" for n in range(1, lines + 1))


def test_cut_takes_the_range_and_stops_at_the_files_end() -> None:
    excerpt = cut(source(10), link(8, 20))
    assert (excerpt.code, excerpt.first, excerpt.last, excerpt.total_lines) == (
        "0000000008\n0000000009\n0000000010",
        8,
        10,
        10,
    )
    with pytest.raises(LinesMissing, match="10 lines"):
        cut(source(10), link(11, 12))


def test_a_reply_shows_at_most_max_lines_and_counts_the_rest() -> None:
    content = reply_content(cut(source(100), link()), max_lines=25)
    assert content.startswith("**src/app.py** · lines 2–40 · o/r on GitHub\n```python\n")
    assert content.endswith(f"```\n… 14 more lines: <{URL}>")
    assert shown_lines(content, link()) is not None


@pytest.mark.parametrize("width", [10, 200, 3_000])
def test_a_reply_always_fits_one_message_whatever_the_lines(width: int) -> None:
    content = reply_content(cut(source(60, width), link()), max_lines=60)
    assert len(content) <= 2000
    assert content.count("```") == 2
    assert content.endswith(f"<{URL}>")


def test_the_lines_shown_read_back_exactly_even_with_backticks() -> None:
    code = "a = '```'\nb = `x`\n"
    content = reply_content(cut(code, link(1, 2)), max_lines=25)
    shown = shown_lines(content, link(1, 2))
    assert shown is not None
    assert (shown.code, shown.first, shown.last) == ("a = '```'\nb = `x`", 1, 2)
    assert content.endswith(f"```\n<{URL}>")


def test_markdown_in_a_path_is_shown_as_text() -> None:
    path = "**bold**/@everyone.py"
    content = reply_content(cut("x\n", link(1, 1, path=path)), max_lines=5)
    assert content.startswith(f"**{safe(path)}** · line 1 · ")
    assert "**bold**" not in content


@pytest.mark.parametrize(
    ("path", "fence"),
    [("src/app.py", "python"), ("web/App.tsx", "tsx"), ("Dockerfile", "docker"),
     ("main.rs", "rust"), ("notes.unknownext", ""), ("README", "")],
)  # fmt: skip
def test_the_language_comes_from_the_file_name(path: str, fence: str) -> None:
    assert fence_language(path) == fence


def test_a_snippet_title_keeps_the_file_name_of_a_long_path() -> None:
    assert snippet_title("src/app.py", 3, 5) == "src/app.py lines 3–5"
    long = snippet_title("deep/" * 40 + "app.py", 7, 7)
    assert len(long) == 100 and long.startswith("…") and long.endswith("app.py line 7")


def test_a_guild_rate_is_a_sliding_minute_per_guild() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    rate = GuildRate(2, clock)
    assert [rate.take(1), rate.take(1), rate.take(1), rate.take(2)] == [True, True, False, True]
    clock.advance(timedelta(seconds=59))
    assert not rate.take(1)
    clock.advance(timedelta(seconds=1))
    assert rate.take(1)
