"""Safe output: Discord's limits, markdown and mention safety, code blocks, truncation.

Every feature formats user-supplied text through this module, so the rules live in one place:

- prose from users goes through :func:`safe` (markdown escaped, mentions made inert);
- code from users goes through :func:`code_block` / :func:`truncate_code_block`, which make sure
  the user's backticks can never close the bot's fence;
- anything bounded by a Discord limit is cut with :func:`truncate` (or :func:`split_message`),
  which always honours the limit exactly.

Lengths are Python ``len`` (Unicode code points), which is how Discord counts message content
and embed fields. :func:`utf16_len` is there for the few places that count UTF-16 code units.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

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
    "code_block",
    "discord_timestamp",
    "escape_code_block",
    "escape_markdown",
    "neutralise_mentions",
    "one_line",
    "plural",
    "preview_lines",
    "safe",
    "safe_truncate",
    "split_message",
    "truncate",
    "truncate_code_block",
    "unescape_code_block",
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

_BACKTICK: Final = "`"
_FENCE: Final = "```"


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- mentions ----------------------------------------------------------------------------------
# "@everyone"/"@here" ping wherever they appear in raw content, so they are matched anywhere and
# case-insensitively. Every "<@" is broken, which covers <@id>, <@!id> and <@&id> at once.
_MASS_MENTION = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
_ANGLE_MENTION = re.compile(r"<@")


def neutralise_mentions(text: str) -> str:
    """Make ``@everyone``, ``@here`` and user/role mentions inert by putting a ZWSP after the @.

    ``allowed_mentions`` already stops pings bot-wide; this keeps the text from *looking* like a
    live mention (and protects text shown where allowed_mentions is widened).
    """
    text = _MASS_MENTION.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<@" + ZWSP, text)


# --- markdown ----------------------------------------------------------------------------------
# Not a wrapper of discord.utils.escape_markdown: that one leaves the text between "[...](...)"
# unescaped (so "[a](b) **x** (c)" still renders bold) and escapes nothing inside URLs, including
# backticks. Ours escapes every inline markdown character, and the line-start constructs (quotes,
# headers, subtext, lists). Escaping punctuation with a backslash never changes what Discord
# renders, so over-escaping is harmless.
#
# URLs are left untouched so links keep working, except for backticks, which Discord's autolink
# would otherwise leave free to open a code span that swallows the bot's own formatting.
_MARKDOWN = re.compile(
    r"(?P<line>^[ \t]*)(?P<marker>>|\#|-|\+|\d+\.)"  # quote, header, subtext, lists
    r"|(?P<url>(?:https?|steam)://[^\s<`]+[^\s<`.,:;\"'\])])"
    r"|(?P<char>[\\*_~|`\[\]])",
    re.MULTILINE,
)


def _escape_markdown_match(match: re.Match[str]) -> str:
    if match["url"] is not None:
        return match["url"]
    if match["char"] is not None:
        return "\\" + match["char"]
    marker = match["marker"]
    if marker[-1] == ".":
        # "1. item" is a list; "1\. item" renders as the same text without being one.
        return match["line"] + marker[:-1] + "\\."
    return match["line"] + "\\" + marker


def escape_markdown(text: str) -> str:
    """Backslash-escape everything in ``text`` that Discord would render as markdown.

    Removing one backslash before each escaped character gives back ``text`` exactly (URLs
    are copied unchanged), which is what Discord displays.
    """
    return _MARKDOWN.sub(_escape_markdown_match, text)


def safe(text: str) -> str:
    """User text ready to be shown as inline prose: markdown escaped, mentions inert.

    Truncate *before* calling this (or use :func:`safe_truncate`): cutting escaped text can
    leave a lone backslash that escapes the bot's own formatting after it.
    """
    return neutralise_mentions(escape_markdown(text))


def safe_truncate(text: str, limit: int, *, placeholder: str = "…") -> str:
    """:func:`safe` text cut so that, escaped and with ``placeholder``, it fits ``limit``.

    The placeholder is the bot's own text and is not escaped. Raises ``ValueError`` when
    ``limit < len(placeholder)``.
    """
    if limit < len(placeholder):
        raise ValueError(f"limit {limit} cannot hold the placeholder {placeholder!r}")
    whole = safe(text)
    if len(whole) <= limit:
        return whole
    room = limit - len(placeholder)

    # Escaping only lengthens text, so the raw prefix is at most ``room`` long; search for the
    # longest raw budget whose escaped cut still fits.
    def fits(budget: int) -> bool:
        return len(safe(truncate(text, budget, placeholder=""))) <= room

    budget = _longest_fitting(min(room, len(text)), fits)
    return safe(truncate(text, budget, placeholder="")) + placeholder


# --- code blocks -------------------------------------------------------------------------------
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


def _longest_fitting(count: int, fits: Callable[[int], bool]) -> int:
    """Largest ``k`` in ``[0, count]`` with ``fits(k)``, given ``fits`` is monotone and fits(0)."""
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


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
    kept = _longest_fitting(
        len(lines), lambda k: len(escape_code_block("\n".join(lines[:k]))) <= budget
    )
    if kept > 0:
        shown = "\n".join(lines[:kept])
    else:
        first = lines[0]
        shown = first[: _longest_fitting(len(first), lambda n: _escaped_fits(first[:n], budget))]
    return code_block(shown, language) + suffix, True


def _escaped_fits(code: str, budget: int) -> bool:
    return len(escape_code_block(code)) <= budget


def preview_lines(code: str, n: int) -> str:
    """The first ``n`` lines of ``code`` (lines split on ``"\\n"``), joined by ``"\\n"``."""
    if n < 0:
        raise ValueError("n must not be negative")
    return "\n".join(code.split("\n")[:n])


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


# --- small formatters --------------------------------------------------------------------------
_TIMESTAMP_STYLES: Final = frozenset("tTdDfFR")


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """``"1 snippet"``, ``"2 snippets"``; pass ``plural_word`` for irregular words."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {plural_word if plural_word is not None else word + 's'}"


def describe_size(size: int) -> str:
    """5242880 → "5 MB", 100000 → "97.7 KB": a size worded for people."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def discord_timestamp(dt: datetime, style: str = "f") -> str:
    """``<t:unix:style>``, shown by Discord in each reader's own time zone.

    ``dt`` must be aware (a naive datetime has no defined instant); ``style`` is one of
    ``t T d D f F R``.
    """
    if style not in _TIMESTAMP_STYLES:
        raise ValueError(f"unknown timestamp style {style!r}; use one of t T d D f F R")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: attach a time zone (store and pass UTC)")
    # floor, not int(): int() rounds towards zero, which is a second late before 1970.
    return f"<t:{math.floor(dt.timestamp())}:{style}>"
