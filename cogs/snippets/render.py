"""How a snippet looks in Discord: the embed, the attachment for long code, list lines, a
search's heading, the answer to a star and the autocomplete choices.

Code is only ever shown through bot.code_blocks' helpers, so backticks in it can't close
the fence, and only inside embeds, where mentions never ping. What a reader sees, after the
invisible escapes are removed, is exactly the stored code (or its first lines, for long code
that is attached whole).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import discord
from discord import app_commands

from bot.code_blocks import code_block, preview_lines, truncate_code_block
from bot.formatters import discord_timestamp, plural
from bot.markdown import safe, safe_truncate
from bot.text import (
    AUTOCOMPLETE_NAME_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    one_line,
    truncate,
)
from cogs.snippets import languages

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cogs.snippets.records import IdChoice, SnippetRecord, SnippetSummary, StarResult

PREVIEW_LINES: Final = 15
DESCRIPTION_SHOWN: Final = 600
LIST_PREVIEW_CHARS: Final = 90
SNIPPET_COLOUR: Final = discord.Colour.from_rgb(88, 166, 255)


@dataclass(frozen=True)
class RenderedSnippet:
    embed: discord.Embed
    # The whole code as `snippet-<id>.<ext>` when it does not fit the embed; else None.
    filename: str | None
    code_bytes: bytes | None

    def file(self) -> discord.File | None:
        if self.filename is None or self.code_bytes is None:
            return None
        return discord.File(io.BytesIO(self.code_bytes), filename=self.filename)


def attachment_name(record: SnippetRecord) -> str:
    return f"snippet-{record.id}.{languages.get(record.language).extension}"


def page_path(guild_id: int, snippet_id: int) -> str:
    """Where the snippet's web page is, on Nexus's web server (pages.py serves it)."""
    return f"/s/{guild_id}/{snippet_id}"


def search_path(guild_id: int) -> str:
    """Where the server's snippet search page is (search_page.py serves it)."""
    return f"/s/{guild_id}"


def raw_file(record: SnippetRecord) -> discord.File:
    """The code, byte for byte as stored (UTF-8), as a file to download."""
    return discord.File(io.BytesIO(record.code.encode("utf-8")), filename=attachment_name(record))


def code_section(record: SnippetRecord, room: int, page_url: str | None = None) -> tuple[str, bool]:
    """The code block for the embed (whole, or a 15-line preview) and whether it is attached;
    with `page_url`, a preview's note also links to the snippet's web page."""
    fence = languages.get(record.language).fence
    whole = code_block(record.code, fence)
    if len(whole) <= room:
        return whole, False
    name = attachment_name(record)
    total_lines = record.code.count("\n") + 1
    note = (
        f"Preview of the first {PREVIEW_LINES} of {total_lines} lines; "
        f"the whole code is in `{name}`" + (f" and [on its page]({page_url})." if page_url else ".")
    )
    block, _ = truncate_code_block(
        preview_lines(record.code, PREVIEW_LINES), fence, room - len(note) - 1, note=""
    )
    return f"{block}\n{note}", True


def snippet_embed(record: SnippetRecord, page_url: str | None = None) -> RenderedSnippet:
    """The embed posted for a snippet (share and get), plus the attachment for long code;
    `page_url`: the snippet's web page, when people can reach it."""
    intro = ""
    if record.description:
        intro = safe_truncate(record.description, DESCRIPTION_SHOWN) + "\n\n"
    section, attached = code_section(record, EMBED_DESCRIPTION_LIMIT - len(intro), page_url)
    embed = discord.Embed(
        title=safe_truncate(record.title, 256),
        description=intro + section,
        colour=SNIPPET_COLOUR,
        timestamp=record.created_at,
    )
    author = f"<@{record.author_id}>" if record.author_id is not None else "a former member"
    embed.add_field(name="Author", value=author)
    embed.add_field(name="Language", value=languages.get(record.language).name)
    embed.add_field(name="Stars", value=f"⭐ {record.star_count}")
    if record.tags:
        tags = " ".join(f"#{safe(tag)}" for tag in record.tags)
        embed.add_field(name="Tags", value=tags[:EMBED_FIELD_VALUE_LIMIT])
    shared = f"Shared {discord_timestamp(record.created_at, 'R')}"
    if record.updated_at is not None:
        shared += f" · edited {discord_timestamp(record.updated_at, 'R')}"
    embed.add_field(name="When", value=shared)
    embed.set_footer(text=f"Snippet #{record.id} · /snippet get id:{record.id}")
    if not attached:
        return RenderedSnippet(embed, None, None)
    return RenderedSnippet(embed, attachment_name(record), record.code.encode("utf-8"))


def first_code_line(preview: str) -> str:
    for line in preview.split("\n"):
        if line.strip():
            return line
    return ""


def summary_line(item: SnippetSummary) -> str:
    """One list entry: id, title, language, author, stars, then a one-line preview."""
    author = f"<@{item.author_id}>" if item.author_id is not None else "a former member"
    head = (
        f"**#{item.id} · {safe_truncate(item.title, 100)}**\n"
        f"{languages.get(item.language).name} · {author} · ⭐ {item.star_count}"
    )
    preview = one_line(first_code_line(item.preview), 4 * LIST_PREVIEW_CHARS)
    if preview:
        # Bounded after escaping, so ten entries always fit one embed (about 2,700 characters).
        head += f"\n↳ {safe_truncate(preview, LIST_PREVIEW_CHARS)}"
    return head


def page_embed(
    title: str, items: Sequence[SnippetSummary], number: int, *, note: str | None = None
) -> discord.Embed:
    description = f"*{note}*\n\n" if note else ""
    for item in items:
        entry = summary_line(item) + "\n\n"
        # Whole entries only: cutting one could leave a dangling escape or half a mention.
        if len(description) + len(entry) > EMBED_DESCRIPTION_LIMIT:
            break
        description += entry
    embed = discord.Embed(title=title, description=description.rstrip(), colour=SNIPPET_COLOUR)
    embed.set_footer(
        text=f"Page {number} · {plural(len(items), 'snippet')} · /snippet get id:<id> to open"
    )
    return embed


def star_reply(snippet_id: int, result: StarResult) -> str:
    if result.starred:
        return f"⭐ Starred snippet #{snippet_id}; it has {result.star_count} now."
    return f"Took your star back from snippet #{snippet_id}; it has {result.star_count} now."


def search_heading(
    query: str | None, language: str | None, tag: str | None, author_name: str | None
) -> str:
    parts = []
    if query:
        parts.append(f"“{safe_truncate(' '.join(query.split()), 60)}”")
    if language:
        parts.append(languages.get(language).name)
    if tag:
        parts.append(f"#{safe_truncate(tag, 30)}")
    if author_name is not None:
        parts.append(f"by {safe_truncate(author_name, 40)}")
    return "Snippets: " + (" · ".join(parts) if parts else "newest")


def id_choices(found: Sequence[IdChoice]) -> list[app_commands.Choice[int]]:
    return [
        app_commands.Choice(
            name=truncate(f"#{c.id} · {c.title}", AUTOCOMPLETE_NAME_LIMIT), value=c.id
        )
        for c in found
    ]


def language_choices(current: str) -> list[app_commands.Choice[str]]:
    choices = []
    for language in languages.autocomplete(current):
        aliases = f" ({', '.join(language.aliases[:3])})" if language.aliases else ""
        choices.append(
            app_commands.Choice(
                name=truncate(language.name + aliases, AUTOCOMPLETE_NAME_LIMIT),
                value=language.key,
            )
        )
    return choices


def tag_choices(tags: Sequence[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"#{tag}", value=tag) for tag in tags]
