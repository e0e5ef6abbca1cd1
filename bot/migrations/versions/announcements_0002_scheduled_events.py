"""announcements: the Discord scheduled event an announcement keeps in step, and whether its
post pings the event's interested members

Revision ID: announcements_0002
Revises: announcements_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "announcements_0002"
down_revision: str | Sequence[str] | None = "announcements_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = bot.db.UTCDateTime(timezone=True)
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("event", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("ping_interested", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("event_id", BIGINT, nullable=True))
        batch_op.add_column(sa.Column("event_start", UTC, nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_error", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        for name in (
            "event_error",
            "event_hash",
            "event_start",
            "event_id",
            "ping_interested",
            "event",
        ):
            batch_op.drop_column(name)
