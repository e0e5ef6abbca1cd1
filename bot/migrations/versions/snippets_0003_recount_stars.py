"""snippets: recount every starred snippet's star_count from its stars

Revision ID: snippets_0003
Revises: snippets_0002
Create Date: 2026-12-06 10:00:00

Before this revision a star was counted by reading `star_count`, adding one in Python and
writing it back, so members starring one snippet at the same moment overwrote each other's
count. `snippet_stars` always held the truth; this puts it back in `star_count` for the snippets
that have stars or a non-zero count (the only ones that can be wrong), a few thousand snippets
at a time (bot/migration_batches.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.migration_batches import run_in_batches

revision: str = "snippets_0003"
down_revision: str | Sequence[str] | None = "snippets_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    run_in_batches(
        op.get_bind(),
        "snippets",
        sa.text(
            "UPDATE snippets SET star_count ="
            " (SELECT count(*) FROM snippet_stars WHERE snippet_stars.snippet_id = snippets.id)"
            " WHERE id > :after AND id <= :last AND (star_count <> 0 OR id IN"
            " (SELECT snippet_id FROM snippet_stars WHERE snippet_id > :after"
            " AND snippet_id <= :last))"
        ),
    )


def downgrade() -> None:
    # The counts were wrong before; there is nothing to restore.
    pass
