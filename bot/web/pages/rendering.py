"""Templates and the HTML responses built from them.

Jinja2 with autoescape on for every template: a value is escaped unless the code marked it safe
(`Markup`, as highlighted code is once Pygments has escaped it), so a snippet titled `<script>`
shows as text. A feature's templates live in its package and extend the core's `base.html`,
which the loader finds after the feature's own folder.
"""

from __future__ import annotations

import functools
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from bot.web.pages.csrf import CSRF_FIELD
from bot.web.pages.headers import PAGE_HEADERS
from bot.web.pages.navigation import site_links
from bot.web.pages.viewer import pages_state

if TYPE_CHECKING:
    from fastapi import Request

    from bot.web.pages.viewer import Viewer

CORE_TEMPLATES: Final = Path(__file__).parent / "templates"
SIGN_OUT_PATH: Final = "/api/v1/auth/signout"


@functools.cache
def page_templates(directory: Path | None = None) -> Environment:
    """The templates of a feature's `directory` (None: the core's alone), with the core's base
    layout behind them. One environment per folder, made once: Jinja caches compiled templates
    in it."""
    folders = [directory, CORE_TEMPLATES] if directory is not None else [CORE_TEMPLATES]
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=True,
        # A misspelt name fails the page's test instead of showing nothing.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: Request,
    templates: Environment,
    name: str,
    *,
    viewer: Viewer | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `name` for `viewer`, with the base layout's own values (the sign-out form's
    CSRF token) and the pages' security headers."""
    csrf, nav = None, []
    if viewer is not None:
        csrf = pages_state(request).csrf.issue(viewer.guild_id, viewer.user_id)
        nav = site_links(request, viewer)
    body = templates.get_template(name).render(
        viewer=viewer,
        nav=nav,
        csrf_field=CSRF_FIELD,
        csrf_token=csrf,
        sign_out_path=SIGN_OUT_PATH,
        **context,
    )
    return HTMLResponse(body, status, headers=PAGE_HEADERS)


def refusal(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A page saying why the request was refused or failed, with the same words as the API."""
    response = render(
        request,
        page_templates(),
        "refused.html",
        viewer=None,
        status=status,
        title=HTTPStatus(status).phrase,
        detail=detail,
    )
    response.headers.update(headers or {})
    return response
