"""Text that fits Discord: its limits, and cutting text to them exactly.

Every feature formats user-supplied text through these modules, so the rules live in one place:

- prose from users goes through :func:`bot.markdown.safe` (markdown escaped, mentions made inert);
- code from users goes through :func:`bot.code_blocks.code_block` /
  :func:`bot.code_blocks.truncate_code_block`, which make sure the user's backticks can never
  close the bot's fence;
- anything bounded by a Discord limit is cut with :func:`truncate` (or :func:`split_message`),
  which always honours the limit exactly.

Lengths are Python ``len`` (Unicode code points), which is how Discord counts message content
and embed fields. :func:`utf16_len` is there for the few places that count UTF-16 code units.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "AUTOCOMPLETE_CHOICES_MAX",
    "AUTOCOMPLETE_NAME_LIMIT",
    "BUTTON_LABEL_LIMIT",
    "CHOICE_VALUE_LIMIT",
    "CUSTOM_ID_LIMIT",
    "EMBEDS_PER_MESSAGE",
    "EMBED_AUTHOR_LIMIT",
    "EMBED_DESCRIPTION_LIMIT",
    "EMBED_FIELDS_MAX",
    "EMBED_FIELD_NAME_LIMIT",
    "EMBED_FIELD_VALUE_LIMIT",
    "EMBED_FOOTER_LIMIT",
    "EMBED_TITLE_LIMIT",
    "EMBED_TOTAL_LIMIT",
    "MESSAGE_LIMIT",
    "MODAL_INPUTS_MAX",
    "MODAL_TITLE_LIMIT",
    "SELECT_OPTIONS_MAX",
    "TEXT_INPUT_LABEL_LIMIT",
    "TEXT_INPUT_PARAGRAPH_LIMIT",
    "TEXT_INPUT_PLACEHOLDER_LIMIT",
    "ZWSP",
    "longest_fitting",
    "one_line",
    "split_message",
    "truncate",
    "utf16_len",
]

# --- Discord's limits ------------------------------------------------------------------------
MESSAGE_LIMIT: Final = 2000
EMBED_DESCRIPTION_LIMIT: Final = 4096
EMBED_TITLE_LIMIT: Final = 256
EMBED_FIELD_NAME_LIMIT: Final = 256
EMBED_FIELD_VALUE_LIMIT: Final = 1024
EMBED_FOOTER_LIMIT: Final = 2048
EMBED_AUTHOR_LIMIT: Final = 256
EMBED_TOTAL_LIMIT: Final = 6000
EMBED_FIELDS_MAX: Final = 25
EMBEDS_PER_MESSAGE: Final = 10
AUTOCOMPLETE_CHOICES_MAX: Final = 25
AUTOCOMPLETE_NAME_LIMIT: Final = 100
CHOICE_VALUE_LIMIT: Final = 100
MODAL_INPUTS_MAX: Final = 5
MODAL_TITLE_LIMIT: Final = 45
TEXT_INPUT_LABEL_LIMIT: Final = 45
TEXT_INPUT_PLACEHOLDER_LIMIT: Final = 100
TEXT_INPUT_PARAGRAPH_LIMIT: Final = 4000
CUSTOM_ID_LIMIT: Final = 100
BUTTON_LABEL_LIMIT: Final = 80
SELECT_OPTIONS_MAX: Final = 25

ZWSP: Final = "\u200b"
"""Zero-width space: invisible, and breaks Discord's parsing of what it is inserted into."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def longest_fitting(count: int, fits: Callable[[int], bool]) -> int:
    """Largest ``k`` in ``[0, count]`` with ``fits(k)``, given ``fits`` is monotone and fits(0)."""
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


# --- truncation and splitting ------------------------------------------------------------------
_MAX_CLUSTER_BACKOFF: Final = 8
_MARK_CATEGORIES: Final = frozenset({"Mn", "Mc", "Me"})


def _clings_to_previous(char: str) -> bool:
    """Whether ``char`` belongs to the character before it (combining mark, joiner, selector)."""
    return (
        unicodedata.category(char) in _MARK_CATEGORIES
        or char in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # emoji skin-tone modifiers
    )


def _clean_cut(text: str, index: int) -> int:
    """Move a cut at ``index`` left so it does not split "\\r\\n" or a character cluster.

    Gives up after a few steps (pathological runs of combining marks) and cuts where asked:
    the limit always wins over looks.
    """
    cut = index
    for _ in range(_MAX_CLUSTER_BACKOFF):
        if cut <= 0 or cut >= len(text):
            return cut
        before, after = text[cut - 1], text[cut]
        split_crlf = before == "\r" and after == "\n"
        if not (split_crlf or _clings_to_previous(after) or before == "\u200d"):
            return cut
        cut -= 1
    return index


def truncate(text: str, limit: int, *, placeholder: str = "…") -> str:
    """``text`` if it fits in ``limit`` characters, else a prefix of it + ``placeholder``.

    The result is never longer than ``limit``. When a whitespace boundary exists in the last
    20 % of the room left for text, the cut is made there (and trailing whitespace dropped) so
    words are not split. Raises ``ValueError`` when ``limit < len(placeholder)``.
    """
    if limit < len(placeholder) or limit < 0:
        raise ValueError(f"limit {limit} cannot hold the placeholder {placeholder!r}")
    if len(text) <= limit:
        return text
    room = limit - len(placeholder)
    cut = _word_boundary(text, room)
    if cut is None:
        cut = _clean_cut(text, room)
    return text[:cut].rstrip() + placeholder


def _word_boundary(text: str, room: int) -> int | None:
    """The cut index at a whitespace in the last 20 % of ``text[:room]``, if there is one."""
    if room < len(text) and text[room].isspace():
        return room  # the text already breaks right at the limit
    floor = room - room // 5
    for index in range(room - 1, max(floor, 1) - 1, -1):
        if text[index].isspace():
            return index
    return None


def one_line(text: str, limit: int) -> str:
    """``text`` with every whitespace run (newlines included) collapsed to one space, truncated."""
    return truncate(" ".join(text.split()), limit)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, at line breaks when possible.

    Each chunk ends where the text continues with the last newline within reach; failing that,
    the last other whitespace; failing that, a hard cut (which avoids splitting "\\r\\n" or a
    character cluster when it can). A split at whitespace *consumes* that one whitespace
    character; a hard cut consumes nothing and is always followed by non-whitespace. So the
    text is exactly: chunk 1, then (if the next character is whitespace) that one character,
    then chunk 2, and so on. ``""`` gives ``[]``. Chunks are never empty, but may be
    whitespace-only when the text is; strip before sending if that matters. Markdown spanning a
    split (an open code fence, say) is not repaired.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chunks: list[str] = []
    start = 0
    while len(text) - start > limit:
        end, consumed = _split_point(text, start, limit)
        chunks.append(text[start:end])
        start = end + consumed
    if start < len(text):
        chunks.append(text[start:])
    return chunks


def _split_point(text: str, start: int, limit: int) -> tuple[int, int]:
    """Where the chunk starting at ``start`` ends, and how many separator characters follow."""
    # The character right after a full-length chunk may be the separator itself.
    window = text[start : start + limit + 1]
    for separators in ("\n", None):
        index = _last_separator(window, separators)
        if index > 0:
            return start + index, 1
    cut = _clean_cut(text, start + limit)
    if cut <= start:
        cut = start + limit
    return cut, 0


def _last_separator(window: str, separator: str | None) -> int:
    if separator is not None:
        return window.rfind(separator)
    for index in range(len(window) - 1, -1, -1):
        if window[index].isspace():
            return index
    return -1
