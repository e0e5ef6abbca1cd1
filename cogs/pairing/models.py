"""Pairing tables: profiles, rounds, groups (pairs and trios) with their members, the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class PairProfile(Base):
    """A member who opted in to pairing (kept after `/pair leave`, with `active` false)."""

    __tablename__ = "pair_profiles"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    level: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    paused_until: Mapped[datetime | None]
    # Why the bot paused them (attendance.py: "no_show", "no_answer"); None for a pause they chose.
    pause_reason: Mapped[str | None] = mapped_column(String(16))
    # Answers to groups created before this time no longer count towards an automatic pause (set
    # when one happens, so coming back starts with a clean slate).
    attendance_since: Mapped[datetime | None]
    # "Skip this round" on a round's notice: left out of every round up to this scheduled time.
    skip_until: Mapped[datetime | None]
    # Fairness counters: trios had so far, and rounds sat out or waited since the last match.
    trios: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime] = mapped_column(default=clock_now)
    updated_at: Mapped[datetime] = mapped_column(default=clock_now, onupdate=clock_now)


class PairGuildState(Base):
    """Pairing facts per guild that are not settings: the schedule's own time zone."""

    __tablename__ = "pair_guild_state"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # None: rounds follow the guild's time zone.
    schedule_timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=clock_now, onupdate=clock_now)


class PairRound(Base):
    """One round, with the figures shown in its summary and the seed that replays it."""

    __tablename__ = "pair_rounds"
    __table_args__ = (UniqueConstraint("guild_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[int]
    scheduled_for: Mapped[datetime]
    ran_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16))  # schedule, manual
    started_by: Mapped[int | None]
    seed: Mapped[int]
    participants: Mapped[int]
    pairs: Mapped[int]
    trios: Mapped[int]
    repeats: Mapped[int]
    sat_out: Mapped[int] = mapped_column(default=0)
    total_weight: Mapped[int]
    # Distinct partners per person over every round so far: mean and minimum.
    distinct_partners_mean: Mapped[float]
    distinct_partners_min: Mapped[int]
    # Share of the previous round's groups that said they met (None: no answers to count).
    previous_met_rate: Mapped[float | None]
    # The guild's `pairing.mode` when the round ran, and its groups spanning two tracks.
    mode: Mapped[str] = mapped_column(String(16), default="mixed", server_default="mixed")
    cross_track: Mapped[int] = mapped_column(default=0, server_default="0")
    reminder_due: Mapped[datetime | None]


class PairGroup(Base):
    """A pair or trio: from a round, or from the `/pair now` queue (round_id None)."""

    __tablename__ = "pair_groups"
    __table_args__ = (
        Index("ix_pair_groups_guild_id_id", "guild_id", "id"),
        # The dashboard's answers of a round's groups, counted from the index alone.
        Index("ix_pair_groups_round_id_outcome", "round_id", "outcome"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("pair_rounds.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    weight: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic: Mapped[str | None] = mapped_column(String(200))
    thread_id: Mapped[int | None]
    # Where the members heard about it: thread, dm (thread creation failed), or none yet.
    delivery: Mapped[str] = mapped_column(String(16), default="none")
    outcome: Mapped[str | None] = mapped_column(String(16))  # met, not_met
    answered_by: Mapped[int | None]
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class PairMember(Base):
    __tablename__ = "pair_members"
    __table_args__ = (Index("ix_pair_members_guild_id_user_id", "guild_id", "user_id"),)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("pair_groups.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    guild_id: Mapped[int]


class PairQueueEntry(Base):
    """Someone waiting in `/pair now` until `expires_at`."""

    __tablename__ = "pair_queue"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    topic: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[int | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
