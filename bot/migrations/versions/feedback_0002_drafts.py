"""feedback drafts: reports waiting on the duplicate prompt

Revision ID: feedback_0002
Revises: feedback_0001
Create Date: 2026-11-26 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "feedback_0002"
down_revision: str | Sequence[str] | None = "feedback_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback_drafts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("reporter_id", ID, nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("actual", sa.Text(), nullable=True),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_drafts")),
    )
    with op.batch_alter_table("feedback_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_drafts_guild_id"), ["guild_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_drafts_guild_id"))
    op.drop_table("feedback_drafts")
