"""feedback: indexes of items and their history by time, for the program dashboard

Revision ID: feedback_0005
Revises: feedback_0004
Create Date: 2026-12-06 21:45:00

The dashboard counts a guild's items opened, and its items resolved, in its last weeks: each is
a range of one of these indexes instead of a read of every item or change the guild has.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "feedback_0005"
down_revision: str | Sequence[str] | None = "feedback_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_feedback_items_guild_id_created_at", "feedback_items", ["guild_id", "created_at"]
    )
    op.create_index(
        "ix_feedback_history_guild_id_created_at", "feedback_history", ["guild_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_history_guild_id_created_at", table_name="feedback_history")
    op.drop_index("ix_feedback_items_guild_id_created_at", table_name="feedback_items")
