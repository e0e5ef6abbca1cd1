"""Signing in: with Discord (OAuth2's authorization-code flow) or a one-time link from
/nexus web; refreshing, signing out, and who the caller is.

Both ways end the same: an access token (a JWT, 15 minutes) and a refresh token (30 days,
spent on use), answered as JSON for API clients and set as HttpOnly cookies for web pages. A
browser (it asks for HTML) is sent on, with the cookies, to the page it came for, and a sign-in
that fails shows it a page saying why (`bot.web.pages.returning`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from bot.errors import UserFacingError
from bot.web.auth import Caller, authenticated, new_session, renewed_session, state_of
from bot.web.discord_oauth import NOT_SET_UP
from bot.web.fields import ID_PATTERN
from bot.web.jwt_tokens import InvalidToken, TierName
from bot.web.pages.returning import NextPath, back_to_page, local_path, refused_page, wants_page
from bot.web.problems import ApiProblem, responses
from bot.web.session_cookies import (
    REFRESH_COOKIE,
    STATE_COOKIE,
    clear_session,
    clear_state,
    secure_cookies,
    set_next,
    set_session,
    set_state,
)
from bot.web.sign_in import Session, SignInRefused, tier_name

router = APIRouter(prefix="/auth", tags=["sign-in"])
NOT_HERE = "Nexus is not in that server, so you cannot sign in to it here."
NOT_IN_GUILD = "Your Discord account is not in that server; join it, then sign in again."
BAD_STATE = (
    "This sign-in did not start in this browser or took too long, so it was refused (it could "
    "be a forged link). Start again from /api/v1/auth/discord/login."
)
NO_REFRESH_TOKEN = "Send the refresh token as JSON (`refresh_token`) or with the sign-in cookie."


class SignedIn(BaseModel):
    """A new sign-in's tokens (also set as the `nexus_session` and `nexus_refresh` cookies)."""

    access_token: str = Field(description="a JWT; send it as `Authorization: Bearer <token>`")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds the access token stays valid")
    refresh_token: str = Field(description="trade it once at POST /api/v1/auth/refresh")
    refresh_expires_in: int = Field(description="seconds the refresh token stays valid")
    member_id: str
    guild_id: str
    tier: TierName = Field(description="the tier when signing in; checked again every request")


class Me(BaseModel):
    id: str = Field(description="the member's Discord id")
    guild_id: str
    tier: TierName = Field(description="from the member's roles now")
    kind: Literal["token", "session"] = Field(
        description="token: a personal API token; session: signed in"
    )
    scope: Literal["read", "write"]


class RefreshRequest(BaseModel):
    refresh_token: str | None = Field(None, max_length=4096)


def _public_base(request: Request) -> str:
    public = state_of(request).host.settings.web.public_url
    return public or str(request.base_url).rstrip("/")


def _signed_in(session: Session, response: Response, secure: bool) -> SignedIn:
    set_session(response, session, secure)
    access, refresh = session.access, session.refresh
    return SignedIn(
        access_token=session.access_token,
        expires_in=int((access.expires_at - access.issued_at).total_seconds()),
        refresh_token=session.refresh_token,
        refresh_expires_in=int((refresh.expires_at - refresh.issued_at).total_seconds()),
        member_id=str(access.user_id),
        guild_id=str(access.guild_id),
        tier=access.tier,
    )


async def _sign_in(
    request: Request,
    response: Response,
    member: Awaitable[tuple[int, int]],
    next_path: str | None,
) -> SignedIn | Response:
    """Sign in the (guild, member) that `member` proves: JSON for a script; for a browser, the
    cookies and a redirect to its page, or a page saying why not."""
    state = state_of(request)
    if not wants_page(request):
        guild_id, user_id = await member
        session = await new_session(state, guild_id, user_id)
        return _signed_in(session, response, secure_cookies(request))
    try:
        guild_id, user_id = await member
        session = await new_session(state, guild_id, user_id)
    except (UserFacingError, ApiProblem) as error:
        return refused_page(request, error)
    return back_to_page(request, session, next_path)


@router.get(
    "/discord/login",
    summary="Sign in with Discord: redirects to Discord's consent page",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "To Discord, with a signed state bound to a cookie"},
        **responses(404, 422),
    },
)
async def discord_login(
    request: Request,
    guild: Annotated[str, Query(pattern=ID_PATTERN, description="the server to sign in to")],
    next: NextPath = None,
) -> RedirectResponse:
    state = state_of(request)
    if not state.oauth.configured:
        raise ApiProblem(404, NOT_SET_UP)
    if state.host.get_guild(int(guild)) is None:
        raise ApiProblem(404, NOT_HERE)
    nonce = secrets.token_urlsafe(24)
    signed = state.sign_ins.codec.sign_state(int(guild), nonce)
    target = state.oauth.authorize_url(state.oauth.redirect_uri(_public_base(request)), signed)
    redirect = RedirectResponse(target, status_code=302)
    set_state(redirect, nonce, secure_cookies(request))
    back = local_path(next)
    if back:
        set_next(redirect, back, int(guild), secure_cookies(request))
    return redirect


@router.get(
    "/discord/callback",
    summary="Where Discord sends the member back: checks the state, signs in",
    response_model=SignedIn,
    responses=responses(400, 401, 403, 404, 422, 502),
)
async def discord_callback(  # noqa: PLR0917 (OAuth's parameters, as Discord sends them)
    request: Request,
    response: Response,
    code: Annotated[str | None, Query(max_length=512)] = None,
    state: Annotated[str | None, Query(max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    nonce: Annotated[str | None, Cookie(alias=STATE_COOKIE, include_in_schema=False)] = None,
) -> SignedIn | Response:
    secure = secure_cookies(request)
    clear_state(response, secure)
    member = _discord_member(request, code, state, error, nonce)
    answer = await _sign_in(request, response, member, None)
    if isinstance(answer, Response):
        clear_state(answer, secure)
    return answer


async def _discord_member(
    request: Request,
    code: str | None,
    state: str | None,
    error: str | None,
    nonce: str | None,
) -> tuple[int, int]:
    """The (guild, member) Discord's answer proves, once its state is checked."""
    api = state_of(request)
    if not api.oauth.configured:
        raise ApiProblem(404, NOT_SET_UP)
    try:
        guild_id, signed_nonce = api.sign_ins.codec.read_state(state or "")
    except InvalidToken:
        raise ApiProblem(400, BAD_STATE) from None
    if nonce is None or not hmac.compare_digest(nonce, signed_nonce):
        raise ApiProblem(400, BAD_STATE)
    if error is not None or code is None:
        raise ApiProblem(400, "Discord did not sign you in (cancelled?); start again.")
    identity = await api.oauth.identify(code, api.oauth.redirect_uri(_public_base(request)))
    if guild_id not in identity.guild_ids:
        raise ApiProblem(403, NOT_IN_GUILD)
    return guild_id, identity.user_id


@router.get(
    "/link/{code}",
    summary="Sign in with a one-time link from /nexus web",
    response_model=SignedIn,
    responses=responses(401, 403, 422),
)
async def sign_in_link(
    request: Request,
    response: Response,
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,128}$")],
    next: NextPath = None,
) -> SignedIn | Response:
    return await _sign_in(request, response, _link_owner(request, code), next)


async def _link_owner(request: Request, code: str) -> tuple[int, int]:
    owner = await state_of(request).links.use(code)
    return owner.guild_id, owner.user_id


def _refresh_token(body: RefreshRequest | None, cookie: str | None) -> str:
    token = (body.refresh_token if body is not None else None) or cookie
    if not token:
        raise SignInRefused(NO_REFRESH_TOKEN)
    return token


@router.post(
    "/refresh",
    summary="Trade a refresh token (once) for a new pair",
    response_model=SignedIn,
    responses=responses(400, 401, 403, 422),
)
async def refresh(
    request: Request,
    response: Response,
    body: RefreshRequest | None = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)] = None,
) -> SignedIn:
    session = await renewed_session(state_of(request), _refresh_token(body, cookie))
    return _signed_in(session, response, secure_cookies(request))


@router.post(
    "/logout",
    summary="Sign out: the refresh token's sign-in ends and the cookies are cleared",
    status_code=204,
    response_class=Response,
    responses=responses(400, 401, 422),
)
async def logout(
    request: Request,
    body: RefreshRequest | None = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)] = None,
) -> Response:
    await state_of(request).sign_ins.end(_refresh_token(body, cookie))
    done = Response(status_code=204)
    clear_session(done, secure_cookies(request))
    return done


@router.get(
    "/me",
    summary="Who the caller is: member, server, tier now, and how they signed in",
    response_model=Me,
    responses=responses(401, 403, 429),
)
async def me(caller: Annotated[Caller, Depends(authenticated)]) -> Me:
    scope: Literal["read", "write"] = "write"
    if caller.token is not None:
        scope = caller.token.scope
    return Me(
        id=str(caller.user_id),
        guild_id=str(caller.guild_id),
        tier=tier_name(caller.tier),
        kind=caller.kind,
        scope=scope,
    )
