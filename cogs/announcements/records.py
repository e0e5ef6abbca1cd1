"""The announcements' result types: an announcement as it now is, what a moderator asked for,
and what one occurrence needs and came to. Frozen, plain values; no Discord, no sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from cogs.announcements.models import Announcement, MissedPolicy, Status
from cogs.announcements.schedule import Recurrence, Repeat, recurrence_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

NEXT_RUNS_SHOWN = 5


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
    event: bool = False
    ping_interested: bool = False
    event_id: int | None = None
    event_start: datetime | None = None
    event_hash: str | None = None
    event_error: str | None = None

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


def info_of(row: Announcement) -> AnnouncementInfo:
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
        event=bool(row.event),
        ping_interested=bool(row.ping_interested),
        event_id=row.event_id,
        event_start=row.event_start,
        event_hash=row.event_hash,
        event_error=row.event_error,
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
    # Also a Discord scheduled event; its post pings the event's interested members.
    event: bool = False
    ping_interested: bool = False


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
    event: bool | None = None
    ping_interested: bool | None = None
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


@dataclass(frozen=True)
class Delivery:
    """One occurrence to post, with everything the poster needs."""

    occurrence_id: int
    announcement_id: int
    guild_id: int
    channel_id: int
    scheduled_for: datetime
    title: str | None
    body: str
    ping_role_id: int | None
    delayed: bool = False
    manual: bool = False
    event: bool = False
    event_id: int | None = None
    ping_interested: bool = False


@dataclass(frozen=True)
class PostResult:
    message_id: int | None
    error: str | None = None
    # True when retrying cannot help (channel gone, permission missing): the announcement fails.
    permanent: bool = False
    # Set when Discord answered 429 (nothing was posted): seconds to wait before trying again.
    retry_after: float | None = None


@dataclass
class BatchReport:
    posted: list[int] = field(default_factory=list)  # occurrence ids
    skipped: list[int] = field(default_factory=list)  # announcement ids
    failed: list[int] = field(default_factory=list)  # announcement ids
    taken: list[int] = field(default_factory=list)  # announcement ids claimed elsewhere

    def merge(self, other: BatchReport) -> None:
        self.posted += other.posted
        self.skipped += other.skipped
        self.failed += other.failed
        self.taken += other.taken
