"""Coming back to the page after signing in, in a browser.

A script that opens a one-time link or finishes Discord's OAuth2 gets the tokens as JSON; a
browser (it asks for `text/html`) gets the same cookies and a 303 to the page it came for: the
`next` path it names, else the one the sign-in page remembered (`nexus_next`) for the same
server, else the server's landing page (the first feature that offers one). `next` is only
ever a path on this site, so no link can send a member somewhere else signed in (no open
redirect).

A page whose sign-in cookie ran out sends the browser to `/api/v1/auth/resume`: under
/api/v1/auth the browser sends the refresh cookie, which is spent there exactly as the API's
refresh spends it (rotated, reuse ends the sign-in), and the browser goes straight back to the
page with new cookies; without a working refresh token, to the sign-in page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse

from bot.errors import UserFacingError
from bot.web.auth import renewed_session, state_of
from bot.web.fields import ID_PATTERN
from bot.web.pages.rendering import refusal
from bot.web.pages.routing import NEXT_MAX, RESUME_PATH, SIGN_IN_PATH, page_router, sign_in_url
from bot.web.problems import ApiProblem
from bot.web.session_cookies import (
    REFRESH_COOKIE,
    clear_next,
    clear_session,
    remembered_next,
    secure_cookies,
    set_session,
)

if TYPE_CHECKING:
    from fastapi.responses import HTMLResponse

    from bot.web.sign_in import Session

router = page_router()
NextPath = Annotated[
    str | None,
    Query(
        max_length=NEXT_MAX,
        description="for a browser: the page (a path on this site) to go to once signed in",
    ),
]


def local_path(path: str | None) -> str | None:
    """`path` when it is a path on this site: one leading slash, never `//host` or `/\\host`
    (which browsers read as another site), no scheme, no control characters."""
    if not path or len(path) > NEXT_MAX or not path.startswith("/") or path.startswith("//"):
        return None
    if "\\" in path or any(ord(character) < 0x20 or ord(character) == 0x7F for character in path):
        return None
    return path


def wants_page(request: Request) -> bool:
    """Whether the caller is a browser opening a page (it asks for HTML), not a script."""
    return "text/html" in request.headers.get("accept", "").lower()


def landing_path(request: Request, guild_id: int) -> str:
    """Where a member lands after signing in when they asked for no page."""
    for feature in sorted(state_of(request).host.features, key=lambda cog: cog.feature):
        page = feature.landing_page(guild_id)
        if page is not None:
            return page
    return f"{SIGN_IN_PATH}?guild={guild_id}&signed_in=true"


def back_to_page(request: Request, session: Session, next_path: str | None) -> RedirectResponse:
    """The browser's answer to a sign-in: the cookies, and a 303 to the page it came for."""
    target = (
        local_path(next_path)
        or local_path(remembered_next(request, session.access.guild_id))
        or landing_path(request, session.access.guild_id)
    )
    secure = secure_cookies(request)
    back = RedirectResponse(target, status_code=303)
    set_session(back, session, secure)
    clear_next(back, secure)
    return back


def refused_page(request: Request, error: UserFacingError | ApiProblem) -> HTMLResponse:
    """A sign-in that failed, as a page saying why in the API's words."""
    if isinstance(error, ApiProblem):
        return refusal(request, error.status, error.detail)
    return refusal(request, error.http_status, error.message)


@router.get(RESUME_PATH)
async def resume(
    request: Request,
    next: NextPath = None,
    guild: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> RedirectResponse:
    back = local_path(next)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        try:
            session = await renewed_session(state_of(request), refresh)
        except (UserFacingError, ApiProblem):
            pass  # spent, ended, or no longer a member: signing in again is the way on
        else:
            return back_to_page(request, session, back)
    target = sign_in_url(back, None if guild is None else int(guild)) if back else SIGN_IN_PATH
    to_sign_in = RedirectResponse(target, status_code=303)
    # The cookies that no longer work go, so the next page goes straight to the sign-in page.
    clear_session(to_sign_in, secure_cookies(request))
    return to_sign_in
