"""Personal API tokens: made once, kept as a hash, listed, revoked, and checked per request.

A token names one member in one guild and a scope (read: GET only; write: everything the
member may do). Its secret is shown once, when made; Nexus keeps only the secret's SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import NotFoundError, UserFacingError
from bot.guild_counts import GuildCounts
from bot.models import ApiToken

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
# Every token starts with it, so secret scanners (and people) recognise a leaked one.
# The feature name a moderator blocks a member from the API and the web pages with.
API_FEATURE = "api"
PREFIX = "nexus_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,31}$")
TOKENS_PER_MEMBER = 10
# "Last used" is a hint for the member, not an audit trail: writing it on every request would
# turn each read into a write, so it is refreshed at most this often.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    guild_id: int
    user_id: int
    name: str
    scope: Scope
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    info: TokenInfo
    secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    # A plain SHA-256 suffices: the secret is 32 random bytes (256 bits), so no dictionary or
    # brute force can invert its hash, and a slow password hash (bcrypt, argon2) would only add
    # milliseconds to every request. Kept hashed, a leaked database calls no API.
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    scope: Scope = "write" if row.scope == "write" else "read"
    return TokenInfo(
        row.id, row.guild_id, row.user_id, row.name, scope, row.created_at, row.last_used_at
    )


class ApiTokens:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._counts = GuildCounts(sessions)

    async def create(self, guild_id: int, user_id: int, name: str, scope: str) -> NewToken:
        name = name.strip()
        if not NAME_PATTERN.fullmatch(name):
            raise UserFacingError(
                "Name the token in 1 to 32 letters, digits, spaces, dots, dashes or underscores."
            )
        if scope not in SCOPES:
            raise UserFacingError("A token's scope is `read` or `write`.")
        secret = PREFIX + secrets.token_urlsafe(32)
        try:
            async with self._sessions.begin() as session:
                held = await session.scalar(
                    select(func.count()).where(
                        ApiToken.guild_id == guild_id, ApiToken.user_id == user_id
                    )
                )
                if (held or 0) >= TOKENS_PER_MEMBER:
                    raise UserFacingError(
                        f"You already have {TOKENS_PER_MEMBER} tokens here; revoke one first."
                    )
                row = ApiToken(
                    guild_id=guild_id,
                    user_id=user_id,
                    name=name,
                    scope=scope,
                    secret_hash=hash_secret(secret),
                )
                session.add(row)
                await session.flush()
                info = _info(row)
        except IntegrityError:
            raise UserFacingError(
                f"You already have a token named `{name}`; revoke it or pick another name."
            ) from None
        return NewToken(info, secret)

    async def list(self, guild_id: int, user_id: int) -> list[TokenInfo]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ApiToken)
                .where(ApiToken.guild_id == guild_id, ApiToken.user_id == user_id)
                .order_by(ApiToken.name)
            )
            return [_info(row) for row in rows]

    async def revoke(self, guild_id: int, user_id: int, name: str) -> None:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ApiToken).where(
                    ApiToken.guild_id == guild_id,
                    ApiToken.user_id == user_id,
                    ApiToken.name == name.strip(),
                )
            )
        if not getattr(result, "rowcount", 0):
            raise NotFoundError(f"You have no token named `{name.strip()[:32]}` here.")

    async def forget(self, guild_id: int, user_id: int) -> int:
        """Revoke every token of a member (/admin forget); returns how many there were."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ApiToken).where(ApiToken.guild_id == guild_id, ApiToken.user_id == user_id)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def count(self, guild_id: int) -> int:
        # Kept by the database as tokens come and go (0004_core), not counted here.
        return (await self._counts.of(guild_id)).get("api_tokens", 0)

    async def authenticate(self, secret: str) -> TokenInfo | None:
        """The token a request's secret names, or None (unknown, mistyped or revoked)."""
        if not secret.startswith(PREFIX):
            return None
        # Looked up by hash: the secret itself is never compared, so timing reveals nothing.
        digest = hash_secret(secret)
        async with self._sessions() as session:
            row = await session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest))
            if row is None:
                return None
            info = _info(row)
        now = self._clock.now()
        if info.last_used_at is None or now - info.last_used_at >= LAST_USED_PRECISION:
            async with self._sessions.begin() as session:
                await session.execute(
                    update(ApiToken).where(ApiToken.id == info.id).values(last_used_at=now)
                )
        return info
