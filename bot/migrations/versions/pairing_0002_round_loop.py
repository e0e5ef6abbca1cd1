"""pairing: skipping a round, automatic pauses, and each round's mode and cross-track groups

Revision ID: pairing_0002
Revises: pairing_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "pairing_0002"
down_revision: str | Sequence[str] | None = "pairing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = bot.db.UTCDateTime(timezone=True)
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("pair_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("attendance_since", UTC, nullable=True))
        batch_op.add_column(sa.Column("skip_until", UTC, nullable=True))
    with op.batch_alter_table("pair_rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mode", sa.String(length=16), server_default="mixed", nullable=False)
        )
        batch_op.add_column(sa.Column("cross_track", BIGINT, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pair_rounds", schema=None) as batch_op:
        batch_op.drop_column("cross_track")
        batch_op.drop_column("mode")
    with op.batch_alter_table("pair_profiles", schema=None) as batch_op:
        batch_op.drop_column("skip_until")
        batch_op.drop_column("attendance_since")
        batch_op.drop_column("pause_reason")
