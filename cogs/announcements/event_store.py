"""What the announcements table keeps of each announcement's Discord event: its id, the start it
was made for, a fingerprint of what it says, and its last failure (audited once per failure).
Plain ids in, records out; no Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from cogs.announcements.models import Announcement
from cogs.announcements.records import AnnouncementInfo, info_of

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService


class EventStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditService) -> None:
        self._sessions = sessions
        self._audit = audit

    async def load(self, announcement_id: int) -> AnnouncementInfo | None:
        async with self._sessions() as session:
            row = await session.get(Announcement, announcement_id)
            return info_of(row) if row is not None else None

    async def managed_with_events(self) -> list[AnnouncementInfo]:
        query = select(Announcement).where(
            Announcement.managed_key.is_not(None),
            or_(Announcement.event.is_(True), Announcement.event_id.is_not(None)),
        )
        async with self._sessions() as session:
            return [info_of(row) for row in (await session.scalars(query)).all()]

    async def record(
        self, announcement_id: int, event_id: int, start: datetime, fingerprint: str
    ) -> None:
        await self._set(
            announcement_id,
            event_id=event_id,
            event_start=start,
            event_hash=fingerprint,
            event_error=None,
        )

    async def forget(self, announcement_id: int) -> None:
        await self._set(
            announcement_id, event_id=None, event_start=None, event_hash=None, event_error=None
        )

    async def fail(self, info: AnnouncementInfo, error: str) -> bool:
        """Keep the failure; True when it is new (so it is logged and audited once)."""
        if info.event_error == error[:300]:
            return False
        async with self._sessions.begin() as session:
            await session.execute(
                update(Announcement)
                .where(Announcement.id == info.id)
                .values(event_error=error[:300])
            )
            await self._audit.record(
                info.guild_id,
                None,
                "announcement.event_failed",
                f"announcement #{info.id}",
                {"error": error},
                session=session,
            )
        return True

    async def _set(self, announcement_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Announcement).where(Announcement.id == announcement_id).values(**values)
            )
