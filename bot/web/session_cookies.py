"""The sign-in's cookies, for web pages: HttpOnly (no script reads them), SameSite=Lax (no
other site's form or request sends them), Secure whenever Nexus is reached over HTTPS.

`nexus_session` holds the access token and lives as long as it; `nexus_refresh` holds the
refresh token and is sent only to the sign-in routes, which trade it for the next pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.web.auth import SESSION_COOKIE
from bot.web.jwt_tokens import ACCESS_LIFETIME, REFRESH_LIFETIME, STATE_LIFETIME

if TYPE_CHECKING:
    from starlette.responses import Response

    from bot.web.sign_in import Session

REFRESH_COOKIE = "nexus_refresh"
STATE_COOKIE = "nexus_oauth_state"
AUTH_PATH = "/api/v1/auth"
OAUTH_PATH = "/api/v1/auth/discord"


def set_session(response: Response, session: Session, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.access_token,
        max_age=int(ACCESS_LIFETIME.total_seconds()),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        session.refresh_token,
        max_age=int(REFRESH_LIFETIME.total_seconds()),
        path=AUTH_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(
        REFRESH_COOKIE, path=AUTH_PATH, secure=secure, httponly=True, samesite="lax"
    )


def set_state(response: Response, nonce: str, secure: bool) -> None:
    # Lax is sent on Discord's redirect back (a top-level GET), which is all it is needed for.
    response.set_cookie(
        STATE_COOKIE,
        nonce,
        max_age=int(STATE_LIFETIME.total_seconds()),
        path=OAUTH_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_state(response: Response, secure: bool) -> None:
    response.delete_cookie(
        STATE_COOKIE, path=OAUTH_PATH, secure=secure, httponly=True, samesite="lax"
    )
