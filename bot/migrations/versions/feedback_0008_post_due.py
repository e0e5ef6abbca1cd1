"""feedback: a new item's first post, due until it is recorded

Revision ID: feedback_0008
Revises: feedback_0007
Create Date: 2026-12-08 01:00:00

A report is answered once it is stored and posted right after; `post_due` marks the items whose
post a crash may have cut off, so the next start makes it. Every item stored before this
revision was posted (or refused) already: the column starts false.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "feedback_0008"
down_revision: str | Sequence[str] | None = "feedback_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends (a constant default: no row is rewritten). Not a
    # batch operation: on SQLite that copies the table, and the count triggers of
    # feedback_0007 would not come along.
    op.add_column(
        "feedback_items",
        sa.Column("post_due", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_feedback_items_guild_post_due", "feedback_items", ["guild_id", "post_due"])


def downgrade() -> None:
    op.drop_index("ix_feedback_items_guild_post_due", table_name="feedback_items")
    op.drop_column("feedback_items", "post_due")  # SQLite ≥ 3.35 drops a column in place
