"""Who is calling: a personal API token or a signed-in member's access token (a JWT), the
member and guild it names, and their tier now.

The tier comes from the member's roles as the bot currently sees them (the gateway keeps its
member cache current), so a demoted moderator loses moderator rights at their next request;
an access token's tier claim is never trusted. Blocked members are refused as in Discord:
blocked from `api`, from every route; blocked from a feature, from that feature's routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from bot.errors import FeatureBlocked
from bot.permissions import Tier, tier_of_member
from bot.web.fields import GuildIdPath
from bot.web.jwt_tokens import InvalidToken
from bot.web.problems import ApiProblem
from bot.web.tokens import API_FEATURE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable

    from bot.feature import FeatureCog
    from bot.web.discord_oauth import DiscordOAuth
    from bot.web.host import WebHost
    from bot.web.rate_limit import RateLimiter
    from bot.web.sign_in import Session, SignIns
    from bot.web.sign_in_links import SignInLinks
    from bot.web.tokens import ApiTokens, TokenInfo

READ_METHODS = frozenset({"GET", "HEAD"})
NO_TOKEN = (
    "Send your API token as `Authorization: Bearer <token>`; make one with /nexus token create, "
    "or sign in (/nexus web) for an access token."
)
BAD_TOKEN = "That token is not valid: it was revoked, mistyped, or never existed."
READ_ONLY = "This token can only read; make a token with scope `write` to change things."
OTHER_GUILD = "This token belongs to another server."
NOT_A_MEMBER = "You are not a member of that server any more, so its tokens no longer work."
COOKIE_READS_ONLY = (
    "The sign-in cookie only reads; send the access token as `Authorization: Bearer <token>` "
    "to change things."
)
SESSION_COOKIE = "nexus_session"
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
CallerKind = Literal["token", "session"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    bearerFormat="nexus_… or JWT",
    description="A personal API token (`/nexus token create` in Discord) or an access token "
    "(a JWT) from signing in (`/api/v1/auth/…`).",
)
# Web pages read with the sign-in cookie; writes need the bearer header, which a page of
# another site cannot make the browser send (the cookie it could, so it only reads).
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The sign-in cookie the sign-in routes set (reads only).",
)


@dataclass(frozen=True)
class ApiState:
    """What the API's dependencies read, kept on the app (`app.state.nexus`)."""

    host: WebHost
    tokens: ApiTokens
    limiter: RateLimiter
    sign_ins: SignIns
    links: SignInLinks
    oauth: DiscordOAuth


@dataclass(frozen=True)
class Caller:
    guild_id: int
    user_id: int
    tier: Tier
    # "token": a personal API token (`token` says which); "session": a signed-in member.
    kind: CallerKind = "token"
    token: TokenInfo | None = None


def state_of(request: Request) -> ApiState:
    return cast("ApiState", request.app.state.nexus)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    cookie: Annotated[str | None, Security(session_cookie)],
) -> Caller:
    if credentials is not None:
        return await caller_from_secret(request, credentials.credentials)
    if cookie is None:
        raise ApiProblem(401, NO_TOKEN, {"WWW-Authenticate": "Bearer"})
    if request.method not in READ_METHODS:
        raise ApiProblem(403, COOKIE_READS_ONLY)
    return await caller_from_secret(request, cookie)


async def caller_from_secret(request: Request, secret: str) -> Caller:
    """The caller a secret names, checked as every request is: a known token or a valid access
    token, within its rate, scoped for the method, still a member, not blocked from the API;
    with their tier now."""
    state = state_of(request)
    if secret.count(".") == 2:
        # Three dot-separated parts: a JWT (a personal token has no dots).
        try:
            claims = state.sign_ins.codec.read(secret, "access")
        except InvalidToken as error:
            raise ApiProblem(401, str(error), INVALID_TOKEN) from None
        _within_rate(state, ("session", claims.guild_id, claims.user_id))
        tier = await member_tier(state, claims.guild_id, claims.user_id)
        return Caller(claims.guild_id, claims.user_id, tier, "session")
    token = await state.tokens.authenticate(secret)
    if token is None:
        raise ApiProblem(401, BAD_TOKEN, INVALID_TOKEN)
    _within_rate(state, ("token", token.id))
    if request.method not in READ_METHODS and token.scope != "write":
        raise ApiProblem(403, READ_ONLY)
    tier = await member_tier(state, token.guild_id, token.user_id)
    return Caller(token.guild_id, token.user_id, tier, "token", token)


def _within_rate(state: ApiState, key: Hashable) -> None:
    wait = state.limiter.take(key)
    if wait is not None:
        raise ApiProblem(
            429, f"Slow down: this token can call again in {wait} s.", {"Retry-After": str(wait)}
        )


async def member_tier(state: ApiState, guild_id: int, user_id: int) -> Tier:
    """The tier of a member the bot sees in the guild now, not blocked from the API; 403 for
    anyone else."""
    guild = state.host.get_guild(guild_id)
    member = guild.get_member(user_id) if guild is not None else None
    if member is None:
        raise ApiProblem(403, NOT_A_MEMBER)
    await _refuse_blocked(state, guild_id, user_id, API_FEATURE)
    config = await state.host.guild_settings.get(guild_id)
    return tier_of_member(member, config)


async def new_session(state: ApiState, guild_id: int, user_id: int) -> Session:
    """A new sign-in for a member the bot sees in the guild now, with their tier now."""
    tier = await member_tier(state, guild_id, user_id)
    return await state.sign_ins.issue(guild_id, user_id, tier)


async def renewed_session(state: ApiState, refresh_token: str) -> Session:
    """Spend a refresh token (once) for the next pair of its sign-in, with the tier now; the
    API's refresh and a page whose access token ran out both renew this way."""
    spent = await state.sign_ins.spend(refresh_token)
    claims = spent.claims
    tier = await member_tier(state, claims.guild_id, claims.user_id)
    return await state.sign_ins.issue(claims.guild_id, claims.user_id, tier, spent.family)


async def _refuse_blocked(state: ApiState, guild_id: int, user_id: int, feature: str) -> None:
    if await state.host.blocks.is_blocked(guild_id, user_id, feature):
        raise ApiProblem(403, str(FeatureBlocked(feature)))


def member_of_guild(feature: str) -> Callable[..., Awaitable[Caller]]:
    """A route's caller: a valid token of the guild in the path, not blocked from `feature`."""

    async def dependency(
        request: Request,
        guild_id: GuildIdPath,
        caller: Annotated[Caller, Depends(authenticated)],
    ) -> Caller:
        if int(guild_id) != caller.guild_id:
            raise ApiProblem(403, OTHER_GUILD)
        await _refuse_blocked(state_of(request), caller.guild_id, caller.user_id, feature)
        return caller

    return dependency


def loaded_feature(request: Request, name: str) -> FeatureCog:
    """The loaded feature `name`, looked up per request as persistent buttons do: a reloaded
    cog is found anew, an unloaded one answers 503."""
    for feature in state_of(request).host.features:
        if feature.feature == name:
            return feature
    raise ApiProblem(
        503, f"Nexus's {name} feature is restarting; try again in a moment.", {"Retry-After": "5"}
    )
