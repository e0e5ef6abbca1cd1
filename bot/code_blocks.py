"""User code in a fenced block that its backticks can never close, cut to a limit when asked;
and the fenced blocks a member's message holds, read back out of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.text import ZWSP, longest_fitting

__all__ = [
    "FencedBlock",
    "code_block",
    "escape_code_block",
    "fenced_blocks",
    "preview_lines",
    "truncate_code_block",
    "unescape_code_block",
]

_BACKTICK: Final = "`"
_FENCE: Final = "```"


# The escape scheme, chosen to be exactly invertible for *any* input:
#
#   escape:   after every backtick that is followed by another backtick, by a ZWSP, or by the
#             end of the text, insert one ZWSP.
#   unescape: after every backtick, drop one ZWSP if there is one.
#
# Why it inverts: escaping never inserts backticks, so the backticks of the output are exactly
# those of the input. After each of them the output has either the inserted ZWSP (which unescape
# drops) or the input's next character, which is then neither a backtick nor a ZWSP (so nothing is
# dropped). A ZWSP the input already had right after a backtick gets an inserted ZWSP in front
# of it, so unescape drops the inserted one and keeps the original. A ZWSP anywhere else is not
# after a backtick in the output either, so it survives untouched.
#
# Why it is safe: no two backticks are adjacent in the output, so it never contains "```" and
# cannot close a fence; it never ends with a backtick, so it cannot fuse with the closing fence.
_ESCAPE_CODE = re.compile(r"`(?=[`\u200b]|\Z)")
_UNESCAPE_CODE = re.compile(r"`\u200b")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{0,32}")
# ```tag\nbody``` or ```body``` (one line). The tag is the fence's first word, only when the
# fence line has nothing else on it: "```py x = 1```" is all body, as Discord shows it.
_FENCED: Final = re.compile(r"```(?:([\w+#.-]{1,32})?[ \t]*\n)?(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class FencedBlock:
    tag: str | None  # the fence's language word as typed ("py", "ts"), not resolved
    body: str  # the text inside, without the line break before the closing fence


def escape_code_block(code: str) -> str:
    """Neutralise backtick runs so ``code`` can sit inside a ``` fence (see the scheme above)."""
    return _ESCAPE_CODE.sub(_BACKTICK + ZWSP, code)


def unescape_code_block(text: str) -> str:
    """Exact inverse of :func:`escape_code_block` (on its outputs)."""
    return _UNESCAPE_CODE.sub(_BACKTICK, text)


def _sanitise_language(language: str) -> str:
    # A language that is not a plain name could inject text into the fence's first line.
    return language if _LANGUAGE.fullmatch(language) else ""


def _fence_overhead(language: str) -> int:
    return len(_FENCE) + len(language) + 1 + 1 + len(_FENCE)


def code_block(code: str, language: str = "") -> str:
    """``code`` in a fenced block: ``"```lang\\n" + escaped code + "\\n```"``."""
    return f"{_FENCE}{_sanitise_language(language)}\n{escape_code_block(code)}\n{_FENCE}"


def truncate_code_block(
    code: str, language: str, limit: int, *, note: str = "…"
) -> tuple[str, bool]:
    """A closed code block of at most ``limit`` characters holding as much of ``code`` as fits.

    Returns ``(block, truncated)``. When the whole block fits it is returned with ``False``.
    Otherwise the block keeps the most whole lines that fit, or, if not even the first line
    fits, the longest prefix of it; ``note`` then follows the closing fence on its own line
    (nothing is added when ``note`` is empty). The code is cut *before* escaping, so the
    visible code is always a prefix of ``code``. Raises ``ValueError`` when ``limit`` cannot
    hold even an empty block plus the note.
    """
    language = _sanitise_language(language)
    whole = code_block(code, language)
    if len(whole) <= limit:
        return whole, False
    suffix = f"\n{note}" if note else ""
    budget = limit - _fence_overhead(language) - len(suffix)
    if budget < 0:
        raise ValueError(f"limit {limit} is too small for a code block with note {note!r}")

    # Escaped length only grows as the prefix grows (an escape's trailing ZWSP is replaced by
    # at least one real character), so the fitting prefixes can be binary searched.
    lines = code.split("\n")
    kept = longest_fitting(
        len(lines), lambda k: len(escape_code_block("\n".join(lines[:k]))) <= budget
    )
    if kept > 0:
        shown = "\n".join(lines[:kept])
    else:
        first = lines[0]
        shown = first[: longest_fitting(len(first), lambda n: _escaped_fits(first[:n], budget))]
    return code_block(shown, language) + suffix, True


def _escaped_fits(code: str, budget: int) -> bool:
    return len(escape_code_block(code)) <= budget


def preview_lines(code: str, n: int) -> str:
    """The first ``n`` lines of ``code`` (lines split on ``"\\n"``), joined by ``"\\n"``."""
    if n < 0:
        raise ValueError("n must not be negative")
    return "\n".join(code.split("\n")[:n])


def fenced_blocks(content: str) -> list[FencedBlock]:
    """The ``` blocks of a message, in order, blank ones included (the caller decides)."""
    blocks = []
    for match in _FENCED.finditer(content):
        body = match.group(2)
        blocks.append(FencedBlock(match.group(1), body[:-1] if body.endswith("\n") else body))
    return blocks
