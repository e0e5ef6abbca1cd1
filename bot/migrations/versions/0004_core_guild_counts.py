"""guild counts: each guild's row counts, kept by triggers

Revision ID: 0004_core
Revises: 0003_core
Create Date: 2026-12-07 00:40:00

`count(*)` over a guild's rows took tens of milliseconds per /admin stats at a million snippets;
`guild_counts` holds one row per guild and counter instead, changed by triggers on the counted
tables in the same transaction as their rows (bot/count_triggers.py). The features' own
tables are counted by their own revisions; whichever runs first creates the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "0004_core"
down_revision: str | Sequence[str] | None = "0003_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (
    Counted("audit_log", "'audit_log'"),
    Counted("feature_blocks", "'feature_blocks'"),
    Counted("api_tokens", "'api_tokens'"),
)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
