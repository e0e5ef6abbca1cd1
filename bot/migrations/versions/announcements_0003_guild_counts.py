"""announcements: the guild's announcements by status counted as they change

Revision ID: announcements_0003
Revises: announcements_0002
Create Date: 2026-12-07 00:40:00

/admin stats reads these counts from `guild_counts` (bot/count_triggers.py), kept by
triggers in the same transaction as the rows; the rows already there are counted once here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "announcements_0003"
down_revision: str | Sequence[str] | None = "announcements_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (Counted("announcements", "'announcements.' || {row}.status", changes=("status",)),)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
