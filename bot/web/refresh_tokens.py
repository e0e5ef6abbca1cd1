"""Refresh tokens on the server's side: recorded when issued, spent once, revocable.

The token itself is a signed JWT; what is stored is the SHA-256 of its id (`jti`), so the
database alone can mint nothing. Spending is one conditional UPDATE, so of two requests with
the same refresh token exactly one wins, in one process or several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, func, select, update

from bot.models import RefreshToken
from bot.web.tokens import hash_secret

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock
    from bot.web.jwt_tokens import Claims

Spent = Literal["spent", "reused", "unknown"]


@dataclass(frozen=True)
class Spending:
    outcome: Spent
    family: str | None  # the sign-in the token belongs to, when known


class RefreshTokens:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(self, claims: Claims, family: str) -> None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            # The member's dead rows go as new ones come: the table holds live sign-ins only.
            await session.execute(
                delete(RefreshToken).where(
                    RefreshToken.guild_id == claims.guild_id,
                    RefreshToken.user_id == claims.user_id,
                    RefreshToken.expires_at <= now,
                )
            )
            session.add(
                RefreshToken(
                    guild_id=claims.guild_id,
                    user_id=claims.user_id,
                    family=family,
                    token_hash=hash_secret(claims.jti),
                    created_at=now,
                    expires_at=claims.expires_at,
                )
            )

    async def spend(self, claims: Claims) -> Spending:
        """Spend a refresh token once. Shown again after it was spent, it was copied: the whole
        sign-in (its family) is revoked, the thief's copy and the member's alike."""
        digest = hash_secret(claims.jti)
        async with self._sessions.begin() as session:
            spent = await session.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == digest, RefreshToken.used_at.is_(None))
                .values(used_at=self._clock.now())
                .returning(RefreshToken.family)
            )
            family = spent.scalar_one_or_none()
            if family is not None:
                return Spending("spent", family)
            family = await session.scalar(
                select(RefreshToken.family).where(RefreshToken.token_hash == digest)
            )
            if family is None:
                return Spending("unknown", None)
            await session.execute(delete(RefreshToken).where(RefreshToken.family == family))
            return Spending("reused", family)

    async def revoke(self, claims: Claims) -> None:
        """End the sign-in this refresh token belongs to (nothing, when it is already over)."""
        async with self._sessions.begin() as session:
            family = await session.scalar(
                select(RefreshToken.family).where(
                    RefreshToken.token_hash == hash_secret(claims.jti)
                )
            )
            if family is not None:
                await session.execute(delete(RefreshToken).where(RefreshToken.family == family))

    async def forget(self, guild_id: int, user_id: int) -> int:
        """End every sign-in of a member (/admin forget); returns how many there were."""
        async with self._sessions.begin() as session:
            families = await session.scalar(
                select(func.count(func.distinct(RefreshToken.family))).where(
                    RefreshToken.guild_id == guild_id, RefreshToken.user_id == user_id
                )
            )
            await session.execute(
                delete(RefreshToken).where(
                    RefreshToken.guild_id == guild_id, RefreshToken.user_id == user_id
                )
            )
        return int(families or 0)
