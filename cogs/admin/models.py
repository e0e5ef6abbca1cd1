"""The admin feature's own table: members waiting to be forgotten after they left a guild."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class PendingForget(Base):
    """A member who left a guild that forgets leavers; forgotten at `due_at` unless they rejoin.

    The row is the truth: the scheduler's in-memory job is rebuilt from it at start, and the
    firing claims (`admin.forget`, "guild:user", due_at) so it runs once across restarts.
    """

    __tablename__ = "admin_pending_forgets"
    __table_args__ = (Index("ix_admin_pending_forgets_due_at", "due_at"),)
    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    left_at: Mapped[datetime]
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
