"""The snippet search page, `/s/{guild}`: a search form and a page of results, each linking to
its snippet's page.

It calls the same search as `/snippet search` and the API's list (`SnippetSearch.search`: the
same ranking, filters and page size), pages by the same keyset cursor as the API, and is open to
the same people as a snippet's page (`snippets.page_visibility`). A filter it cannot use gets
the form back with the reason, and no results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from bot.errors import UserFacingError
from bot.text import truncate
from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pagination import next_link
from bot.web.problems import ApiProblem
from cogs.snippets import languages
from cogs.snippets.api import search_position
from cogs.snippets.api_models import parts_of
from cogs.snippets.pages import author_name, snippet_viewer
from cogs.snippets.render import page_path

if TYPE_CHECKING:
    from bot.web.pages.viewer import Viewer
    from cogs.snippets.records import SnippetPage, SnippetSummary

TEMPLATES: Final = page_templates(Path(__file__).parent / "templates")
# The API's limits on the same filters.
QUERY_MAX: Final = 200
TAG_MAX: Final = 64
AUTHOR_MAX: Final = 100
CURSOR_MAX: Final = 200
EXCERPT_LINES: Final = 3
EXCERPT_WIDTH: Final = 100
NO_MATCH: Final = "No snippets match that search."
router = page_router()


@dataclass(frozen=True)
class SearchForm:
    """What the form asked for, as typed (shown back in the form)."""

    q: str
    language: str
    tag: str
    author: str
    cursor: str | None


@dataclass(frozen=True)
class Result:
    """One snippet in the list, ready to show."""

    path: str
    id: int
    title: str
    language: str
    author: str
    tags: tuple[str, ...]
    stars: int
    excerpt: str


def _form(request: Request) -> SearchForm:
    asked = request.query_params
    form = SearchForm(
        q=asked.get("q", "").strip(),
        language=asked.get("language", "").strip(),
        tag=asked.get("tag", "").strip(),
        author=asked.get("author", "").strip(),
        cursor=asked.get("cursor") or None,
    )
    limits = (
        (form.q, QUERY_MAX, "Search for at most 200 characters."),
        (form.tag, TAG_MAX, "A tag is at most 64 characters."),
        (form.author, AUTHOR_MAX, "Name the author in at most 100 characters."),
        (form.cursor or "", CURSOR_MAX, "That page is not one Nexus gave out; search again."),
    )
    for value, limit, refusal in limits:
        if len(value) > limit:
            raise UserFacingError(refusal)
    return form


def _author_id(request: Request, guild_id: int, author: str) -> int | None:
    """The member the author filter names: a Discord id, or a member's name in the server."""
    if not author:
        return None
    name = author.removeprefix("@")
    if name.isdigit():
        return int(name)
    guild = state_of(request).host.get_guild(guild_id)
    wanted = name.casefold()
    for member in [] if guild is None else guild.members:
        if wanted in {member.display_name.casefold(), member.name.casefold()}:
            return member.id
    raise UserFacingError(f"No member of this server is called {truncate(name, 40)}.")


def _excerpt(preview: str) -> str:
    lines = [line.rstrip() for line in preview.split("\n") if line.strip()]
    return "\n".join(truncate(line, EXCERPT_WIDTH) for line in lines[:EXCERPT_LINES])


def _result(request: Request, guild_id: int, item: SnippetSummary) -> Result:
    return Result(
        path=page_path(guild_id, item.id),
        id=item.id,
        title=item.title,
        language=languages.get(item.language).name,
        author=author_name(request, guild_id, item.author_id),
        tags=item.tags,
        stars=item.star_count,
        excerpt=_excerpt(item.preview),
    )


async def _search(request: Request, guild_id: int, form: SearchForm) -> SnippetPage:
    return await parts_of(request).snippet_search.search(
        guild_id,
        form.q or None,
        language=languages.filter_key(form.language),
        tag=form.tag or None,
        author_id=_author_id(request, guild_id, form.author),
        cursor=search_position(form.cursor),
    )


def _chosen_language(form: SearchForm | None) -> str:
    """The language option to show selected: the one the filter names, by any of its names."""
    found = None if form is None or not form.language else languages.resolve(form.language)
    return "" if found is None else found.key


def _first_page(path: str, form: SearchForm | None) -> str:
    """The same search from its first page."""
    asked = (
        {}
        if form is None
        else {"q": form.q, "language": form.language, "tag": form.tag, "author": form.author}
    )
    kept = {name: value for name, value in asked.items() if value}
    return f"{path}?{urlencode(kept)}" if kept else path


def _answer(
    request: Request,
    viewer: Viewer | None,
    form: SearchForm | None,
    *,
    status: int = 200,
    **shown: object,
) -> Response:
    """The page: the form as asked, and the results, or the reason there are none."""
    values: dict[str, object] = {
        "results": [],
        "next_path": None,
        "order": None,
        "error": None,
        "first_page": True,
    }
    return render(
        request,
        TEMPLATES,
        "snippets/search.html",
        viewer=viewer,
        status=status,
        form=form or SearchForm("", "", "", "", None),
        languages=languages.LANGUAGES,
        chosen_language=_chosen_language(form),
        search_path=request.url.path,
        first_path=_first_page(request.url.path, form),
        **(values | shown),
    )


@router.get("/s/{guild_id}")
async def search_page(request: Request, guild_id: GuildIdPath) -> Response:
    guild = int(guild_id)
    viewer = await snippet_viewer(request, guild)
    try:
        form = _form(request)
    except UserFacingError as refused:
        return _answer(request, viewer, None, error=refused.message, status=400)
    try:
        page = await _search(request, guild, form)
    except UserFacingError as refused:
        return _answer(request, viewer, form, error=refused.message, status=400)
    except ApiProblem as problem:
        return _answer(request, viewer, form, error=problem.detail, status=problem.status)
    return _answer(
        request,
        viewer,
        form,
        results=[_result(request, guild, item) for item in page.items],
        next_path=next_link(request, page.next_cursor),
        order=page.order,
        first_page=form.cursor is None,
    )
