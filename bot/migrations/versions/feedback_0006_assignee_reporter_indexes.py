"""feedback: indexes of items by assignee (the assignee filter) and by reporter and time

Revision ID: feedback_0006
Revises: feedback_0005
Create Date: 2026-12-06 22:00:00

Like the other list filters' indexes: the guild and the assignee, then `number`, so a filtered
page is a range scan newest first, with the status and the severity checked inside the index
(the board's columns, its other filters). Without it, `assignee: me` read every item of the
guild to find the few (or none) assigned to the viewer.

A member's dashboard counts their own items opened in its weeks: with the guild, the reporter
and the time in one index, that is a range of the member's items, where the guild's time index
alone had SQLite read every item of the weeks (40,000 at 100,000 items) to find them.
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
    op.create_index(
        "ix_feedback_items_guild_reporter_created_at",
        "feedback_items",
        ["guild_id", "reporter_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_items_guild_reporter_created_at", table_name="feedback_items")
    op.drop_index("ix_feedback_items_guild_assignee_number", table_name="feedback_items")
