"""run: one row per accepted code run

Revision ID: run_0001
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "run_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("run",)
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = bot.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "code_runs",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("stdin", sa.Text(), nullable=False),
        sa.Column("snippet_id", BIGINT, nullable=True),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("channel_id", BIGINT, nullable=True),
        sa.Column("message_id", BIGINT, nullable=True),
        sa.Column("exit_code", BIGINT, nullable=True),
        sa.Column("signal", sa.String(length=16), nullable=True),
        sa.Column("duration_ms", BIGINT, nullable=True),
        sa.Column("limits_hit", sa.String(length=100), nullable=False),
        sa.Column("output_excerpt", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_runs")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_code_runs_guild_id_user_id_created_at",
        "code_runs",
        ["guild_id", "user_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_code_runs_created_at", "code_runs", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_code_runs_created_at", table_name="code_runs")
    op.drop_index("ix_code_runs_guild_id_user_id_created_at", table_name="code_runs")
    op.drop_table("code_runs")
