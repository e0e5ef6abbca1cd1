"""A file's language from its name, as the fence word Discord highlights by.

Pygments knows far more file names than any table here would (`Dockerfile`, `.tsx`, `.rs`), and
its first alias for a lexer ("python", "typescript", "rust") is a name Discord's highlighter and
the snippet library both understand.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=256)
def fence_language(path: str) -> str:
    """ "python" for `src/app.py`; "" (plain) for a name Pygments does not know."""
    # Imported on the first link, not when the bot starts.
    from pygments.lexers import find_lexer_class_for_filename

    name = path.rsplit("/", 1)[-1]
    lexer = find_lexer_class_for_filename(name) if name else None
    if lexer is None or not lexer.aliases:
        return ""
    alias: str = lexer.aliases[0]
    return "" if alias == "text" else alias
