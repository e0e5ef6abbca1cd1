"""api sign-ins: refresh tokens and one-time sign-in links

Revision ID: 0003_core
Revises: 0002_core
Create Date: 2026-12-06 18:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "0003_core"
down_revision: str | Sequence[str] | None = "0002_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    big_int = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "api_refresh_tokens",
        sa.Column("id", big_int, autoincrement=True, nullable=False),
        sa.Column("guild_id", big_int, nullable=False),
        sa.Column("user_id", big_int, nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", bot.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_refresh_tokens_token_hash")),
    )
    op.create_index(
        "ix_api_refresh_tokens_guild_id_user_id",
        "api_refresh_tokens",
        ["guild_id", "user_id"],
    )
    op.create_index(
        op.f("ix_api_refresh_tokens_family"), "api_refresh_tokens", ["family"], unique=False
    )
    op.create_table(
        "api_sign_in_links",
        sa.Column("id", big_int, autoincrement=True, nullable=False),
        sa.Column("guild_id", big_int, nullable=False),
        sa.Column("user_id", big_int, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", bot.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_sign_in_links")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_api_sign_in_links_code_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_sign_in_links")
    op.drop_index(op.f("ix_api_refresh_tokens_family"), table_name="api_refresh_tokens")
    op.drop_index("ix_api_refresh_tokens_guild_id_user_id", table_name="api_refresh_tokens")
    op.drop_table("api_refresh_tokens")
