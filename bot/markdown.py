"""User prose made inert: markdown escaped and mentions neutralised, before Discord sees it."""

from __future__ import annotations

import re

from bot.text import ZWSP, longest_fitting, truncate

__all__ = ["escape_markdown", "neutralise_mentions", "safe", "safe_truncate"]

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

    budget = longest_fitting(min(room, len(text)), fits)
    return safe(truncate(text, budget, placeholder="")) + placeholder
