"""Announcements: create, edit, pause, resume, cancel, list — the rules, with no Discord.

Plain ids and strings in, frozen dataclasses out. Every change returns the announcement as it
now is, so the cog can tell the dispatcher its next run (`Dispatcher.track`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update

from bot.db import id_from_text
from bot.errors import NotFoundError, UserFacingError
from bot.text import one_line
from cogs.announcements.models import Announcement, MissedPolicy, Status
from cogs.announcements.render import check_limits
from cogs.announcements.schedule import (
    CRON,
    ParsedWhen,
    Recurrence,
    Repeat,
    ScheduleError,
    format_anchor,
    parse_absolute,
    parse_repeat,
    parse_timezone,
    parse_when,
    recurrence_of,
    to_local_wall,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.hooks import ForgetReport, ForgetRequest

NEXT_RUNS_SHOWN = 5
LIST_PAGE_SIZE = 8


class AnnouncementError(UserFacingError):
    """Something a moderator asked of an announcement that cannot be done."""


@dataclass(frozen=True)
class AnnouncementInfo:
    id: int
    guild_id: int
    channel_id: int
    title: str | None
    body: str
    repeat: str
    cron: str | None
    timezone: str
    anchor_local: str
    ping_role_id: int | None
    missed: str
    status: str
    next_run_at: datetime | None
    managed_key: str | None
    run_count: int
    last_posted_at: datetime | None
    last_message_id: int | None
    failure: str | None
    created_by: int | None

    @property
    def recurrence(self) -> Recurrence:
        return recurrence_of(self.repeat, self.cron, self.timezone, self.anchor_local)

    @property
    def repeat_label(self) -> str:
        return Repeat(self.repeat, self.cron).label

    def next_runs(self, count: int = NEXT_RUNS_SHOWN) -> list[datetime]:
        if self.status != Status.ACTIVE or self.next_run_at is None:
            return []
        return self.recurrence.upcoming(self.next_run_at, count)

    @property
    def label(self) -> str:
        """`#12 · weekly · Standup` — short, for autocomplete and lists."""
        name = self.title or self.body
        return one_line(f"#{self.id} · {self.repeat_label} · {self.status} · {name}", 100)


def _info(row: Announcement) -> AnnouncementInfo:
    return AnnouncementInfo(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        title=row.title,
        body=row.body,
        repeat=row.repeat,
        cron=row.cron,
        timezone=row.timezone,
        anchor_local=row.anchor_local,
        ping_role_id=row.ping_role_id,
        missed=row.missed,
        status=row.status,
        next_run_at=row.next_run_at,
        managed_key=row.managed_key,
        run_count=row.run_count,
        last_posted_at=row.last_posted_at,
        last_message_id=row.last_message_id,
        failure=row.failure,
        created_by=row.created_by,
    )


@dataclass(frozen=True)
class Draft:
    """What a moderator asked for in `/announce create` (or the announcements file)."""

    channel_id: int
    when: str
    body: str
    title: str | None = None
    repeat: str | None = None
    timezone: str | None = None
    ping_role_id: int | None = None
    missed: str = MissedPolicy.POST_LATE.value


@dataclass(frozen=True)
class Edit:
    """Changes from `/announce edit`; None leaves a field as it is."""

    title: str | None = None
    clear_title: bool = False
    body: str | None = None
    channel_id: int | None = None
    ping_role_id: int | None = None
    clear_ping: bool = False
    missed: str | None = None
    # Set (all three) when the schedule changed: it is parsed again and the next run recomputed.
    when: str | None = None
    repeat: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Schedule:
    repeat: Repeat
    tz: ZoneInfo
    anchor_local: str
    next_run_at: datetime


@dataclass(frozen=True)
class ListPage:
    items: list[AnnouncementInfo]
    next_after_id: int | None


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    stripped = title.strip()
    return stripped or None


def check_missed(missed: str) -> str:
    value = missed.strip().lower()
    if value not in (MissedPolicy.POST_LATE, MissedPolicy.SKIP):
        raise AnnouncementError("`missed` takes post_late or skip.")
    return value


def build_schedule(when: str, repeat: str | None, tz: ZoneInfo, now: datetime) -> Schedule:
    """Parse `when` and `repeat` in `tz`; the first run must lie in the future."""
    parsed_repeat = parse_repeat(repeat)
    parsed = parse_when(when, tz, now)
    return _schedule_from(parsed, parsed_repeat, tz, now)


def _schedule_from(parsed: ParsedWhen, repeat: Repeat, tz: ZoneInfo, now: datetime) -> Schedule:
    recurrence = Recurrence(repeat, tz, parsed.local_wall)
    first = recurrence.first_run(parsed.instant)
    if first is None or first <= now:
        raise ScheduleError("That cron expression never matches a time after `when`.")
    anchor = parsed.local_wall if repeat.kind != CRON else to_local_wall(first, tz)
    return Schedule(repeat, tz, format_anchor(anchor), first)


class AnnouncementService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditService) -> None:
        self._sessions = sessions
        self._audit = audit

    # ---- reading --------------------------------------------------------------------------

    async def get(self, guild_id: int, announcement_id: int) -> AnnouncementInfo:
        async with self._sessions() as session:
            row = await self._row(session, guild_id, announcement_id)
        return _info(row)

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
        query = select(Announcement).where(
            Announcement.guild_id == guild_id, Announcement.status != Status.CANCELLED
        )
        if after_id is not None:
            query = query.where(Announcement.id > after_id)
        query = query.order_by(Announcement.id).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.scalars(query)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return ListPage([_info(r) for r in rows], rows[-1].id if more and rows else None)

    async def search(self, guild_id: int, typed: str, limit: int = 25) -> list[AnnouncementInfo]:
        """For id autocomplete: by id prefix or words of the title/body, newest first."""
        query = select(Announcement).where(
            Announcement.guild_id == guild_id, Announcement.status != Status.CANCELLED
        )
        needle = typed.strip().lstrip("#")
        if needle:
            pattern = f"%{needle.replace('%', '').replace('_', '')}%"
            conditions: list[Any] = [
                Announcement.title.ilike(pattern),
                Announcement.body.ilike(pattern),
            ]
            typed_id = id_from_text(needle)
            if typed_id is not None:
                conditions.append(Announcement.id == typed_id)
            query = query.where(or_(*conditions))
        query = query.order_by(Announcement.id.desc()).limit(limit)
        async with self._sessions() as session:
            return [_info(r) for r in (await session.scalars(query)).all()]

    async def count_by_status(self, guild_id: int) -> dict[str, int]:
        query = (
            select(Announcement.status, func.count())
            .where(Announcement.guild_id == guild_id)
            .group_by(Announcement.status)
        )
        async with self._sessions() as session:
            return {str(status): int(n) for status, n in (await session.execute(query)).all()}

    async def stats(self, guild_id: int) -> dict[str, int]:
        counts = await self.count_by_status(guild_id)
        return {
            "active announcements": counts.get(Status.ACTIVE, 0),
            "paused announcements": counts.get(Status.PAUSED, 0),
        }

    async def forget(self, request: ForgetRequest) -> ForgetReport:
        """Announcements belong to the server; only who created them is personal."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Announcement)
                .where(
                    Announcement.guild_id == request.guild_id,
                    Announcement.created_by == request.user_id,
                )
                .values(created_by=None)
            )
        changed = int(getattr(result, "rowcount", 0) or 0)
        return {"announcements anonymised": changed} if changed else {}

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
        )
        _apply_schedule(row, schedule)
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.create",
                f"announcement #{row.id}",
                _audit_details(row),
                session=session,
            )
        return _info(row)

    async def edit(
        self,
        guild_id: int,
        actor_id: int | None,
        announcement_id: int,
        change: Edit,
        now: datetime,
    ) -> AnnouncementInfo:
        async with self._sessions.begin() as session:
            row = await self._row(session, guild_id, announcement_id)
            if row.status == Status.CANCELLED:
                raise AnnouncementError(f"Announcement #{row.id} was cancelled; create a new one.")
            before = _audit_details(row)
            _apply_edit(row, change, now)
            row.updated_at = now
            after = _audit_details(row)
            changed = {k: after[k] for k in after if after[k] != before.get(k)}
            await self._audit.record(
                guild_id,
                actor_id,
                "announcement.edit",
                f"announcement #{row.id}",
                {"changed": changed},
                session=session,
            )
        return _info(row)

    async def pause(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        async with self._sessions.begin() as session:
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
        return _info(row)

    async def resume(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        """Paused or failed → active. Runs that fell due meanwhile are not posted."""
        async with self._sessions.begin() as session:
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
        return _info(row)

    async def cancel(
        self, guild_id: int, actor_id: int | None, announcement_id: int, now: datetime
    ) -> AnnouncementInfo:
        async with self._sessions.begin() as session:
            row = await self._row(session, guild_id, announcement_id)
            if row.status == Status.CANCELLED:
                raise AnnouncementError(f"Announcement #{row.id} is already cancelled.")
            await self._cancel_row(session, row, actor_id, now, reason="cancelled by a moderator")
        return _info(row)

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
        return {(r.guild_id, r.managed_key or ""): _info(r) for r in rows}

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
            return "unchanged", _info(row)
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
            before = _audit_details(row)
            row.channel_id = draft.channel_id
            row.title = title
            row.body = draft.body
            row.ping_role_id = draft.ping_role_id
            row.missed = check_missed(draft.missed)
            row.managed_hash = digest
            row.status = Status.ACTIVE.value
            row.failure = None
            row.updated_at = now
            _apply_schedule(row, schedule)
            after = _audit_details(row)
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
        return _info(row)

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
        return _info(row)


def draft_hash(draft: Draft) -> str:
    encoded = json.dumps(draft.__dict__, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def file_schedule(when: str, repeat: str | None, tz: ZoneInfo, now: datetime) -> Schedule:
    """A file's `when` is the first run of a series; once passed, the series goes on from now.

    Only absolute times are accepted there: "in 2h" would mean something new at every start.
    """
    parsed_repeat = parse_repeat(repeat)
    parsed = parse_absolute(when, tz)
    if parsed is None:
        raise ScheduleError(f"`when` must be an absolute time like `2026-12-01 09:00`: {when!r}")
    recurrence = Recurrence(parsed_repeat, tz, parsed.local_wall)
    first = recurrence.first_run(parsed.instant)
    if first is not None and first <= now:
        first = recurrence.next_after(now)
    if first is None:
        raise ScheduleError(f"{when} is in the past and the announcement does not repeat.")
    anchor = parsed.local_wall if parsed_repeat.kind != CRON else to_local_wall(first, tz)
    return Schedule(parsed_repeat, tz, format_anchor(anchor), first)


def _apply_schedule(row: Announcement, schedule: Schedule) -> None:
    row.repeat = schedule.repeat.kind
    row.cron = schedule.repeat.cron
    row.timezone = schedule.tz.key
    row.anchor_local = schedule.anchor_local
    row.next_run_at = schedule.next_run_at


def _apply_edit(row: Announcement, change: Edit, now: datetime) -> None:
    title = None if change.clear_title else clean_title(change.title) or row.title
    body = change.body if change.body is not None else row.body
    check_limits(title, body)
    row.title = title
    row.body = body
    if change.channel_id is not None:
        row.channel_id = change.channel_id
    if change.clear_ping:
        row.ping_role_id = None
    elif change.ping_role_id is not None:
        row.ping_role_id = change.ping_role_id
    if change.missed is not None:
        row.missed = check_missed(change.missed)
    if change.when is not None:
        tz = parse_timezone(change.timezone) if change.timezone else ZoneInfo(row.timezone)
        _apply_schedule(row, build_schedule(change.when, change.repeat, tz, now))
        if row.status in (Status.DONE, Status.FAILED):
            row.status = Status.ACTIVE.value
            row.failure = None


def local_when_text(info: AnnouncementInfo) -> str:
    """The next run as the moderator would type it in the announcement's zone (edit prefill)."""
    if info.next_run_at is not None:
        wall = to_local_wall(info.next_run_at, ZoneInfo(info.timezone))
    else:
        wall = datetime.fromisoformat(info.anchor_local)
    return wall.strftime("%Y-%m-%d %H:%M" if wall.second == 0 else "%Y-%m-%d %H:%M:%S")


def _audit_details(row: Announcement) -> dict[str, Any]:
    return {
        "channel_id": row.channel_id,
        "title": row.title,
        "body": one_line(row.body, 200),
        "repeat": Repeat(row.repeat, row.cron).label,
        "timezone": row.timezone,
        "next_run_at": row.next_run_at.isoformat() if row.next_run_at else None,
        "ping_role_id": row.ping_role_id,
        "missed": row.missed,
    }
