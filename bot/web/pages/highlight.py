"""Code highlighted on the server with Pygments: HTML spans with classes, styled by one static
stylesheet (no inline styles, which the Content-Security-Policy forbids).

The style is Pygments' "xcode": on its white background every token colour keeps at least the
4.5:1 contrast WCAG asks of text (a unit test measures it).
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Final

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pygments.lexer import Lexer

STYLE: Final = "xcode"
CSS_SCOPE: Final = ".code"
# From this many characters the lexing runs in a thread, off the bot's event loop.
IN_THREAD_FROM: Final = 20_000


def lexer_for(names: Sequence[str]) -> Lexer:
    """The first Pygments lexer one of `names` names; plain text when none does."""
    for name in names:
        try:
            # startinline: PHP without its `<?php` opener is still PHP (others ignore it).
            return get_lexer_by_name(name, stripnl=False, ensurenl=False, startinline=True)
        except ClassNotFound:
            continue
    return TextLexer(stripnl=False, ensurenl=False)


# The last pages' code, highlighted: a popular snippet is lexed once, not on every view (a
# 100 KB file takes a third of a second). Bounded by entries, each at most a snippet's size.
@functools.lru_cache(maxsize=64)
def _highlighted(code: str, names: tuple[str, ...]) -> Markup:
    # Pygments escapes the code itself (&, <, >, quotes), so its output is safe HTML.
    spans: str = highlight(code, lexer_for(names), HtmlFormatter(nowrap=True))
    if not code.endswith("\n"):
        # The formatter ends every line with a newline; the copy button copies the code as is.
        spans = spans.removesuffix("\n")
    return Markup(spans)


async def highlighted(code: str, names: Sequence[str]) -> Markup:
    """`code` as highlighted HTML spans, to put inside `<pre><code class="code">`."""
    if len(code) < IN_THREAD_FROM:
        return _highlighted(code, tuple(names))
    return await asyncio.to_thread(_highlighted, code, tuple(names))


@functools.cache
def stylesheet() -> str:
    css: str = HtmlFormatter(style=STYLE).get_style_defs(CSS_SCOPE)
    return css
