"""Signed tokens (JWT, HS256): a member's access and refresh tokens, and the OAuth `state`.

Decoding pins the algorithm, so a token that names another (`alg: none`, RS256 with our
secret as a "public key") is refused before its claims are read. Expiry is checked against
the injected clock rather than PyJWT's own reading of the system time, so tests can move time.
A token's tier claim says what the member was when it was issued; the web side never trusts
it and derives the tier from the member's roles on every request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args

import jwt

if TYPE_CHECKING:
    from bot.clock import Clock

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]
TierName = Literal["member", "triager", "moderator"]
# Short enough that a stolen access token is soon useless and that logging out (which revokes
# the refresh token) ends a session within minutes; long enough not to refresh every page.
ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)
# The time a member may spend on Discord's consent page before the callback refuses the state.
STATE_LIFETIME = timedelta(minutes=10)
STATE_TYPE = "oauth_state"
MEMBER_CLAIMS = ("exp", "iat", "sub", "guild", "typ", "jti", "tier")
STATE_CLAIMS = ("exp", "iat", "guild", "typ", "nonce")

EXPIRED = "This access token has expired; refresh it (POST /api/v1/auth/refresh) or sign in again."
INVALID = "This token is not valid: it was altered, signed by someone else, or is not a JWT."
WRONG_TYPE: dict[TokenType, str] = {
    "access": "This is not an access token: a refresh token only buys a new pair at "
    "POST /api/v1/auth/refresh.",
    "refresh": "This is not a refresh token: send the refresh token you got with it.",
}


class InvalidToken(Exception):
    """A token that must not be honoured; the message says why, in words for the caller."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    guild_id: int
    tier: TierName
    typ: TokenType
    jti: str
    issued_at: datetime
    expires_at: datetime


class JwtCodec:
    def __init__(self, secret: bytes, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock

    def issue(
        self, typ: TokenType, user_id: int, guild_id: int, tier: TierName
    ) -> tuple[str, Claims]:
        now = self._clock.now().replace(microsecond=0)
        lifetime = ACCESS_LIFETIME if typ == "access" else REFRESH_LIFETIME
        claims = Claims(
            user_id, guild_id, tier, typ, secrets.token_urlsafe(16), now, now + lifetime
        )
        payload = {
            "sub": str(user_id),
            "guild": str(guild_id),
            "tier": tier,
            "typ": typ,
            "jti": claims.jti,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def read(self, token: str, typ: TokenType) -> Claims:
        """The claims of a valid, unexpired token of type `typ`; InvalidToken otherwise."""
        payload = self._verified(token, MEMBER_CLAIMS)
        if payload["typ"] != typ:
            raise InvalidToken(WRONG_TYPE[typ])
        tier = payload["tier"]
        if tier not in get_args(TierName):
            raise InvalidToken(INVALID)
        try:
            user_id, guild_id = int(payload["sub"]), int(payload["guild"])
        except (TypeError, ValueError):
            raise InvalidToken(INVALID) from None
        return Claims(
            user_id,
            guild_id,
            tier,
            typ,
            str(payload["jti"]),
            _time(payload["iat"]),
            _time(payload["exp"]),
        )

    def sign_state(self, guild_id: int, nonce: str) -> str:
        """OAuth's `state`: the guild asked for and a nonce that must match the browser's cookie."""
        now = self._clock.now()
        payload = {
            "guild": str(guild_id),
            "nonce": nonce,
            "typ": STATE_TYPE,
            "iat": int(now.timestamp()),
            "exp": int((now + STATE_LIFETIME).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def read_state(self, state: str) -> tuple[int, str]:
        """The guild and nonce of a state this Nexus signed, unexpired; InvalidToken otherwise."""
        payload = self._verified(state, STATE_CLAIMS)
        if payload["typ"] != STATE_TYPE:
            raise InvalidToken(INVALID)
        try:
            return int(payload["guild"]), str(payload["nonce"])
        except (TypeError, ValueError):
            raise InvalidToken(INVALID) from None

    def _verified(self, token: str, required: tuple[str, ...]) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                # Present, but timed below by the injected clock.
                options={"require": list(required), "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            raise InvalidToken(INVALID) from None
        if not isinstance(payload["exp"], int) or not isinstance(payload["iat"], int):
            raise InvalidToken(INVALID)
        if _time(payload["exp"]) <= self._clock.now():
            raise InvalidToken(EXPIRED if payload.get("typ") == "access" else _expired(payload))
        return payload


def _time(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _expired(payload: dict[str, Any]) -> str:
    if payload.get("typ") == STATE_TYPE:
        return "This sign-in took too long; start again."
    return "This sign-in has expired; sign in again."
