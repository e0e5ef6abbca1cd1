"""snippets tables and their search index

Revision ID: snippets_0001
Revises: 0001_core
Create Date: 2026-11-26 07:40:00

The search index is dialect-specific:
- SQLite: a contentless FTS5 table `snippets_fts` (rowid = snippet id) with prefix indexes for
  3 and 4 characters, and an fts5vocab view of it for document frequencies. Rows are
  written by SnippetService in the same transaction as the snippet.
- PostgreSQL: a `search_vector` tsvector column on `snippets` with a GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "snippets_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("snippets",)
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snippets",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.Column("author_id", BIGINT, nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("star_count", BIGINT, nullable=False),
        sa.Column("channel_id", BIGINT, nullable=True),
        sa.Column("message_id", BIGINT, nullable=True),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snippets")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("snippets", schema=None) as batch_op:
        batch_op.create_index("ix_snippets_guild_id_id", ["guild_id", "id"], unique=False)
        batch_op.create_index(
            "ix_snippets_guild_id_author_id_id", ["guild_id", "author_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_snippets_guild_id_author_id_created_at",
            ["guild_id", "author_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_snippets_guild_id_star_count_id", ["guild_id", "star_count", "id"], unique=False
        )

    op.create_table(
        "snippet_stars",
        sa.Column("snippet_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("user_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["snippet_id"],
            ["snippets.id"],
            name=op.f("fk_snippet_stars_snippet_id_snippets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snippet_id", "user_id", name=op.f("pk_snippet_stars")),
    )
    with op.batch_alter_table("snippet_stars", schema=None) as batch_op:
        batch_op.create_index(
            "ix_snippet_stars_guild_id_user_id", ["guild_id", "user_id"], unique=False
        )
        batch_op.create_index(
            "ix_snippet_stars_guild_id_created_at", ["guild_id", "created_at"], unique=False
        )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # --- SQLite: FTS5 ------------------------------------------------------------------
        # Contentless (the text lives once, in `snippets`); prefix indexes make `retr*` fast.
        op.execute(
            "CREATE VIRTUAL TABLE snippets_fts USING fts5("
            "title, description, tags, code, parts, filters, "
            "content='', prefix='3 4', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute("CREATE VIRTUAL TABLE snippets_fts_vocab USING fts5vocab(snippets_fts, 'row')")
    else:
        # --- PostgreSQL: tsvector + GIN ----------------------------------------------------
        op.execute("ALTER TABLE snippets ADD COLUMN search_vector tsvector")
        op.execute("CREATE INDEX ix_snippets_search_vector ON snippets USING GIN (search_vector)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS snippets_fts_vocab")
        op.execute("DROP TABLE IF EXISTS snippets_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_snippets_search_vector")
    with op.batch_alter_table("snippet_stars", schema=None) as batch_op:
        batch_op.drop_index("ix_snippet_stars_guild_id_created_at")
        batch_op.drop_index("ix_snippet_stars_guild_id_user_id")
    op.drop_table("snippet_stars")
    with op.batch_alter_table("snippets", schema=None) as batch_op:
        batch_op.drop_index("ix_snippets_guild_id_star_count_id")
        batch_op.drop_index("ix_snippets_guild_id_author_id_created_at")
        batch_op.drop_index("ix_snippets_guild_id_author_id_id")
        batch_op.drop_index("ix_snippets_guild_id_id")
    op.drop_table("snippets")
