"""The pages every Nexus serves whatever its features: the sign-in page, signing out from a
page, and the static files (the base stylesheet, the copy script, the code colours).

Signing out lives under /api/v1/auth because the refresh cookie is sent only there: ending the
sign-in needs it, so the sign-in cannot be left alive for 30 days behind a cleared browser.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.errors import UserFacingError
from bot.web.auth import SESSION_COOKIE, state_of
from bot.web.fields import ID_PATTERN
from bot.web.jwt_tokens import InvalidToken
from bot.web.pages.calendar_page import router as calendar_router
from bot.web.pages.csrf import CsrfTokens
from bot.web.pages.dashboard import router as dashboard_router
from bot.web.pages.forms import checked_form
from bot.web.pages.highlight import stylesheet
from bot.web.pages.rendering import SIGN_OUT_PATH, page_templates, render
from bot.web.pages.returning import local_path
from bot.web.pages.returning import router as returning_router
from bot.web.pages.routing import SIGN_IN_PATH, page_router
from bot.web.pages.settings_page import router as settings_router
from bot.web.pages.viewer import PagesState
from bot.web.session_cookies import REFRESH_COOKIE, clear_session, secure_cookies, set_next

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.clock import Clock
    from bot.web.jwt_tokens import Claims

STATIC: Final = Path(__file__).parent / "static"
STATIC_PATH: Final = "/static"
router = page_router()


@router.get(SIGN_IN_PATH)
async def sign_in_page(
    request: Request,
    next: Annotated[str | None, Query(max_length=500)] = None,
    guild: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    signed_out: Annotated[bool, Query()] = False,
    signed_in: Annotated[bool, Query()] = False,
) -> Response:
    state = state_of(request)
    server = state.host.get_guild(int(guild)) if guild is not None else None
    next_path = local_path(next)
    discord_login = None
    if server is not None and state.oauth.configured:
        login = {"guild": str(server.id)} | ({"next": next_path} if next_path else {})
        discord_login = f"/api/v1/auth/discord/login?{urlencode(login)}"
    page = render(
        request,
        page_templates(),
        "signin.html",
        viewer=None,
        server_name=None if server is None else server.name,
        next_path=next_path,
        discord_login=discord_login,
        signed_out=signed_out,
        signed_in=signed_in,
    )
    if next_path:
        # The one-time link opened next in this browser brings the member back here.
        set_next(page, next_path, None if server is None else server.id, secure_cookies(request))
    return page


def _claims(request: Request) -> tuple[Claims | None, str | None]:
    """The signed-in member's claims, from the refresh cookie (or else the session's), and
    the refresh token itself."""
    codec = state_of(request).sign_ins.codec
    refresh = request.cookies.get(REFRESH_COOKIE)
    access = request.cookies.get(SESSION_COOKIE)
    if refresh:
        with contextlib.suppress(InvalidToken):
            return codec.read(refresh, "refresh"), refresh
    if access:
        with contextlib.suppress(InvalidToken):
            return codec.read(access, "access"), refresh
    return None, refresh


@router.post(SIGN_OUT_PATH)
async def sign_out(request: Request) -> Response:
    claims, refresh = _claims(request)
    if claims is not None:
        # Only a form from the member's own page may end their sign-in.
        await checked_form(request, claims.guild_id, claims.user_id)
    if refresh:
        # Already spent or ended elsewhere: there is nothing left to end.
        with contextlib.suppress(UserFacingError):
            await state_of(request).sign_ins.end(refresh)
    done = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=true", status_code=303)
    clear_session(done, secure_cookies(request))
    return done


@router.get(f"{STATIC_PATH}/code.css")
async def code_stylesheet() -> Response:
    return Response(
        stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/favicon.ico")
async def favicon() -> Response:
    # Browsers ask for it on every document, the API's JSON too; SVG is what Nexus has.
    return FileResponse(
        STATIC / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def install_pages(app: FastAPI, secret: bytes, clock: Clock) -> None:
    """The core's pages and static files, and what the pages keep on the app."""
    app.state.pages = PagesState(CsrfTokens(secret, clock))
    app.include_router(router)
    app.include_router(calendar_router)
    app.include_router(settings_router)
    app.include_router(returning_router)
    app.include_router(dashboard_router)
    # After the route above: a mount answers every path under it.
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="static")
