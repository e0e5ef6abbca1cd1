"""One-time sign-in links (`/nexus web`): sign-in with no OAuth set-up at all.

A link names one member in one guild, lives ten minutes and works once. Its code is 32 random
bytes; Nexus keeps only the code's SHA-256. Using it is one conditional UPDATE, so two clicks
(or two processes) cannot both sign in with it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.errors import UserFacingError
from bot.models import SignInLink
from bot.web.tokens import hash_secret

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

LINK_LIFETIME = timedelta(minutes=10)
LINK_PATH = "/api/v1/auth/link/"
USED = "This sign-in link was already used; links work once. Run /nexus web for a new one."
EXPIRED = "This sign-in link has expired (they last 10 minutes). Run /nexus web for a new one."
UNKNOWN = "This sign-in link is not valid; copy it whole, or run /nexus web for a new one."


class SignInLinkRefused(UserFacingError):
    # A link that does not sign in is the caller's credential failing: 401, as a bad token.
    http_status = 401


@dataclass(frozen=True)
class LinkOwner:
    guild_id: int
    user_id: int


class SignInLinks:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(self, guild_id: int, user_id: int) -> str:
        """A new link's code (shown once); the member's spent and expired links are dropped."""
        code = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SignInLink).where(
                    SignInLink.guild_id == guild_id,
                    SignInLink.user_id == user_id,
                    (SignInLink.expires_at <= now) | SignInLink.used_at.is_not(None),
                )
            )
            session.add(
                SignInLink(
                    guild_id=guild_id,
                    user_id=user_id,
                    code_hash=hash_secret(code),
                    created_at=now,
                    expires_at=now + LINK_LIFETIME,
                )
            )
        return code

    async def use(self, code: str) -> LinkOwner:
        """Spend a link: whose it is, or SignInLinkRefused saying why not (used, expired)."""
        digest = hash_secret(code)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            used = await session.execute(
                update(SignInLink)
                .where(
                    SignInLink.code_hash == digest,
                    SignInLink.used_at.is_(None),
                    SignInLink.expires_at > now,
                )
                .values(used_at=now)
                .returning(SignInLink.guild_id, SignInLink.user_id)
            )
            owner = used.one_or_none()
            if owner is not None:
                return LinkOwner(owner.guild_id, owner.user_id)
            row = await session.scalar(select(SignInLink).where(SignInLink.code_hash == digest))
        if row is None:
            raise SignInLinkRefused(UNKNOWN)
        raise SignInLinkRefused(USED if row.used_at is not None else EXPIRED)

    async def forget(self, guild_id: int, user_id: int) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SignInLink).where(
                    SignInLink.guild_id == guild_id, SignInLink.user_id == user_id
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
