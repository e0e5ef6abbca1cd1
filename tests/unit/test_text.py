"""Property and boundary tests for bot.text: the limits must hold for every input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.code_blocks import (
    code_block,
    escape_code_block,
    preview_lines,
    truncate_code_block,
    unescape_code_block,
)
from bot.formatters import discord_timestamp, plural
from bot.markdown import escape_markdown, neutralise_mentions, safe, safe_truncate
from bot.text import MESSAGE_LIMIT, ZWSP, one_line, split_message, truncate

# Any text without lone surrogates (which cannot be sent to Discord anyway).
any_text = st.text(st.characters(codec="utf-8"))
# Text built from the pieces that matter, so hypothesis hits the edge cases often.
tricky_text = st.lists(
    st.one_of(
        st.sampled_from(["`", ZWSP, "\n", "\r", " ", "@", "<", ">", "&", "!", "#", "-", "*"]),
        st.sampled_from(["everyone", "here", "123", "\u0301", "\u200d", "\U0001f600", "\\"]),
        st.characters(codec="utf-8"),
    )
).map("".join)
texts = st.one_of(any_text, tricky_text)
placeholders = st.sampled_from(["…", "", "...", " (more)"])
languages = st.sampled_from(["", "py", "python", "c++", "c#", "objective-c", "x" * 33, "py\n```"])

_BACKSLASH_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_LIVE_MENTION = re.compile(r"<@[!&]?\d+>")


# --- escape_code_block -------------------------------------------------------------------------
@given(texts)
@example("```")
@example("`")
@example("`\u200b")
@example("`\u200b\u200b`")
@example("\u200b`")
def test_code_escape_round_trips_for_any_text(code: str) -> None:
    assert unescape_code_block(escape_code_block(code)) == code


@given(texts)
def test_escaped_code_never_has_two_adjacent_backticks_nor_ends_with_one(code: str) -> None:
    escaped = escape_code_block(code)
    assert "``" not in escaped
    assert not escaped.endswith("`")


def test_code_escape_matches_the_documented_scheme() -> None:
    assert escape_code_block("```") == "`\u200b`\u200b`\u200b"
    assert escape_code_block("```x") == "`\u200b`\u200b`x"
    assert escape_code_block("a`") == "a`\u200b"
    assert escape_code_block("`a`b") == "`a`b"
    assert escape_code_block("`\u200b") == "`\u200b\u200b"


# --- code_block --------------------------------------------------------------------------------
@given(texts, languages)
def test_code_block_has_exactly_one_closing_fence_at_the_end(code: str, language: str) -> None:
    block = code_block(code, language)
    assert block.startswith("```")
    assert block.endswith("\n```")
    header, _, rest = block[3:].partition("\n")
    inside = rest[: -len("\n```")]
    assert "```" not in inside
    assert block.count("```") == 2
    assert unescape_code_block(inside) == code
    assert re.fullmatch(r"[A-Za-z0-9_+#.-]{0,32}", header)


def test_code_block_drops_a_language_that_is_not_a_plain_name() -> None:
    assert code_block("x", "py\n```evil") == "```\nx\n```"
    assert code_block("x", "c++") == "```c++\nx\n```"
    assert code_block("x", "a" * 33) == "```\nx\n```"


# --- truncate ----------------------------------------------------------------------------------
@given(texts, st.integers(min_value=0, max_value=300), placeholders)
def test_truncate_never_exceeds_the_limit(text: str, limit: int, placeholder: str) -> None:
    if limit < len(placeholder):
        with pytest.raises(ValueError):
            truncate(text, limit, placeholder=placeholder)
        return
    result = truncate(text, limit, placeholder=placeholder)
    assert len(result) <= limit
    if len(text) <= limit:
        assert result == text
    else:
        assert result.endswith(placeholder)
        assert text.startswith(result[: len(result) - len(placeholder)])


@given(texts, placeholders)
def test_truncate_at_exact_boundaries(text: str, placeholder: str) -> None:
    n = len(text)
    assert truncate(text, n + len(placeholder), placeholder=placeholder) == text
    if n >= len(placeholder):
        assert truncate(text, n, placeholder=placeholder) == text
    if n >= 1 and n - 1 >= len(placeholder):
        shorter = truncate(text, n - 1, placeholder=placeholder)
        assert len(shorter) <= n - 1
        assert shorter.endswith(placeholder)


def test_truncate_boundary_examples() -> None:
    assert truncate("abcde", 5) == "abcde"
    assert truncate("abcdef", 5) == "abcd…"
    assert truncate("abcdef", 1) == "…"
    assert truncate("abc", 0, placeholder="") == ""
    with pytest.raises(ValueError):
        truncate("abcdef", 0)
    with pytest.raises(ValueError):
        truncate("abc", -1, placeholder="")


def test_truncate_prefers_a_word_boundary_in_the_last_fifth() -> None:
    assert truncate("hello world again", 13) == "hello world…"
    # The only space is far from the end: a hard cut beats losing most of the room.
    assert truncate("a bcdefghijklmnop", 10) == "a bcdefgh…"


def test_truncate_does_not_split_crlf_or_combining_marks() -> None:
    assert truncate("abcd\r\nxyz", 6, placeholder="…") == "abcd…"
    assert truncate("abcde\u0301fgh", 6) == "abcd…"
    assert truncate("abcde\u0301fgh", 7) == "abcde\u0301…"


# --- truncate_code_block -----------------------------------------------------------------------
_fence_languages = st.sampled_from(["", "py", "rust"])


def _visible_code(block: str, language: str) -> str:
    head = f"```{language}\n"
    assert block.startswith(head)
    body, fence, _ = block[len(head) :].rpartition("\n```")
    assert fence
    return unescape_code_block(body)


@given(texts, _fence_languages, st.integers(min_value=0, max_value=200), placeholders)
@example("```\n```\n```", "", 10, "…")
@example("a`\nb", "", 11, "")
def test_truncate_code_block_is_closed_fits_and_shows_a_prefix(
    code: str, language: str, limit: int, note: str
) -> None:
    overhead = len(f"```{language}\n\n```") + (len(note) + 1 if note else 0)
    full = code_block(code, language)
    if len(full) > limit and limit < overhead:
        with pytest.raises(ValueError):
            truncate_code_block(code, language, limit, note=note)
        return
    block, truncated = truncate_code_block(code, language, limit, note=note)
    assert len(block) <= limit
    assert truncated == (block != full)
    if truncated and note:
        assert block.endswith("\n```\n" + note)
        block = block[: -len(note) - 1]
    assert block.endswith("\n```")
    assert block.count("```") == 2
    shown = _visible_code(block, language)
    assert code.startswith(shown)


@given(st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\n"))))
def test_truncate_code_block_keeps_whole_lines_when_one_fits(lines: list[str]) -> None:
    code = "\n".join(lines)
    limit = 60
    block, truncated = truncate_code_block(code, "py", limit)
    if not truncated:
        return
    shown = _visible_code(block[: -len("\n…")], "py")
    first_fits = len(code_block(lines[0], "py")) + len("\n…") <= limit
    if first_fits:
        kept = shown.split("\n")
        assert kept == lines[: len(kept)]
        # and one more whole line would not have fitted
        bigger = code_block("\n".join(lines[: len(kept) + 1]), "py") + "\n…"
        assert len(bigger) > limit


def test_truncate_code_block_cuts_a_long_first_line_by_characters() -> None:
    block, truncated = truncate_code_block("x" * 100 + "\nshort", "", 20, note="")
    assert truncated
    assert block == "```\n" + "x" * 12 + "\n```"


def test_preview_lines() -> None:
    assert preview_lines("a\nb\nc", 2) == "a\nb"
    assert preview_lines("a\nb", 5) == "a\nb"
    assert preview_lines("a", 0) == ""
    with pytest.raises(ValueError):
        preview_lines("a", -1)


# --- split_message -----------------------------------------------------------------------------
def _rebuild(chunks: list[str], text: str) -> None:
    """Walk ``text`` as split_message documents it: chunk, optional consumed whitespace, chunk…"""
    position = 0
    for index, chunk in enumerate(chunks):
        assert chunk
        assert text.startswith(chunk, position)
        position += len(chunk)
        is_last = index == len(chunks) - 1
        if position < len(text) and text[position].isspace():
            position += 1
        elif not is_last:
            assert position < len(text)
    assert position == len(text)


@given(texts, st.integers(min_value=1, max_value=50))
@example("a" * 4001, MESSAGE_LIMIT)
@example("\n" * 10, 3)
def test_split_message_chunks_fit_and_rebuild_the_text(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert all(1 <= len(chunk) <= limit for chunk in chunks)
    _rebuild(chunks, text)


def test_split_message_prefers_line_breaks() -> None:
    text = "first line\nsecond line that is long\nthird"
    assert split_message(text, 30) == ["first line", "second line that is long\nthird"]
    assert split_message("", 10) == []
    assert split_message("short", 10) == ["short"]
    assert split_message("aaaaaaaaaa", 4) == ["aaaa", "aaaa", "aa"]


# --- markdown and mentions ---------------------------------------------------------------------
@given(st.text(st.characters(codec="utf-8", exclude_characters=":")))
def test_escape_markdown_renders_back_to_the_original_text(text: str) -> None:
    # Without ":" there are no URLs, so every escape is a backslash before one character;
    # Discord renders "\x" as "x", so removing them must give back exactly the input.
    escaped = escape_markdown(text)
    assert _BACKSLASH_ESCAPE.sub(r"\1", escaped) == text
    unescaped_specials = re.sub(r"\\.", "", escaped, flags=re.DOTALL)
    assert not set("*_~|`[]\\") & set(unescaped_specials)


def test_escape_markdown_breaks_what_discord_utils_misses() -> None:
    assert escape_markdown("[a](b) **x** (c)") == r"\[a\](b) \*\*x\*\* (c)"
    assert escape_markdown("# title\n> quote\n-# small\n 1. item") == (
        "\\# title\n\\> quote\n\\-# small\n 1\\. item"
    )


def test_escape_markdown_leaves_links_working_but_not_backticks() -> None:
    assert escape_markdown("see https://x.com/a_b_c") == "see https://x.com/a_b_c"
    assert escape_markdown("https://x.com/`code") == "https://x.com/\\`code"


@given(texts)
@example("@everyone @here <@123> <@!456> <@&789> @EVERYONE")
def test_neutralised_text_has_no_live_mentions(text: str) -> None:
    result = neutralise_mentions(text)
    lowered = result.lower()
    assert "@everyone" not in lowered
    assert "@here" not in lowered
    assert not re.search("<@[^\u200b]", result)
    assert not _LIVE_MENTION.search(result)
    assert result.replace(ZWSP, "") == text.replace(ZWSP, "")


def test_safe_escapes_and_neutralises() -> None:
    assert safe("**hi** @everyone") == "\\*\\*hi\\*\\* @\u200beveryone"


@given(texts, st.integers(min_value=1, max_value=80))
def test_safe_truncate_fits_and_never_ends_in_a_lone_backslash(text: str, limit: int) -> None:
    result = safe_truncate(text, limit)
    assert len(result) <= limit
    body = result.removesuffix("…") if len(safe(text)) > limit else result
    trailing = len(body) - len(body.rstrip("\\"))
    assert trailing % 2 == 0


# --- small formatters --------------------------------------------------------------------------
def test_one_line_collapses_whitespace() -> None:
    assert one_line("  a\n\n b\t c  ", 100) == "a b c"
    assert one_line("word " * 50, 12) == "word word…"


def test_plural() -> None:
    assert plural(1, "snippet") == "1 snippet"
    assert plural(2, "snippet") == "2 snippets"
    assert plural(0, "snippet") == "0 snippets"
    assert plural(3, "entry", "entries") == "3 entries"


def test_discord_timestamp() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert discord_timestamp(moment) == f"<t:{int(moment.timestamp())}:f>"
    assert discord_timestamp(moment, "R").endswith(":R>")
    shifted = moment.astimezone(timezone(timedelta(hours=5)))
    assert discord_timestamp(shifted) == discord_timestamp(moment)
    before_epoch = datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    assert discord_timestamp(before_epoch) == "<t:-1:f>"
    with pytest.raises(ValueError):
        discord_timestamp(datetime(2026, 1, 1))  # naive on purpose
    with pytest.raises(ValueError):
        discord_timestamp(moment, "x")
    with pytest.raises(ValueError):
        discord_timestamp(moment, "ff")
