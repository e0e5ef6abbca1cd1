"""snippets: the guild's snippets and stars counted as they change

Revision ID: snippets_0006
Revises: snippets_0005
Create Date: 2026-12-07 00:40:00

/admin stats reads these counts from `guild_counts` (bot/count_triggers.py), kept by
triggers in the same transaction as the rows; the rows already there are counted once here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.count_triggers import Counted, migrate_down, migrate_up

revision: str = "snippets_0006"
down_revision: str | Sequence[str] | None = "snippets_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = (
    Counted("snippets", "'snippets'"),
    Counted("snippet_stars", "'snippet_stars'"),
)


def upgrade() -> None:
    migrate_up(*COUNTED)


def downgrade() -> None:
    migrate_down(*COUNTED)
