"""The pages' building blocks on their own: CSRF tokens, escaping in every template, the code
colours' contrast, and a real lexer for every language a snippet can be in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pygments.lexers import TextLexer
from pygments.styles import get_style_by_name

from bot.clock import FrozenClock
from bot.web.pages.csrf import CSRF_LIFETIME, CsrfTokens
from bot.web.pages.highlight import STYLE, _highlighted, lexer_for, stylesheet
from bot.web.pages.rendering import page_templates
from cogs.snippets import languages

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SECRET = b"k" * 32


def test_a_csrf_token_is_valid_for_its_member_and_server_until_it_expires() -> None:
    clock = FrozenClock(START)
    tokens = CsrfTokens(SECRET, clock)
    token = tokens.issue(guild_id=1, user_id=2)
    assert tokens.valid(token, 1, 2)
    assert not tokens.valid(token, 1, 3)
    assert not tokens.valid(token, 9, 2)
    assert not CsrfTokens(b"o" * 32, clock).valid(token, 1, 2)
    issued, _, signature = token.partition(".")
    assert not tokens.valid(f"{int(issued) + 1}.{signature}", 1, 2)
    for malformed in (None, "", "x", "1.", ".abc", "-1.abc", token + "A"):
        assert not tokens.valid(malformed, 1, 2)
    clock.advance(CSRF_LIFETIME)
    assert tokens.valid(token, 1, 2)
    clock.advance(timedelta(seconds=1))
    assert not tokens.valid(token, 1, 2)


@pytest.mark.parametrize("name", ["base.html", "signin.html", "refused.html"])
def test_every_core_template_escapes_what_it_is_given(name: str) -> None:
    hostile = '"><script>alert(1)</script>'
    page = (
        page_templates()
        .get_template(name)
        .render(
            viewer=None,
            nav=[{"label": hostile, "path": "/x", "current": True}],
            csrf_field="csrf_token",
            csrf_token=None,
            sign_out_path="/out",
            title=hostile,
            detail=hostile,
            server_name=hostile,
            next_path=None,
            discord_login=None,
            signed_out=False,
            signed_in=False,
        )
    )
    assert "<script>" not in page


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def test_every_code_colour_has_the_contrast_wcag_asks_of_text() -> None:
    style = get_style_by_name(STYLE)
    background = _luminance(style.background_color.lstrip("#"))
    colours = {definition["color"] for _, definition in style if definition["color"]}
    assert colours
    for colour in colours:
        text = _luminance(colour)
        ratio = (max(text, background) + 0.05) / (min(text, background) + 0.05)
        assert ratio >= 4.5, colour
    assert re.search(r"\.code \.k \{ color: #[0-9A-Fa-f]{6}", stylesheet())


def test_every_snippet_language_gets_a_real_lexer_for_its_page() -> None:
    for language in languages.LANGUAGES:
        lexer = lexer_for(languages.lexer_names(language))
        assert (type(lexer) is TextLexer) == (language is languages.TEXT), language.key


def test_highlighted_code_is_escaped_and_keeps_its_text() -> None:
    code = "<?php echo '<script>alert(1)</script>'; ?>\n\t&amp;"
    out = _highlighted(code, languages.lexer_names(languages.BY_KEY["php"]))
    assert "<script>" not in out
    text = re.sub(r"<[^>]+>", "", str(out))
    assert (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
        == code
    )
