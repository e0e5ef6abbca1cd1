"""A snippet's web page, `/s/{guild}/{id}`, and its download: the code highlighted as Discord
shows it (the same language, through Pygments on the server), its author, tags and stars.

The page reads the same store as /snippet get. Who may open it is the server's
`snippets.page_visibility`: signed-in members of the server (the default), or anyone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from fastapi import Request
from fastapi.responses import Response

from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.headers import DOWNLOAD_HEADERS
from bot.web.pages.highlight import highlighted
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pages.viewer import page_viewer
from cogs.snippets import languages
from cogs.snippets.api_models import SnippetIdPath, parts_of
from cogs.snippets.render import attachment_name, page_path, search_path
from cogs.snippets.rules import FEATURE
from cogs.snippets.settings import PAGE_VISIBILITY

if TYPE_CHECKING:
    from bot.web.pages.viewer import Viewer

TEMPLATES: Final = page_templates(Path(__file__).parent / "templates")
FORMER_MEMBER: Final = "a former member"
router = page_router()


async def snippet_viewer(request: Request, guild_id: int) -> Viewer | None:
    """Who views a snippets page: anyone when the server made them public, else a member."""
    config = await state_of(request).host.guild_settings.get(guild_id)
    public = config.get(PAGE_VISIBILITY) == "public"
    return await page_viewer(request, guild_id, FEATURE, required=not public)


def author_name(request: Request, guild_id: int, author_id: int | None) -> str:
    if author_id is None:
        return FORMER_MEMBER
    guild = state_of(request).host.get_guild(guild_id)
    member = None if guild is None else guild.get_member(author_id)
    return FORMER_MEMBER if member is None else member.display_name


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _shown(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@router.get("/s/{guild_id}/{snippet_id}")
async def snippet_page(
    request: Request, guild_id: GuildIdPath, snippet_id: SnippetIdPath
) -> Response:
    viewer = await snippet_viewer(request, int(guild_id))
    record = await parts_of(request).store.get(int(guild_id), int(snippet_id))
    language = languages.get(record.language)
    created = _utc(record.created_at)
    updated = None if record.updated_at is None else _utc(record.updated_at)
    return render(
        request,
        TEMPLATES,
        "snippets/snippet.html",
        viewer=viewer,
        snippet=record,
        language=language.name,
        author=author_name(request, record.guild_id, record.author_id),
        code=await highlighted(record.code, languages.lexer_names(language)),
        created_iso=created.isoformat(),
        created_shown=_shown(created),
        updated_iso=None if updated is None else updated.isoformat(),
        updated_shown=None if updated is None else _shown(updated),
        filename=attachment_name(record),
        download_path=f"{page_path(record.guild_id, record.id)}/download",
        search_path=search_path(record.guild_id),
    )


@router.get("/s/{guild_id}/{snippet_id}/download")
async def snippet_download(
    request: Request, guild_id: GuildIdPath, snippet_id: SnippetIdPath
) -> Response:
    await snippet_viewer(request, int(guild_id))
    record = await parts_of(request).store.get(int(guild_id), int(snippet_id))
    return Response(
        record.code.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": f'attachment; filename="{attachment_name(record)}"',
        },
    )
