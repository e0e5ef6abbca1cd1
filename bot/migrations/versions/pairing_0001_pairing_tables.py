"""pairing: profiles, rounds, groups and their members, the /pair now queue

Revision ID: pairing_0001
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db

revision: str = "pairing_0001"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("pairing",)
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = bot.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pair_guild_state",
        sa.Column("guild_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("schedule_timezone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_pair_guild_state")),
    )
    op.create_table(
        "pair_profiles",
        sa.Column("guild_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("user_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_until", UTC, nullable=True),
        sa.Column("trios", BIGINT, nullable=False),
        sa.Column("waiting", BIGINT, nullable=False),
        sa.Column("joined_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_pair_profiles")),
    )
    op.create_table(
        "pair_queue",
        sa.Column("guild_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("user_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("channel_id", BIGINT, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_pair_queue")),
    )
    op.create_index("ix_pair_queue_expires_at", "pair_queue", ["expires_at"], unique=False)
    op.create_table(
        "pair_rounds",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.Column("number", BIGINT, nullable=False),
        sa.Column("scheduled_for", UTC, nullable=False),
        sa.Column("ran_at", UTC, nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_by", BIGINT, nullable=True),
        sa.Column("seed", BIGINT, nullable=False),
        sa.Column("participants", BIGINT, nullable=False),
        sa.Column("pairs", BIGINT, nullable=False),
        sa.Column("trios", BIGINT, nullable=False),
        sa.Column("repeats", BIGINT, nullable=False),
        sa.Column("sat_out", BIGINT, nullable=False),
        sa.Column("total_weight", BIGINT, nullable=False),
        sa.Column("distinct_partners_mean", sa.Double(), nullable=False),
        sa.Column("distinct_partners_min", BIGINT, nullable=False),
        sa.Column("previous_met_rate", sa.Double(), nullable=True),
        sa.Column("reminder_due", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_rounds")),
        sa.UniqueConstraint("guild_id", "number", name=op.f("uq_pair_rounds_guild_id_number")),
    )
    op.create_index("ix_pair_rounds_guild_id", "pair_rounds", ["guild_id"], unique=False)
    op.create_table(
        "pair_groups",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.Column("round_id", BIGINT, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("weight", BIGINT, nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("thread_id", BIGINT, nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answered_by", BIGINT, nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pair_rounds.id"],
            name=op.f("fk_pair_groups_round_id_pair_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_groups")),
    )
    op.create_index("ix_pair_groups_guild_id_id", "pair_groups", ["guild_id", "id"], unique=False)
    op.create_index("ix_pair_groups_round_id", "pair_groups", ["round_id"], unique=False)
    op.create_table(
        "pair_members",
        sa.Column("group_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("user_id", BIGINT, autoincrement=False, nullable=False),
        sa.Column("guild_id", BIGINT, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["pair_groups.id"],
            name=op.f("fk_pair_members_group_id_pair_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_pair_members")),
    )
    op.create_index(
        "ix_pair_members_guild_id_user_id", "pair_members", ["guild_id", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_pair_members_guild_id_user_id", table_name="pair_members")
    op.drop_table("pair_members")
    op.drop_index("ix_pair_groups_round_id", table_name="pair_groups")
    op.drop_index("ix_pair_groups_guild_id_id", table_name="pair_groups")
    op.drop_table("pair_groups")
    op.drop_index("ix_pair_rounds_guild_id", table_name="pair_rounds")
    op.drop_table("pair_rounds")
    op.drop_index("ix_pair_queue_expires_at", table_name="pair_queue")
    op.drop_table("pair_queue")
    op.drop_table("pair_profiles")
    op.drop_table("pair_guild_state")
