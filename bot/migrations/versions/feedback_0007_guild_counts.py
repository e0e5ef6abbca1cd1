"""feedback: the guild's items by status and its API specs counted as they change

Revision ID: feedback_0007
Revises: feedback_0006
Create Date: 2026-12-07 00:40:00

/admin stats reads these counts from `guild_counts` (bot/count_triggers.py), kept by
triggers in the same transaction as the rows; the rows already there are counted once here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "feedback_0007"
down_revision: str | Sequence[str] | None = "feedback_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (
    Counted("feedback_items", "'feedback_items.' || {row}.status", changes=("status",)),
    Counted("feedback_specs", "'feedback_specs'"),
)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
