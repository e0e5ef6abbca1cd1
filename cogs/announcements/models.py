"""The announcements tables: what to post when, and each occurrence that was claimed.

`announcements.next_run_at` is the truth the in-memory dispatcher is rebuilt from at start.
`announcement_occurrences` is the exactly-once guard: one row per (announcement, scheduled
time), inserted *before* anything is posted; a unique violation means someone else owns it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class Status(StrEnum):
    ACTIVE = "active"  # scheduled; next_run_at is set
    PAUSED = "paused"  # kept, posts nothing until resumed
    FAILED = "failed"  # the channel is gone or the bot may not post there; resume to retry
    DONE = "done"  # a one-off that has run
    CANCELLED = "cancelled"  # cancelled by a moderator or removed from the announcements file


class MissedPolicy(StrEnum):
    POST_LATE = "post_late"
    SKIP = "skip"


class OccurrenceStatus(StrEnum):
    CLAIMED = "claimed"  # owned by one dispatcher, being posted
    POSTED = "posted"
    SKIPPED = "skipped"  # missed while the bot was down, and not posted by policy
    FAILED = "failed"  # Discord refused it (see `error`)
    UNKNOWN = "unknown"  # the bot stopped between claiming and recording: never reposted


class Announcement(Base):
    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_guild_id_id", "guild_id", "id"),
        # The dispatcher's rebuild reads (id, next_run_at) of every active row.
        Index("ix_announcements_status_next_run_at", "status", "next_run_at"),
        UniqueConstraint("guild_id", "managed_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    channel_id: Mapped[int]
    title: Mapped[str | None] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    # none, daily, weekly, monthly or cron (then `cron` holds the 5-field expression).
    repeat: Mapped[str] = mapped_column(String(16), default="none")
    cron: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    # The local wall time the moderator asked for ("2027-03-28T02:30"): daily/weekly/monthly keep
    # this time of day (and weekday / day of month) in `timezone`, across DST changes.
    anchor_local: Mapped[str] = mapped_column(String(19))
    ping_role_id: Mapped[int | None]
    missed: Mapped[str] = mapped_column(String(16), default=MissedPolicy.POST_LATE.value)
    status: Mapped[str] = mapped_column(String(16), default=Status.ACTIVE.value)
    next_run_at: Mapped[datetime | None]
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    updated_at: Mapped[datetime] = mapped_column(default=clock_now)
    # Set for announcements declared in the announcements file: their key and content hash.
    managed_key: Mapped[str | None] = mapped_column(String(100))
    managed_hash: Mapped[str | None] = mapped_column(String(64))
    run_count: Mapped[int] = mapped_column(default=0)
    last_posted_at: Mapped[datetime | None]
    last_message_id: Mapped[int | None]
    failure: Mapped[str | None] = mapped_column(String(300))
    # The Discord scheduled event kept in step with the announcement (event_sync.py): wanted or
    # not, its id, the start it was made for, a hash of what it says, and its last failure.
    event: Mapped[bool] = mapped_column(default=False, server_default=false())
    ping_interested: Mapped[bool] = mapped_column(default=False, server_default=false())
    event_id: Mapped[int | None]
    event_start: Mapped[datetime | None]
    event_hash: Mapped[str | None] = mapped_column(String(64))
    event_error: Mapped[str | None] = mapped_column(String(300))


class AnnouncementOccurrence(Base):
    __tablename__ = "announcement_occurrences"
    __table_args__ = (
        UniqueConstraint("announcement_id", "scheduled_for"),
        Index("ix_announcement_occurrences_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime]
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    # True when posted later than scheduled (missed while the bot was down, posted late).
    delayed: Mapped[bool] = mapped_column(default=False)
    # True for `/announce send`: posted on demand, outside the schedule.
    manual: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[int | None]
    posted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[str | None] = mapped_column(Text)


# The tables as Core objects: the dispatcher's batch statements run without ORM overhead.
ANNOUNCEMENTS = cast(Table, Announcement.__table__)
OCCURRENCES = cast(Table, AnnouncementOccurrence.__table__)
