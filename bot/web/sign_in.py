"""A signed-in session: an access token and a refresh token, issued, refreshed and ended.

However the member signed in (Discord OAuth2 or a one-time link), they get the same pair. A
refresh spends the old refresh token and issues the next one in the same sign-in (its family).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import UserFacingError
from bot.web.jwt_tokens import InvalidToken

if TYPE_CHECKING:
    from bot.permissions import Tier
    from bot.web.jwt_tokens import Claims, JwtCodec, TierName
    from bot.web.refresh_tokens import RefreshTokens

REUSED = (
    "This refresh token was already used, so it may have been copied: this sign-in is now "
    "ended everywhere. Sign in again."
)
ENDED = "This sign-in has ended (signed out, or refreshed elsewhere); sign in again."


class SignInRefused(UserFacingError):
    http_status = 401

    @property
    def http_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    access: Claims
    refresh: Claims


@dataclass(frozen=True)
class Refreshing:
    """A refresh token just spent: whose it was and which sign-in it continues."""

    claims: Claims
    family: str


def tier_name(tier: Tier) -> TierName:
    names: tuple[TierName, ...] = ("member", "triager", "moderator")
    return names[int(tier)]


class SignIns:
    def __init__(self, codec: JwtCodec, refresh_tokens: RefreshTokens) -> None:
        self.codec = codec
        self._refresh_tokens = refresh_tokens

    async def issue(
        self, guild_id: int, user_id: int, tier: Tier, family: str | None = None
    ) -> Session:
        """A new pair; a sign-in starts a family, a refresh continues its own."""
        name = tier_name(tier)
        access_token, access = self.codec.issue("access", user_id, guild_id, name)
        refresh_token, refresh = self.codec.issue("refresh", user_id, guild_id, name)
        await self._refresh_tokens.record(refresh, family or secrets.token_hex(16))
        return Session(access_token, refresh_token, access, refresh)

    async def spend(self, refresh_token: str) -> Refreshing:
        """Spend a refresh token (once); SignInRefused when it is not one that still works."""
        claims = self._refresh_claims(refresh_token)
        spending = await self._refresh_tokens.spend(claims)
        if spending.outcome == "reused":
            raise SignInRefused(REUSED)
        if spending.family is None:
            raise SignInRefused(ENDED)
        return Refreshing(claims, spending.family)

    async def end(self, refresh_token: str) -> None:
        """Sign out: the refresh token's sign-in ends (its access tokens lapse within minutes).
        Signing out of a sign-in already over is no error: the outcome is the same."""
        await self._refresh_tokens.revoke(self._refresh_claims(refresh_token))

    def _refresh_claims(self, refresh_token: str) -> Claims:
        try:
            return self.codec.read(refresh_token, "refresh")
        except InvalidToken as error:
            raise SignInRefused(str(error)) from None
