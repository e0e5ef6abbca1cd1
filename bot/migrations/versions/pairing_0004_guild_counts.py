"""pairing: the guild's active members, rounds and pairings counted as they change

Revision ID: pairing_0004
Revises: pairing_0003
Create Date: 2026-12-07 00:40:00

/admin stats reads these counts from `guild_counts` (bot/count_triggers.py), kept by
triggers in the same transaction as the rows; the rows already there are counted once here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "pairing_0004"
down_revision: str | Sequence[str] | None = "pairing_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (
    Counted(
        "pair_profiles",
        "CASE WHEN {row}.active THEN 'pair_profiles.active' END",
        changes=("active",),
    ),
    Counted("pair_rounds", "'pair_rounds'"),
    Counted("pair_groups", "'pair_groups'"),
)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
