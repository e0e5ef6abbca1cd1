"""Who is calling: a personal API token, the member and guild it names, and their tier now.

The tier comes from the member's roles as the bot currently sees them (the gateway keeps its
member cache current), so a demoted moderator loses moderator rights at their next request.
Blocked members are refused as in Discord: blocked from `api`, from every route; blocked from
a feature, from that feature's routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.errors import FeatureBlocked
from bot.permissions import Tier, tier_of_member
from bot.web.fields import GuildIdPath
from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.feature import FeatureCog
    from bot.web.host import WebHost
    from bot.web.rate_limit import RateLimiter
    from bot.web.tokens import ApiTokens, TokenInfo

API_FEATURE = "api"
READ_METHODS = frozenset({"GET", "HEAD"})
NO_TOKEN = (
    "Send your API token as `Authorization: Bearer <token>`; make one with /nexus token create."
)
BAD_TOKEN = "That token is not valid: it was revoked, mistyped, or never existed."
READ_ONLY = "This token can only read; make a token with scope `write` to change things."
OTHER_GUILD = "This token belongs to another server."
NOT_A_MEMBER = "You are not a member of that server any more, so its tokens no longer work."

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    bearerFormat="nexus_…",
    description="A personal API token: `/nexus token create` in Discord.",
)


@dataclass(frozen=True)
class ApiState:
    """What the API's dependencies read, kept on the app (`app.state.nexus`)."""

    host: WebHost
    tokens: ApiTokens
    limiter: RateLimiter


@dataclass(frozen=True)
class Caller:
    token: TokenInfo
    tier: Tier

    @property
    def guild_id(self) -> int:
        return self.token.guild_id

    @property
    def user_id(self) -> int:
        return self.token.user_id


def state_of(request: Request) -> ApiState:
    return cast("ApiState", request.app.state.nexus)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Caller:
    if credentials is None:
        raise ApiProblem(401, NO_TOKEN, {"WWW-Authenticate": "Bearer"})
    return await caller_from_secret(request, credentials.credentials)


async def caller_from_secret(request: Request, secret: str) -> Caller:
    """The caller a token's secret names, checked as every request is: known, within its rate,
    scoped for the method, still a member, not blocked from the API; with their tier now."""
    state = state_of(request)
    token = await state.tokens.authenticate(secret)
    if token is None:
        raise ApiProblem(401, BAD_TOKEN, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    wait = state.limiter.take(token.id)
    if wait is not None:
        raise ApiProblem(
            429, f"Slow down: this token can call again in {wait} s.", {"Retry-After": str(wait)}
        )
    if request.method not in READ_METHODS and token.scope != "write":
        raise ApiProblem(403, READ_ONLY)
    guild = state.host.get_guild(token.guild_id)
    member = guild.get_member(token.user_id) if guild is not None else None
    if member is None:
        raise ApiProblem(403, NOT_A_MEMBER)
    await _refuse_blocked(state, token, API_FEATURE)
    config = await state.host.guild_settings.get(token.guild_id)
    return Caller(token, tier_of_member(member, config))


async def _refuse_blocked(state: ApiState, token: TokenInfo, feature: str) -> None:
    if await state.host.blocks.is_blocked(token.guild_id, token.user_id, feature):
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
        await _refuse_blocked(state_of(request), caller.token, feature)
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
