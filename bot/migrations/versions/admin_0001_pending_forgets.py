"""admin: members waiting to be forgotten after leaving

Revision ID: admin_0001
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "admin_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("admin",)
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "admin_pending_forgets",
        sa.Column("guild_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("user_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("left_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_admin_pending_forgets")),
    )
    op.create_index(
        "ix_admin_pending_forgets_due_at", "admin_pending_forgets", ["due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_admin_pending_forgets_due_at", table_name="admin_pending_forgets")
    op.drop_table("admin_pending_forgets")
