"""feedback: an index of items by assignee, for the board's and the list's assignee filter

Revision ID: feedback_0006
Revises: feedback_0005
Create Date: 2026-12-06 22:00:00

Like the other list filters' indexes: the guild and the assignee, then `number`, so a filtered
page is a range scan newest first, with the status and the severity checked inside the index
(the board's columns, its other filters). Without it, `assignee: me` read every item of the
guild to find the few (or none) assigned to the viewer.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "feedback_0006"
down_revision: str | Sequence[str] | None = "feedback_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_feedback_items_guild_assignee_number",
        "feedback_items",
        ["guild_id", "assignee_id", "number", "status", "severity"],
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_items_guild_assignee_number", table_name="feedback_items")
