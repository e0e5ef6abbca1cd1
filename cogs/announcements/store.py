"""The announcements store: read, create, edit, pause, resume and cancel announcements, and
keep the ones the announcements file declares — the rules applied, with no Discord.

Plain ids and strings in, frozen records out. Every change returns the announcement as it now
is, so the cog can tell the dispatcher its next run (`Dispatcher.track`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from bot.db import id_from_text
from bot.errors import NotFoundError
from bot.in_place_reads import in_place_reads
from bot.in_place_writes import in_place_writes
from bot.sql import LIKE_ESCAPE, contains_pattern
from cogs.announcements.models import Announcement, Status
from cogs.announcements.reads import CANCEL, FIRST_PAGE, LATER_PAGE, ONE, info_from_row
from cogs.announcements.records import AnnouncementInfo, Draft, Edit, ListPage, Schedule, info_of
from cogs.announcements.render import check_limits
from cogs.announcements.rules import (
    AnnouncementError,
    apply_edit,
    apply_schedule,
    audit_details,
    build_schedule,
    check_missed,
    clean_title,
    draft_hash,
    file_schedule,
)
from cogs.announcements.schedule import parse_timezone, recurrence_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService

LIST_PAGE_SIZE = 8


class AnnouncementStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditService) -> None:
        self._sessions = sessions
        self._audit = audit
        # Reads of one statement (reads.py): no transaction around them on PostgreSQL.
        self._reads = in_place_reads(sessions.kw["bind"])

    # ---- reading --------------------------------------------------------------------------

    async def get(self, guild_id: int, announcement_id: int) -> AnnouncementInfo:
        rows = await self._reads.rows(ONE, {"id": announcement_id, "guild_id": guild_id})
        row = rows[0] if rows else None
        if row is None:
            raise NotFoundError(f"There is no announcement #{announcement_id} in this server.")
        return info_from_row(row)

    async def _row(
        self, session: AsyncSession, guild_id: int, announcement_id: int
    ) -> Announcement:
        row = await session.get(Announcement, announcement_id)
        if row is None or row.guild_id != guild_id:
            raise NotFoundError(f"There is no announcement #{announcement_id} in this server.")
        return row

    async def list_page(
        self, guild_id: int, after_id: int | None = None, limit: int = LIST_PAGE_SIZE
    ) -> ListPage:
        """Not-cancelled announcements, oldest id first, by keyset on id (never OFFSET)."""
        params = {"guild_id": guild_id, "limit": limit + 1}
        if after_id is not None:
            params["after_id"] = after_id
        rows = await self._reads.rows(FIRST_PAGE if after_id is None else LATER_PAGE, params)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [info_from_row(r) for r in rows]
        return ListPage(items, items[-1].id if more and items else None)

    async def search(self, guild_id: int, typed: str, limit: int = 25) -> list[AnnouncementInfo]:
        """For id autocomplete: by id prefix or words of the title/body, newest first."""
        query = select(Announcement).where(
            Announcement.guild_id == guild_id, Announcement.status != Status.CANCELLED
        )
        needle = typed.strip().lstrip("#")
        if needle:
            pattern = contains_pattern(needle)
            conditions: list[Any] = [
                Announcement.title.ilike(pattern, escape=LIKE_ESCAPE),
                Announcement.body.ilike(pattern, escape=LIKE_ESCAPE),
            ]
            typed_id = id_from_text(needle)
            if typed_id is not None:
                conditions.append(Announcement.id == typed_id)
            query = query.where(or_(*conditions))
        query = query.order_by(Announcement.id.desc()).limit(limit)
        async with self._sessions() as session:
            return [info_of(r) for r in (await session.scalars(query)).all()]

    # ---- changing -------------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        actor_id: int | None,
        draft: Draft,
        guild_tz: ZoneInfo,
        now: datetime,
        *,
        schedule: Schedule | None = None,
        managed_key: str | None = None,
        managed_hash: str | None = None,
    ) -> AnnouncementInfo:
        """Validate everything first: on any error nothing is stored or scheduled."""
        title = clean_title(draft.title)
        check_limits(title, draft.body)
        missed = check_missed(draft.missed)
        if schedule is None:
            tz = parse_timezone(draft.timezone) if draft.timezone else guild_tz
            schedule = build_schedule(draft.when, draft.repeat, tz, now)
        row = Announcement(
            guild_id=guild_id,
            channel_id=draft.channel_id,
            title=title,
            body=draft.body,
            ping_role_id=draft.ping_role_id,
            missed=missed,
            status=Status.ACTIVE.value,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
            managed_key=managed_key,
            managed_hash=managed_hash,
            event=draft.event,
            ping_interested=draft.ping_interested,
        )
        apply_schedule(row, schedule)
        async with in_place_writes(self._sessions).session() as session:
            session.add(row)
            await session.flush()
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.create",
                f"announcement #{row.id}",
                audit_details(row),
                session=session,
            )
        return info_of(row)

    async def edit(
        self,
        guild_id: int,
        actor_id: int | None,
        announcement_id: int,
        change: Edit,
        now: datetime,
    ) -> AnnouncementInfo:
        async with in_place_writes(self._sessions).session() as session:
            row = await self._row(session, guild_id, announcement_id)
            if row.status == Status.CANCELLED:
                raise AnnouncementError(f"Announcement #{row.id} was cancelled; create a new one.")
            before = audit_details(row)
            apply_edit(row, change, now)
            row.updated_at = now
            after = audit_details(row)
            changed = {k: after[k] for k in after if after[k] != before.get(k)}
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.edit",
                f"announcement #{row.id}",
                {"changed": changed},
                session=session,
            )
        return info_of(row)

    async def pause(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        async with in_place_writes(self._sessions).session() as session:
            row = await self._row(session, guild_id, announcement_id)
            if row.status != Status.ACTIVE:
                raise AnnouncementError(
                    f"Announcement #{row.id} is {row.status}; only active ones can be paused."
                )
            row.status = Status.PAUSED.value
            row.updated_at = now
            await self._audit.record(
                guild_id, actor_id, "announcement.pause", f"announcement #{row.id}", session=session
            )
        return info_of(row)

    async def resume(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        """Paused or failed → active. Runs that fell due meanwhile are not posted."""
        async with in_place_writes(self._sessions).session() as session:
            row = await self._row(session, guild_id, announcement_id)
            if row.status not in (Status.PAUSED, Status.FAILED):
                raise AnnouncementError(
                    f"Announcement #{row.id} is {row.status}; only paused or failed ones resume."
                )
            next_run = row.next_run_at
            if next_run is None or next_run <= now:
                recurrence = recurrence_of(row.repeat, row.cron, row.timezone, row.anchor_local)
                next_run = recurrence.next_after(now)
            if next_run is None:
                raise AnnouncementError(
                    f"Announcement #{row.id} was a one-off whose time has passed. Use "
                    f"`/announce edit` to give it a new time, or `/announce send` to post it now."
                )
            row.status = Status.ACTIVE.value
            row.next_run_at = next_run
            row.failure = None
            row.updated_at = now
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.resume",
                f"announcement #{row.id}",
                {"next_run_at": next_run.isoformat()},
                session=session,
            )
        return info_of(row)

    async def cancel(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        keys = {"announcement_id": announcement_id, "in_guild": guild_id, "at": now}
        async with in_place_writes(self._sessions).connection() as connection:
            row = (await connection.execute(CANCEL, keys)).first()
            if row is None:
                # Which of the two: the read sees the row as the UPDATE left it.
                if await connection.scalar(ONE, {"id": announcement_id, "guild_id": guild_id}):
                    raise AnnouncementError(
                        f"Announcement #{announcement_id} is already cancelled."
                    )
                raise NotFoundError(f"There is no announcement #{announcement_id} in this server.")
            info = info_from_row(row)
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.cancel",
                f"announcement #{info.id}",
                {"reason": "cancelled by a moderator", "managed_key": info.managed_key},
                session=connection,
            )
        return info

    async def _cancel_row(
        self,
        session: AsyncSession,
        row: Announcement,
        actor_id: int | None,
        now: datetime,
        *,
        reason: str,
    ) -> None:
        row.status = Status.CANCELLED.value
        row.next_run_at = None
        row.updated_at = now
        await self._audit.record(
            row.guild_id,
            actor_id,
            "announcement.cancel",
            f"announcement #{row.id}",
            {"reason": reason, "managed_key": row.managed_key},
            session=session,
        )

    # ---- the announcements file -----------------------------------------------------------

    async def managed(self) -> dict[tuple[int, str], AnnouncementInfo]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(Announcement).where(Announcement.managed_key.is_not(None))
                )
            ).all()
        return {(r.guild_id, r.managed_key or ""): info_of(r) for r in rows}

    async def upsert_managed(
        self, guild_id: int, key: str, draft: Draft, guild_tz: ZoneInfo, now: datetime
    ) -> tuple[str, AnnouncementInfo | None]:
        """Create or update one file-declared announcement; ("unchanged"|"created"|"updated")."""
        digest = draft_hash(draft)
        async with self._sessions() as session:
            row = await session.scalar(
                select(Announcement).where(
                    Announcement.guild_id == guild_id, Announcement.managed_key == key
                )
            )
        if row is not None and row.managed_hash == digest and row.status != Status.CANCELLED:
            return "unchanged", info_of(row)
        tz = parse_timezone(draft.timezone) if draft.timezone else guild_tz
        schedule = file_schedule(draft.when, draft.repeat, tz, now)
        if row is None:
            created = await self.create(
                guild_id,
                None,
                draft,
                guild_tz,
                now,
                schedule=schedule,
                managed_key=key,
                managed_hash=digest,
            )
            return "created", created
        return "updated", await self._replace_managed(row.id, draft, digest, schedule, now)

    async def _replace_managed(
        self, announcement_id: int, draft: Draft, digest: str, schedule: Schedule, now: datetime
    ) -> AnnouncementInfo:
        title = clean_title(draft.title)
        check_limits(title, draft.body)
        async with self._sessions.begin() as session:
            row = await session.get(Announcement, announcement_id)
            assert row is not None
            before = audit_details(row)
            row.channel_id = draft.channel_id
            row.title = title
            row.body = draft.body
            row.ping_role_id = draft.ping_role_id
            row.missed = check_missed(draft.missed)
            row.event, row.ping_interested = draft.event, draft.ping_interested
            row.managed_hash = digest
            row.status = Status.ACTIVE.value
            row.failure = None
            row.updated_at = now
            apply_schedule(row, schedule)
            after = audit_details(row)
            await self._audit.record(
                row.guild_id,
                None,
                "announcement.edit",
                f"announcement #{row.id}",
                {
                    "source": "announcements file",
                    "changed": {k: after[k] for k in after if after[k] != before.get(k)},
                },
                session=session,
            )
        return info_of(row)

    async def remove_managed(
        self, guild_id: int, key: str, now: datetime
    ) -> AnnouncementInfo | None:
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(Announcement).where(
                    Announcement.guild_id == guild_id, Announcement.managed_key == key
                )
            )
            if row is None or row.status == Status.CANCELLED:
                return None
            await self._cancel_row(
                session, row, None, now, reason="removed from the announcements file"
            )
        return info_of(row)
