"""feedback placement: whether an item's post is a channel message or a forum post, and the
state of its move between the two when a guild changes feedback.mode

Revision ID: feedback_0004
Revises: feedback_0003
Create Date: 2026-12-06 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "feedback_0004"
down_revision: str | Sequence[str] | None = "feedback_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        # Every item posted before this revision is a message in the feedback channel.
        batch_op.add_column(
            sa.Column("placement", sa.String(length=8), server_default="channel", nullable=False)
        )
        batch_op.add_column(sa.Column("moving_to", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("moved_from_channel_id", ID, nullable=True))
        batch_op.add_column(sa.Column("moved_from_message_id", ID, nullable=True))
        batch_op.add_column(sa.Column("moved_from_thread_id", ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_column("moved_from_thread_id")
        batch_op.drop_column("moved_from_message_id")
        batch_op.drop_column("moved_from_channel_id")
        batch_op.drop_column("moving_to")
        batch_op.drop_column("placement")
