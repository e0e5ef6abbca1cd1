"""What a member typed or uploaded, checked and normalised into a snippet draft (no database).

Every rule a user can break is checked here and explained in a `SnippetInputError`, before
anything is stored. Code is kept verbatim: what is stored is exactly what was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.code_blocks import fenced_blocks
from bot.errors import UserFacingError
from cogs.snippets import languages

TITLE_MAX: Final = 100
DESCRIPTION_MAX: Final = 1000
TAGS_MAX: Final = 5
TAG_LENGTH_MAX: Final = 30


class SnippetInputError(UserFacingError):
    """Bad input for a snippet; nothing was stored."""


@dataclass(frozen=True)
class SnippetDraft:
    title: str
    code: str
    language: str  # a key of languages.BY_KEY
    tags: tuple[str, ...]
    description: str | None


def normalise_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise SnippetInputError("Give your snippet a title.")
    if len(cleaned) > TITLE_MAX:
        raise SnippetInputError(
            f"The title is {len(cleaned)} characters long; keep it to {TITLE_MAX}."
        )
    return cleaned


def normalise_description(description: str | None) -> str | None:
    if description is None or not description.strip():
        return None
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise SnippetInputError(
            f"The description is {len(cleaned)} characters long; keep it to {DESCRIPTION_MAX}."
        )
    return cleaned


def parse_tags(text: str | None) -> tuple[str, ...]:
    """Tags from ``"api, Python #async"``: split on commas and spaces, lower case, no repeats."""
    if text is None:
        return ()
    tags: list[str] = []
    for raw in re.split(r"[,\s]+", text):
        tag = raw.strip().lstrip("#").lower()
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_LENGTH_MAX:
            raise SnippetInputError(
                f"The tag `{tag[:TAG_LENGTH_MAX]}…` is too long; each tag can have at most "
                f"{TAG_LENGTH_MAX} characters."
            )
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise SnippetInputError(f"That's {len(tags)} tags; a snippet can have at most {TAGS_MAX}.")
    return tuple(tags)


def check_code(code: str, max_bytes: int) -> str:
    if not code.strip():
        raise SnippetInputError("The code is empty. Paste some code or attach a text file.")
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise SnippetInputError(
            f"The code is {size:,} bytes; snippets can be at most {_kb(max_bytes)}."
        )
    if "\x00" in code:
        raise SnippetInputError("The code contains NUL characters; that looks like binary data.")
    return code


def resolve_language(language: str | None, code: str, filename: str | None = None) -> str:
    """The key of the language named (or detected, when none is named)."""
    if language is not None and language.strip():
        found = languages.resolve(language)
        if found is None:
            raise SnippetInputError(
                f"I don't know the language `{language.strip()[:32]}`. Pick one from the list, "
                "or leave it empty and I'll detect it."
            )
        return found.key
    return languages.detect(code, filename).key


def build_draft(
    *,
    title: str,
    code: str,
    language: str | None,
    tags: str | None,
    description: str | None,
    max_bytes: int,
    filename: str | None = None,
) -> SnippetDraft:
    """Check everything and return the draft; raises SnippetInputError on the first problem."""
    clean_title = normalise_title(title)
    clean_code = check_code(code, max_bytes)
    clean_tags = parse_tags(tags)
    clean_description = normalise_description(description)
    return SnippetDraft(
        title=clean_title,
        code=clean_code,
        language=resolve_language(language, clean_code, filename),
        tags=clean_tags,
        description=clean_description,
    )


def check_attachment_size(size: int, max_bytes: int, filename: str = "the file") -> None:
    if size > max_bytes:
        raise SnippetInputError(
            f"`{filename[:64]}` is {size:,} bytes; attachments can be at most {_kb(max_bytes)}."
        )


def decode_attachment(data: bytes, max_bytes: int, filename: str = "the file") -> str:
    """The text of an uploaded file, or a clear refusal for big, binary or non-UTF-8 files."""
    check_attachment_size(len(data), max_bytes, filename)
    if b"\x00" in data:
        raise SnippetInputError(f"`{filename[:64]}` looks like a binary file; attach a text file.")
    try:
        # utf-8-sig: a byte-order mark is an artefact of the editor, not part of the code.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SnippetInputError(
            f"`{filename[:64]}` is not valid UTF-8 text (bad byte at position {error.start}). "
            "Save it as UTF-8 and try again."
        ) from None


@dataclass(frozen=True)
class MessageCode:
    code: str
    language: str | None  # key of the first fence's language that is on the curated list


def extract_message_code(content: str) -> MessageCode | None:
    """The fenced code blocks of a message (joined by a blank line), or None when it has none."""
    blocks: list[str] = []
    language: str | None = None
    for block in fenced_blocks(content):
        if not block.body.strip():
            continue
        blocks.append(block.body)
        named = languages.resolve(block.tag) if block.tag else None
        if language is None and named is not None:
            language = named.key
    if not blocks:
        return None
    return MessageCode("\n\n".join(blocks), language)


def _kb(size: int) -> str:
    return f"{size / 1000:g} KB"
