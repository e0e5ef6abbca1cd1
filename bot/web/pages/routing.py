"""The pages' router: its routes answer in HTML whatever happens, never in problem+json.

A page that needs a signed-in member and has none redirects to the sign-in page, one whose
sign-in cookie ran out to where it is renewed (`returning.py`); a refusal or a
missing thing is a page with the same sentence the API and Discord give; a bug is a page with an
error id (the log has the traceback). Pages are left out of the OpenAPI document.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from bot.errors import UserFacingError, new_error_id
from bot.web.pages.rendering import refusal
from bot.web.pages.viewer import SessionExpired, SignInNeeded
from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

    from fastapi import Request, Response

log = logging.getLogger(__name__)
SIGN_IN_PATH: Final = "/signin"
# Under /api/v1/auth, the only path the browser sends the refresh cookie to.
RESUME_PATH: Final = "/api/v1/auth/resume"
# Longer addresses come back to the page without their query (the sign-in page takes 500).
NEXT_MAX: Final = 500
NO_SUCH_PAGE: Final = "There is no such page."


def sign_in_url(next_path: str, guild_id: int | None, *, via: str = SIGN_IN_PATH) -> str:
    query = {"next": next_path}
    if guild_id is not None:
        query["guild"] = str(guild_id)
    return f"{via}?{urlencode(query)}"


def coming_back_to(request: Request) -> str:
    """The page asked for, with its query (a search), to come back to after signing in."""
    path = request.url.path
    asked = f"{path}?{request.url.query}" if request.url.query else path
    return asked if len(asked) <= NEXT_MAX else path


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SessionExpired as expired:
                return _to_sign_in(request, expired.guild_id, via=RESUME_PATH)
            except SignInNeeded as needed:
                return _to_sign_in(request, needed.guild_id)
            except ApiProblem as problem:
                if problem.status == 401:
                    return _to_sign_in(request, None)
                return refusal(request, problem.status, problem.detail, problem.headers)
            except UserFacingError as error:
                return refusal(request, error.http_status, error.message, error.http_headers)
            except RequestValidationError:
                # Only a malformed path or form reaches here: a page for it does not exist.
                return refusal(request, 404, NO_SUCH_PAGE)
            except Exception as error:
                error_id = new_error_id()
                log.error(
                    "page error %s on %s %s",
                    error_id,
                    request.method,
                    request.url.path,
                    exc_info=error,
                )
                detail = f"Something went wrong on Nexus's side (error id {error_id})."
                return refusal(request, 500, detail)

        return page


def _to_sign_in(
    request: Request, guild_id: int | None, *, via: str = SIGN_IN_PATH
) -> RedirectResponse:
    return RedirectResponse(
        sign_in_url(coming_back_to(request), guild_id, via=via), status_code=303
    )


def page_router() -> APIRouter:
    """A router for pages: a feature's `page_routes` returns one (its routes' errors become
    pages, and it stays out of the API's OpenAPI document)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
