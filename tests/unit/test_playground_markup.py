"""The playground's reading of Discord markup: text splits into nodes, and nothing in a
member's text becomes anything but text, a name or a date."""

from __future__ import annotations

import pytest

from bot.sandbox.playground.markup import Node, parse

NAMES = {("user", 1): "ada", ("role", 2): "Moderators", ("channel", 3): "general"}


def nodes(text: str) -> list[Node]:
    return parse(text, lambda kind, ident: NAMES.get((kind, ident)))


def flat(tree: list[Node]) -> str:
    """The text a reader sees, whatever the nodes."""
    return "".join(flat(n["c"]) if "c" in n else str(n["v"]) for n in tree)


def test_plain_text_is_one_text_node() -> None:
    assert nodes("hello there") == [{"t": "text", "v": "hello there"}]


def test_mentions_show_names_and_unknown_ones_say_so() -> None:
    shown = nodes("<@1> <@!1> <@&2> <#3> <@9> <#9>")
    assert [n["v"] for n in shown if n["t"] == "mention"] == [
        "@ada",
        "@ada",
        "@Moderators",
        "#general",
        "@unknown-user",
        "#unknown",
    ]
    assert [n["kind"] for n in shown if n["t"] == "mention"][:4] == [
        "user",
        "user",
        "role",
        "channel",
    ]


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("t", "22:13 UTC"),
        ("T", "22:13:20 UTC"),
        ("d", "14/11/2023"),
        ("D", "14 November 2023"),
        ("f", "14 November 2023 22:13 UTC"),
        ("F", "Tuesday, 14 November 2023 22:13 UTC"),
        ("R", "14 November 2023 22:13 UTC"),
    ],
)
def test_timestamps_are_dates_in_every_style(style: str, shown: str) -> None:
    [node] = nodes(f"<t:1700000000:{style}>")
    assert node == {
        "t": "time",
        "unix": 1700000000,
        "style": style,
        "v": shown,
        "iso": "2023-11-14T22:13:20+00:00",
    }


def test_a_timestamp_without_style_is_the_short_date_time_and_one_out_of_range_stays_text() -> None:
    [short] = nodes("<t:0>")
    assert (short["style"], short["v"]) == ("f", "01 January 1970 00:00 UTC")
    assert nodes("<t:999999999999:F>") == [{"t": "text", "v": "<t:999999999999:F>"}]


def test_emphasis_nests() -> None:
    assert nodes("**bold *both* __under__** ~~gone~~") == [
        {
            "t": "b",
            "c": [
                {"t": "text", "v": "bold "},
                {"t": "i", "c": [{"t": "text", "v": "both"}]},
                {"t": "text", "v": " "},
                {"t": "u", "c": [{"t": "text", "v": "under"}]},
            ],
        },
        {"t": "text", "v": " "},
        {"t": "s", "c": [{"t": "text", "v": "gone"}]},
    ]


def test_underscores_inside_words_are_not_italics() -> None:
    assert nodes("snake_case_name") == [{"t": "text", "v": "snake_case_name"}]


def test_nothing_inside_code_is_markup() -> None:
    assert nodes("`**<@1>**` and\n```py\n**x** <@1> <t:0>\n```") == [
        {"t": "code", "v": "**<@1>**"},
        {"t": "text", "v": " and\n"},
        {"t": "pre", "v": "**x** <@1> <t:0>\n", "lang": "py"},
    ]


def test_links_are_http_only_and_keep_their_label() -> None:
    shown = nodes("see [the docs](https://example.invalid/a) or <https://x.invalid/b>.")
    links = [n for n in shown if n["t"] == "link"]
    assert links == [
        {"t": "link", "href": "https://example.invalid/a", "v": "the docs"},
        {"t": "link", "href": "https://x.invalid/b", "v": "https://x.invalid/b"},
    ]
    assert [
        n for n in nodes("[x](javascript:alert(1)) data:text/html,hi") if n["t"] == "link"
    ] == []


def test_backslash_escapes_show_the_character() -> None:
    assert nodes(r"\*not bold\* \<@1>") == [{"t": "text", "v": "*not bold* <@1>"}]


HOSTILE: list[tuple[str, str]] = [
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ('"><svg onload=alert(1)>', '"><svg onload=alert(1)>'),
    ("**<b>bold html</b>**", "<b>bold html</b>"),
]


@pytest.mark.parametrize(("text", "shown"), HOSTILE)
def test_hostile_text_stays_text(text: str, shown: str) -> None:
    tree = nodes(text)
    assert flat(tree) == shown
    assert {n["t"] for n in tree} <= {"text", "b"}


def test_a_link_ends_where_a_quote_or_bracket_would_break_out() -> None:
    [_, link, rest] = nodes('go https://ok.invalid/a"onmouseover=alert(1)>')
    assert link == {"t": "link", "href": "https://ok.invalid/a", "v": "https://ok.invalid/a"}
    assert rest == {"t": "text", "v": '"onmouseover=alert(1)>'}
