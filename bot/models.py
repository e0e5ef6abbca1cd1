"""The core's own tables: guild settings, the audit log, feature blocks, occurrence claims and
small key/value bot state, API tokens and sign-ins. Feature tables live in their cog's
`models.py`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class GuildSetting(Base):
    """One per-guild setting set in Discord (`/admin setup`, `/admin config set`)."""

    __tablename__ = "guild_settings"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON-encoded
    updated_by: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock_now, onupdate=clock_now)


class AuditEntry(Base):
    """One moderator action, from any feature: who did what to what, when, with details."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_guild_id_id", "guild_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class FeatureBlock(Base):
    """A member barred from one feature by a moderator (`/admin block`)."""

    __tablename__ = "feature_blocks"
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    feature: Mapped[str] = mapped_column(String(32), primary_key=True)
    blocked_by: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class OccurrenceClaim(Base):
    """The exactly-once guard for scheduled work: one row per (kind, item, scheduled time).

    A firing inserts its row first; a unique violation means another firing (an earlier run of
    this process, or another process) already owns that occurrence, so it must not act.
    """

    __tablename__ = "occurrence_claims"
    __table_args__ = (UniqueConstraint("kind", "item_key", "scheduled_for"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime]
    claimed_at: Mapped[datetime] = mapped_column(default=clock_now)
    claimed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed, done, failed
    result: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None]


class BotState(Base):
    """Small facts the bot keeps between runs (e.g. the hash of the last synced command tree)."""

    __tablename__ = "bot_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=clock_now, onupdate=clock_now)


class ApiToken(Base):
    """A member's personal API token (`/nexus token create`), kept only as a hash.

    Revoking deletes the row, so a revoked token and one that never existed look the same.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    user_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(8))  # read, write
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    last_used_at: Mapped[datetime | None]


class RefreshToken(Base):
    """A signed-in session's refresh token, kept as the SHA-256 of its id so it can be revoked.

    Each refresh spends the row (`used_at`) and adds the next one in the same `family` (one
    sign-in); a spent token shown again means it was copied, and the whole family is revoked.
    """

    __tablename__ = "api_refresh_tokens"
    __table_args__ = (Index("ix_api_refresh_tokens_guild_id_user_id", "guild_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    user_id: Mapped[int]
    family: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInLink(Base):
    """A one-time sign-in link (`/nexus web`), kept as the SHA-256 of its code."""

    __tablename__ = "api_sign_in_links"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    user_id: Mapped[int]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
