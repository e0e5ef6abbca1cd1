"""The feedback tables: items, their history, +1 votes, watchers, per-guild numbering and API
specs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class FeedbackCounter(Base):
    """The last number handed out in a guild, so items read FB-1, FB-2 … per guild."""

    __tablename__ = "feedback_counters"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class FeedbackItem(Base):
    """One piece of feedback on one endpoint of an API."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        UniqueConstraint("guild_id", "number"),
        # One index per list filter, each continuing with `number` so a filtered page is a range
        # scan in the order the list is shown (newest first), never a sort of the whole guild.
        # The columns after `number` let the other filters be checked inside the index, without
        # reading each row, so a rare combination of filters on a busy path stays cheap.
        Index("ix_feedback_items_guild_status_number", "guild_id", "status", "number", "severity"),
        Index(
            "ix_feedback_items_guild_path_number",
            "guild_id",
            "path",
            "number",
            "method",
            "status",
            "severity",
        ),
        Index(
            "ix_feedback_items_guild_severity_number", "guild_id", "severity", "number", "status"
        ),
        # `/feedback list sort:+1s`: most +1s first, then newest, as a keyset range.
        Index("ix_feedback_items_guild_plus_ones_number", "guild_id", "plus_ones", "number"),
        Index(
            "ix_feedback_items_guild_reporter_number",
            "guild_id",
            "reporter_id",
            "number",
            "status",
            "severity",
        ),
        # The assignee filter (`me`, `nobody`, a member's id).
        Index(
            "ix_feedback_items_guild_assignee_number",
            "guild_id",
            "assignee_id",
            "number",
            "status",
            "severity",
        ),
        # The dashboard's weeks: a guild's items opened in a window of time, and a member's.
        Index("ix_feedback_items_guild_id_created_at", "guild_id", "created_at"),
        Index(
            "ix_feedback_items_guild_reporter_created_at", "guild_id", "reporter_id", "created_at"
        ),
        # The few items whose first post is still to be made, found at start without a scan.
        Index("ix_feedback_items_guild_post_due", "guild_id", "post_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    number: Mapped[int]
    # None once the reporter asked to be forgotten (/admin forget).
    reporter_id: Mapped[int | None]
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(200))
    # True/False against the guild's registered specs at intake; None when none was registered.
    in_spec: Mapped[bool | None]
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_items.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None]
    plus_ones: Mapped[int] = mapped_column(default=0)
    channel_id: Mapped[int | None]
    message_id: Mapped[int | None]
    thread_id: Mapped[int | None]
    # Where the post is: "channel" (a message and its thread) or "forum" (a forum post). An item
    # keeps its placement when the guild's feedback.mode changes until it is moved (open items).
    placement: Mapped[str] = mapped_column(String(8), default="channel", server_default="channel")
    # A move between placements, started and not yet finished: claimed before the new post is
    # made, so a restart finds the post it made instead of making another.
    moving_to: Mapped[str | None] = mapped_column(String(8))
    # The item's first post is still to be made: set as a report is stored (its reporter is
    # answered then), cleared once the post is recorded or Discord refused it. A start posts
    # what a crash left due (item_flow.py), after looking for a post made but not recorded.
    post_due: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The post the item moved from, until it links to the new one and is archived.
    moved_from_channel_id: Mapped[int | None]
    moved_from_message_id: Mapped[int | None]
    moved_from_thread_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    updated_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeedbackHistory(Base):
    """One change to an item: who did what, when, from which value to which, with a note."""

    __tablename__ = "feedback_history"
    __table_args__ = (
        Index("ix_feedback_history_item_id_id", "item_id", "id"),
        # The dashboard's weeks: a guild's changes in a window of time.
        Index("ix_feedback_history_guild_id_created_at", "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"))
    # None for the bot itself, or once the actor asked to be forgotten.
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeedbackVote(Base):
    """A member's +1 on an item ("Add my details to FB-N"): counted once per member."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"))
    user_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeedbackWatcher(Base):
    """A member told when an item's status changes: its reporter, everyone who +1'd it, the
    reporters of its duplicates, and anyone who asked. `dm` says they asked for a direct
    message instead of a mention in the item's thread."""

    __tablename__ = "feedback_watchers"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"))
    user_id: Mapped[int]
    dm: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeedbackSpec(Base):
    """An OpenAPI 3 / Swagger 2 document registered in a guild, by name."""

    __tablename__ = "feedback_specs"
    __table_args__ = (UniqueConstraint("guild_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(64))
    spec_format: Mapped[str] = mapped_column(String(32))  # "OpenAPI 3.1.0", "Swagger 2.0"
    added_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    fetched_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeedbackOperation(Base):
    """One operation (method + path template) of a registered spec."""

    __tablename__ = "feedback_operations"
    __table_args__ = (Index("ix_feedback_operations_guild_id_path", "guild_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    spec_id: Mapped[int] = mapped_column(ForeignKey("feedback_specs.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(200))


class FeedbackDraft(Base):
    """A report waiting on its reporter's answer to the duplicate prompt.

    Kept in the database (not in a view) so the prompt's buttons work after a restart and in
    any bot process; it is deleted when used, and a day-old one is purged.
    """

    __tablename__ = "feedback_drafts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    reporter_id: Mapped[int | None]
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
