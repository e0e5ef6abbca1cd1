"""Snippet input rules, query parsing, language detection and rendering, without a database;
and the property that any code round-trips exactly and never escapes its code block."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FrozenClock
from bot.code_blocks import FencedBlock, fenced_blocks, unescape_code_block
from bot.config import load_settings
from bot.db import Database
from bot.text import EMBED_DESCRIPTION_LIMIT
from cogs.snippets import languages
from cogs.snippets.drafts import (
    SnippetInputError,
    build_draft,
    decode_attachment,
    extract_message_code,
    parse_tags,
)
from cogs.snippets.fts5_query import (
    Filters,
    SearchQueryError,
    identifier_parts_text,
    match_expression,
    parse_query,
)
from cogs.snippets.parts import build_parts
from cogs.snippets.records import SnippetRecord, SnippetSummary
from cogs.snippets.render import page_embed, raw_file, snippet_embed

FENCE = "```"
CREATED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def record(code: str, language: str = "python", **fields: Any) -> SnippetRecord:
    values: dict[str, Any] = {
        "id": 7,
        "guild_id": 1,
        "author_id": 2,
        "title": "T",
        "description": None,
        "language": language,
        "tags": (),
        "code": code,
        "star_count": 0,
        "channel_id": None,
        "message_id": None,
        "created_at": CREATED,
        "updated_at": None,
        **fields,
    }
    return SnippetRecord(**values)


def code_in(description: str) -> tuple[str, str]:
    """(fence line, code between the fences) of the first code block in ``description``."""
    start = description.index(FENCE)
    newline = description.index("\n", start)
    end = description.index("\n" + FENCE, newline + 1)
    return description[start:newline], description[newline + 1 : end]


# ---- drafts -------------------------------------------------------------------------------------


def test_tags_are_split_lower_cased_and_deduplicated() -> None:
    assert parse_tags("API, #Async  api,rest-api") == ("api", "async", "rest-api")
    assert parse_tags(None) == ()
    assert parse_tags(" , ") == ()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 101}, "keep it to 100"),
        ({"code": " \n "}, "empty"),
        ({"code": "x" * 100_001}, "100,001 bytes; snippets can be at most 100 KB"),
        ({"code": "a\x00b"}, "NUL"),
        ({"tags": "a b c d e f"}, "at most 5"),
        ({"tags": "y" * 31}, "at most 30"),
        ({"language": "cobolish"}, "don't know the language"),
        ({"description": "d" * 1001}, "keep it to 1000"),
    ],
)
def test_bad_drafts_are_refused_with_a_reason(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "title": "Title",
        "code": "print(1)",
        "language": None,
        "tags": None,
        "description": None,
        **fields,
    }
    with pytest.raises(SnippetInputError, match=message):
        build_draft(max_bytes=100_000, **values)


def test_a_draft_keeps_the_code_verbatim_and_resolves_aliases() -> None:
    code = "\n\tconst a = `x`;  \r\n"
    draft = build_draft(
        title="  A   title ", code=code, language="TS", tags=None, description="  ", max_bytes=999
    )
    assert (draft.title, draft.code, draft.language, draft.description) == (
        "A title",
        code,
        "typescript",
        None,
    )


def test_attachments_must_be_small_utf8_text() -> None:
    assert decode_attachment("héllo".encode(), 100) == "héllo"
    assert decode_attachment(b"\xef\xbb\xbfbom", 100) == "bom"
    with pytest.raises(SnippetInputError, match="binary"):
        decode_attachment(b"\x89PNG\x00\x00", 100)
    with pytest.raises(SnippetInputError, match="not valid UTF-8"):
        decode_attachment(b"\xff\xfe", 100)
    with pytest.raises(SnippetInputError, match="at most"):
        decode_attachment(b"x" * 101, 100)


def test_message_code_comes_from_fences_with_their_language() -> None:
    found = extract_message_code("see\n```py\nx = 1\n```\nthen ```y = 2``` and ```\n```")
    assert found is not None
    assert (found.code, found.language) == ("x = 1\n\ny = 2", "python")
    unknown = extract_message_code("```ansi\nred\n```")
    assert unknown is not None and unknown.language is None
    assert extract_message_code("no code at all") is None


def test_fenced_blocks_read_tag_and_body_as_discord_shows_them() -> None:
    content = (
        "see\n```py\nx = 1\n```\nthen ```y = 2``` and ```\n```"
        "\n```c++ \nint a;\n\n```\n```py x = 3```\n```sql\nSELECT 1;"
    )
    assert fenced_blocks(content) == [
        FencedBlock("py", "x = 1"),
        FencedBlock(None, "y = 2"),
        FencedBlock(None, ""),  # blank blocks are kept: each caller decides what they mean
        FencedBlock("c++", "int a;\n"),  # only the one line break before the fence is dropped
        FencedBlock(None, "py x = 3"),  # a word followed by code on the fence line is code
    ]  # the unclosed ```sql block is not a block: Discord shows it as plain text
    assert fenced_blocks("no code at all") == []


# ---- languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def add(a, b):\n    return a + b\n", "python"),
        ("const x = require('fs');\nconsole.log(x);", "javascript"),
        ("interface User { id: number }\nconst u: User = { id: 1 };", "typescript"),
        ('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(1)\n}', "go"),
        ('fn main() {\n    let mut x = 1;\n    println!("{}", x);\n}', "rust"),
        ("SELECT id FROM users WHERE id = 1;", "sql"),
        ("#!/bin/bash\necho hi\n", "bash"),
        ('{"a": [1, 2]}', "json"),
        ("just some words", "text"),
    ],
)
def test_language_detection_on_typical_snippets(code: str, expected: str) -> None:
    assert languages.detect(code).key == expected


def test_language_from_a_file_name_wins_over_guessing() -> None:
    assert languages.detect("x = 1", "script.rb").key == "ruby"
    assert languages.detect("FROM python:3.12", "Dockerfile").key == "dockerfile"


def test_language_autocomplete_knows_aliases() -> None:
    assert languages.autocomplete("ts")[0].key == "typescript"
    assert languages.autocomplete("py")[0].key == "python"
    assert languages.resolve("c#") is languages.BY_KEY["csharp"]
    assert len(languages.autocomplete("")) <= 25


# ---- search text --------------------------------------------------------------------------------


def test_camel_case_identifiers_are_spelled_out_once() -> None:
    parts = identifier_parts_text("getUserById(x); getUserById(y); HTTPServer; plain; snake_case")
    assert parts.split("\n") == ["get user by id", "http server"]


def test_user_text_becomes_quoted_words_and_never_operators() -> None:
    parsed = parse_query('retry OR NEAR( "exact phrase" a:b -x')
    expression = match_expression(5, parsed, Filters(language="python", tag="rest-api"))
    assert expression == (
        "filters : xg5 AND filters : xlpython AND filters : xt726573742d617069 AND "
        '{title description tags code parts} : ("exact phrase" AND "retry" AND "or" AND '
        '"near" AND "a b" AND "x")'
    )


def test_prefixes_need_three_characters_and_camel_case_words_search_their_parts() -> None:
    assert parse_query("retr*").expression() == '"retr" *'
    with pytest.raises(SearchQueryError):
        parse_query("re*")
    assert parse_query("getUser").expression() == '("getuser" OR "get user")'


# ---- rendering ----------------------------------------------------------------------------------


def test_short_code_is_shown_whole_without_an_attachment() -> None:
    rendered = snippet_embed(record("print('hi')"))
    assert rendered.filename is None
    fence, shown = code_in(rendered.embed.description or "")
    assert (fence, shown) == ("```py", "print('hi')")


def test_long_code_is_attached_and_previewed_in_fifteen_lines() -> None:
    code = "\n".join(f"line_{n} = {'x' * 60}" for n in range(200))
    rendered = snippet_embed(record(code, language="go"))
    assert rendered.filename == "snippet-7.go"
    assert rendered.code_bytes == code.encode()
    _, shown = code_in(rendered.embed.description or "")
    assert unescape_code_block(shown) == "\n".join(code.split("\n")[:15])


# ---- the round-trip property --------------------------------------------------------------------

CODE = (
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "`",
                    "```",
                    "\u200b",
                    "\n",
                    "\r\n",
                    "@everyone",
                    "@here",
                    "<@&1>",
                    "<@2>",
                    " ",
                    "x" * 500 + "\n",
                ]
            ),
            st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
        ),
        min_size=1,
        max_size=40,
    )
    .map("".join)
    .filter(lambda code: code.strip() != "")
)


@given(code=CODE, language=st.sampled_from(["python", "text", "cpp", "markdown"]))
@settings(max_examples=300, deadline=None)
def test_rendered_code_never_escapes_its_block_and_unescapes_to_the_code(
    code: str, language: str
) -> None:
    rendered = snippet_embed(record(code, language=language))
    description = rendered.embed.description or ""
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    fence_line, inner = code_in(description)
    # The bot's fence opens the block and the next fence in the text is the bot's closing one.
    assert description.startswith(fence_line)
    assert FENCE not in inner and not inner.endswith("`")
    if rendered.filename is None:
        assert unescape_code_block(inner) == code
    else:
        assert code.startswith(unescape_code_block(inner))
        assert rendered.code_bytes == code.encode("utf-8")


def test_any_code_round_trips_through_storage_display_and_raw_file(tmp_path: Path) -> None:
    """stored == shown (after unescaping) == the Raw file, for arbitrary code."""
    app_settings = load_settings(None, database={"url": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"})
    with asyncio.Runner() as runner:
        database = Database(app_settings.database)
        runner.run(database.upgrade())
        snippets = build_parts(database.sessions, dialect="sqlite", clock=FrozenClock(CREATED))

        @given(code=CODE)
        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        def round_trip(code: str) -> None:
            draft = build_draft(
                title="P",
                code=code,
                language="text",
                tags=None,
                description=None,
                max_bytes=100_000,
            )
            shared = runner.run(snippets.store.share(1, 2, draft, shares_per_minute=10**9))
            stored = runner.run(snippets.store.get(1, shared.id))
            assert stored.code == code
            rendered = snippet_embed(stored)
            _, inner = code_in(rendered.embed.description or "")
            assert unescape_code_block(inner) == code
            raw = raw_file(stored)
            assert raw.fp.read().decode("utf-8") == code

        try:
            round_trip()
        finally:
            runner.run(database.close())


def test_a_page_of_ten_worst_case_entries_fits_one_embed() -> None:
    nasty = "*_`|~>[]" * 40
    items = [
        SnippetSummary(
            id=10**12 + n,
            title=nasty[:100],
            language="cpp",
            author_id=10**18,
            star_count=10**6,
            preview=nasty,
            created_at=CREATED,
        )
        for n in range(10)
    ]
    embed = page_embed("Snippets", items, 1)
    description = embed.description or ""
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    assert all(f"#{item.id}" in description for item in items)
