"""snippets: guild, language, tag and author lexemes in the PostgreSQL search vector

Revision ID: snippets_0002
Revises: snippets_0001
Create Date: 2026-11-26 09:35:00

PostgreSQL only: every row's `search_vector` gains its filter lexemes ("g <guild>", "l
<language>", "t <hex tag>", "a <author>"), as SQLite's FTS5 index has its `filters` column, so a
search's tsquery ANDs them and the GIN lookup alone narrows to the guild and filters. The
expression is SnippetService's `postgresql_filter_vector` over the row's columns (frozen here, as
a migration must be). SQLite: nothing to do (FTS5 has held the filter tokens since
snippets_0001). Every row is rewritten, a few thousand at a time (bot/migration_batches.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.migration_batches import run_in_batches

revision: str = "snippets_0002"
down_revision: str | Sequence[str] | None = "snippets_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILTER_LEXEMES = (
    "ARRAY['g ' || CAST(guild_id AS text), 'l ' || language]"
    " || ARRAY(SELECT 't ' || encode(convert_to(tag, 'UTF8'), 'hex')"
    "          FROM regexp_split_to_table(tags, '\\s+') AS tag WHERE tag <> '')"
    " || ARRAY(SELECT 'a ' || CAST(author_id AS text) WHERE author_id IS NOT NULL)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # --- PostgreSQL: add the filter lexemes to every existing vector -------------------
        run_in_batches(
            op.get_bind(),
            "snippets",
            sa.text(
                "UPDATE snippets SET search_vector = coalesce(search_vector, ''::tsvector)"
                f" || array_to_tsvector({_FILTER_LEXEMES}) WHERE id > :after AND id <= :last"
            ),
        )
    # SQLite: no-op.


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # --- PostgreSQL: take them out again -----------------------------------------------
        run_in_batches(
            op.get_bind(),
            "snippets",
            sa.text(
                f"UPDATE snippets SET search_vector = ts_delete(search_vector, {_FILTER_LEXEMES})"
                " WHERE id > :after AND id <= :last"
            ),
        )
    # SQLite: no-op.
