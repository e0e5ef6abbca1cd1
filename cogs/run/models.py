"""The run feature's table: one row per accepted run, written before the run starts.

Written first so the per-member rate limit counts runs still waiting or running (and holds
across processes), then completed with the result, so "Run again" and "Save as snippet" work on
any result message, also after a restart. Rows are pruned after `RETENTION` (rules.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class CodeRun(Base):
    __tablename__ = "code_runs"
    __table_args__ = (
        Index("ix_code_runs_guild_id_user_id_created_at", "guild_id", "user_id", "created_at"),
        Index("ix_code_runs_created_at", "created_at"),
        # Ids are never reused, so a button on an old result can't act on a newer run.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    user_id: Mapped[int]
    language: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(Text)
    stdin: Mapped[str] = mapped_column(Text, default="")
    # Where the code came from (a snippet), for the result's heading and "Save as snippet".
    snippet_id: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(String(100))
    # The result message, so Delete can find it; None while running or when ephemeral.
    channel_id: Mapped[int | None]
    message_id: Mapped[int | None]
    # Filled in when the run ends; None while it waits or runs.
    exit_code: Mapped[int | None]
    signal: Mapped[str | None] = mapped_column(String(16))
    duration_ms: Mapped[int | None]
    limits_hit: Mapped[str] = mapped_column(String(100), default="")
    # The start of the output, kept for "Save as snippet" (the description).
    output_excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    finished_at: Mapped[datetime | None]
