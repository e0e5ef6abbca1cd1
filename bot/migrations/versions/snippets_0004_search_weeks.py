"""snippets: a per-guild, per-week count of searches, and an index of snippets by the time
they were shared, for the program dashboard

Revision ID: snippets_0004
Revises: snippets_0003
Create Date: 2026-12-06 21:30:00

Searches were not recorded before. The counter holds no member data (who searched, or for
what, is not kept), so /admin forget has nothing to remove from it; weeks before this revision
show no searches.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "snippets_0004"
down_revision: str | Sequence[str] | None = "snippets_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snippet_search_weeks",
        sa.Column("guild_id", ID, autoincrement=False, nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("searches", ID, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "week_start", name=op.f("pk_snippet_search_weeks")),
    )
    # The dashboard counts a guild's shares in its last weeks: a range of this index.
    op.create_index("ix_snippets_guild_id_created_at", "snippets", ["guild_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_snippets_guild_id_created_at", table_name="snippets")
    op.drop_table("snippet_search_weeks")
