"""How an expanded link looks: a heading, the lines in a fenced block the code cannot close, and
the link to the rest, in one message within Discord's 2,000 characters. Read back, the same
message gives the lines shown and the link (the Save button's source after a restart)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.code_blocks import fenced_blocks, truncate_code_block, unescape_code_block
from bot.formatters import plural
from bot.markdown import safe_truncate
from bot.text import MESSAGE_LIMIT
from cogs.codelinks.languages import fence_language
from cogs.codelinks.rules import MAX_LINK_CHARS, TITLE_MAX_CHARS

if TYPE_CHECKING:
    from cogs.codelinks.records import CodeLink, Excerpt

PATH_SHOWN = 160
REPOSITORY_SHOWN = 100
# The footer's longest wording, so the code's budget is known before the block is cut.
FOOTER_ROOM = len("… 10,000,000 more lines: <>") + MAX_LINK_CHARS


@dataclass(frozen=True)
class ShownLines:
    """The lines a reply shows, read back from it."""

    code: str
    first: int
    last: int


def describe_lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def reply_content(excerpt: Excerpt, max_lines: int) -> str:
    link = excerpt.link
    path = safe_truncate(link.path, PATH_SHOWN)
    lines_asked = describe_lines(excerpt.first, excerpt.last)
    repository = safe_truncate(link.repository, REPOSITORY_SHOWN)
    heading = f"**{path}** · {lines_asked} · {repository} on {link.host}"
    lines = excerpt.code.split("\n")[:max_lines]
    budget = MESSAGE_LIMIT - len(heading) - FOOTER_ROOM - 2
    block, _ = truncate_code_block("\n".join(lines), fence_language(link.path), budget, note="")
    shown = fenced_blocks(block)[0].body.count("\n") + 1
    more = excerpt.last - excerpt.first + 1 - shown
    footer = f"… {plural(more, 'more line')}: <{link.url}>" if more > 0 else f"<{link.url}>"
    return f"{heading}\n{block}\n{footer}"


def shown_lines(content: str, link: CodeLink) -> ShownLines | None:
    """The code a reply shows and which lines they are; None when it holds no block."""
    blocks = fenced_blocks(content)
    if not blocks:
        return None
    code = unescape_code_block(blocks[0].body)
    return ShownLines(code, link.first, link.first + code.count("\n"))


def snippet_title(path: str, first: int, last: int) -> str:
    """ "src/app.py lines 10–25", the start of a long path cut so the file's name stays."""
    lines = f" {describe_lines(first, last)}"
    room = TITLE_MAX_CHARS - len(lines)
    shown = path if len(path) <= room else "…" + path[-(room - 1) :]
    return shown + lines
