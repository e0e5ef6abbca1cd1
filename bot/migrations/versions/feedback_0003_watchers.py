"""feedback watchers: who is told when an item's status changes; items sorted by +1s

Revision ID: feedback_0003
Revises: feedback_0002
Create Date: 2026-12-06 15:40:00

Items and +1s logged before this revision make their watchers a few thousand rows at a time
(bot/migration_batches.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db
from bot.migration_batches import run_in_batches

revision: str = "feedback_0003"
down_revision: str | Sequence[str] | None = "feedback_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    watchers = op.create_table(
        "feedback_watchers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("dm", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_watchers_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_watchers")),
        sa.UniqueConstraint(
            "item_id", "user_id", name=op.f("uq_feedback_watchers_item_id_user_id")
        ),
    )
    with op.batch_alter_table("feedback_watchers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_watchers_guild_id"), ["guild_id"], unique=False
        )
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_items_guild_plus_ones_number",
            ["guild_id", "plus_ones", "number"],
            unique=False,
        )
    # Items logged before this revision: their reporters and +1'ers watch them, as new ones do.
    items = sa.table(
        "feedback_items",
        sa.column("id", ID),
        sa.column("guild_id", ID),
        sa.column("reporter_id", ID),
        sa.column("created_at", bot.db.UTCDateTime(timezone=True)),
    )
    votes = sa.table(
        "feedback_votes",
        sa.column("id", ID),
        sa.column("item_id", ID),
        sa.column("guild_id", ID),
        sa.column("user_id", ID),
        sa.column("created_at", bot.db.UTCDateTime(timezone=True)),
    )
    columns = ["guild_id", "item_id", "user_id", "dm", "created_at"]
    after, last = sa.bindparam("after", type_=ID), sa.bindparam("last", type_=ID)
    run_in_batches(
        op.get_bind(),
        "feedback_items",
        watchers.insert().from_select(
            columns,
            sa.select(
                items.c.guild_id, items.c.id, items.c.reporter_id, sa.false(), items.c.created_at
            ).where(items.c.reporter_id.is_not(None), items.c.id > after, items.c.id <= last),
        ),
    )
    reporter_watches = (
        sa.select(watchers.c.id)
        .where(watchers.c.item_id == votes.c.item_id, watchers.c.user_id == votes.c.user_id)
        .exists()
    )
    run_in_batches(
        op.get_bind(),
        "feedback_votes",
        watchers.insert().from_select(
            columns,
            sa.select(
                votes.c.guild_id, votes.c.item_id, votes.c.user_id, sa.false(), votes.c.created_at
            ).where(
                votes.c.user_id.is_not(None),
                ~reporter_watches,
                votes.c.id > after,
                votes.c.id <= last,
            ),
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_items_guild_plus_ones_number")
    with op.batch_alter_table("feedback_watchers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_watchers_guild_id"))
    op.drop_table("feedback_watchers")
