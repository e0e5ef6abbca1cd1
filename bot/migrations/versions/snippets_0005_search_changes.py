"""snippets: the log of search changes that keeps each process's search index in step

Revision ID: snippets_0005
Revises: snippets_0004
Create Date: 2026-12-07 00:30:00

Search is answered from a Tantivy index per process (cogs/snippets/tantivy_index.py), derived
from the snippets table. Every write that changes what a snippet is found by adds a row here in
its own transaction. An index with no state yet is built from the table, so existing snippets
need no backfill.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "snippets_0005"
down_revision: str | Sequence[str] | None = "snippets_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snippet_search_changes",
        sa.Column("seq", ID, autoincrement=True, nullable=False),
        sa.Column("snippet_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_snippet_search_changes")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("snippet_search_changes")
