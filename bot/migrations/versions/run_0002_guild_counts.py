"""run: the guild's code runs counted as they change

Revision ID: run_0002
Revises: run_0001
Create Date: 2026-12-07 00:40:00

/admin stats reads these counts from `guild_counts` (bot/count_triggers.py), kept by
triggers in the same transaction as the rows; the rows already there are counted once here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "run_0002"
down_revision: str | Sequence[str] | None = "run_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (Counted("code_runs", "'code_runs'"),)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
