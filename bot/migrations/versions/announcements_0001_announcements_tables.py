"""announcements: the announcements and their claimed occurrences (the exactly-once guard)

Revision ID: announcements_0001
Revises: 0001_core
Create Date: 2026-11-26 07:23:06.086433
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "announcements_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("announcements",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("guild_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=256), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("repeat", sa.String(length=16), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("anchor_local", sa.String(length=19), nullable=False),
        sa.Column(
            "ping_role_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("missed", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_run_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("managed_key", sa.String(length=100), nullable=True),
        sa.Column("managed_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "run_count", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("last_posted_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint(
            "guild_id", "managed_key", name=op.f("uq_announcements_guild_id_managed_key")
        ),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index("ix_announcements_guild_id_id", ["guild_id", "id"], unique=False)
        batch_op.create_index(
            "ix_announcements_status_next_run_at", ["status", "next_run_at"], unique=False
        )

    op.create_table(
        "announcement_occurrences",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("guild_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "announcement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("scheduled_for", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delayed", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("posted_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_occurrences_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_occurrences")),
        sa.UniqueConstraint(
            "announcement_id",
            "scheduled_for",
            name=op.f("uq_announcement_occurrences_announcement_id_scheduled_for"),
        ),
    )
    with op.batch_alter_table("announcement_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_announcement_occurrences_status_claimed_at", ["status", "claimed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement_occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_announcement_occurrences_status_claimed_at")

    op.drop_table("announcement_occurrences")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_status_next_run_at")
        batch_op.drop_index("ix_announcements_guild_id_id")

    op.drop_table("announcements")
