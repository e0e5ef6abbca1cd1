"""The sign-in's cookies, for web pages: HttpOnly (no script reads them), SameSite=Lax (no
other site's form or request sends them), Secure whenever Nexus is reached over HTTPS.

`nexus_session` holds the access token; `nexus_refresh` holds the refresh token and is sent
only to the sign-in routes, which trade it for the next pair. The session cookie lives as long
as the refresh token, past its own token's 15 minutes: a page that gets an expired one knows
the browser signed in and sends it to renew the pair (`bot.web.pages.returning`) instead of to
the sign-in page. An expired access token opens nothing, so keeping it longer gives nothing away.

`nexus_next` remembers, for ten minutes, the page a visitor was on when the sign-in page sent
them to Discord for a link or a consent: the sign-in routes read it to send the browser back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from bot.web.auth import SESSION_COOKIE, state_of
from bot.web.jwt_tokens import REFRESH_LIFETIME, STATE_LIFETIME

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from bot.web.sign_in import Session

REFRESH_COOKIE = "nexus_refresh"
STATE_COOKIE = "nexus_oauth_state"
AUTH_PATH = "/api/v1/auth"
OAUTH_PATH = "/api/v1/auth/discord"
NEXT_COOKIE = "nexus_next"
# As long as a one-time link lives: the time to run /nexus web and open what it gives.
NEXT_LIFETIME: Final = timedelta(minutes=10)


def secure_cookies(request: Request) -> bool:
    """Whether cookies are Secure: when Nexus is reached over HTTPS."""
    public = state_of(request).host.settings.web.public_url
    return (public or str(request.base_url)).startswith("https://")


def set_session(response: Response, session: Session, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.access_token,
        max_age=int(REFRESH_LIFETIME.total_seconds()),
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


def set_next(response: Response, path: str, guild_id: int | None, secure: bool) -> None:
    """Remember `path` (a path on this site, already checked), a page of `guild_id`'s, for
    the sign-in routes."""
    response.set_cookie(
        NEXT_COOKIE,
        f"{guild_id or ''}|{path}",
        max_age=int(NEXT_LIFETIME.total_seconds()),
        path=AUTH_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def remembered_next(request: Request, guild_id: int) -> str | None:
    """The page remembered for a sign-in to `guild_id` (one remembered for another server's
    page is not for this sign-in)."""
    guild, _, path = request.cookies.get(NEXT_COOKIE, "").partition("|")
    return path if guild in {"", str(guild_id)} else None


def clear_next(response: Response, secure: bool) -> None:
    response.delete_cookie(
        NEXT_COOKIE, path=AUTH_PATH, secure=secure, httponly=True, samesite="lax"
    )
