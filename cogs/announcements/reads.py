"""The statements /announce show, /announce list and their API routes read announcements with:
built once, the values bound at each read.

A statement object keeps its cache key, so a read skips building and keying its select; plain
columns on a connection rather than `Announcement` entities in a session skip the ORM's unit of
work and instance loading (together most of a read's CPU on SQLite, measured).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Integer, bindparam, select

from cogs.announcements.models import ANNOUNCEMENTS, Status

# Every column `info_of` reads, by the names it reads them by.
INFO_COLUMNS: Final = tuple(
    ANNOUNCEMENTS.c[name]
    for name in (
        "id",
        "guild_id",
        "channel_id",
        "title",
        "body",
        "repeat",
        "cron",
        "timezone",
        "anchor_local",
        "ping_role_id",
        "missed",
        "status",
        "next_run_at",
        "managed_key",
        "run_count",
        "last_posted_at",
        "last_message_id",
        "failure",
        "created_by",
        "event",
        "ping_interested",
        "event_id",
        "event_start",
        "event_hash",
        "event_error",
    )
)

# One announcement of a guild (another guild's number finds nothing, as a missing one).
ONE: Final = select(*INFO_COLUMNS).where(
    ANNOUNCEMENTS.c.id == bindparam("id"), ANNOUNCEMENTS.c.guild_id == bindparam("guild_id")
)

_NOT_CANCELLED = select(*INFO_COLUMNS).where(
    ANNOUNCEMENTS.c.guild_id == bindparam("guild_id"),
    ANNOUNCEMENTS.c.status != Status.CANCELLED.value,
)
_LIMIT = bindparam("limit", type_=Integer)
# A list page, oldest id first, by keyset on id: the first page, and the ones after `after_id`.
FIRST_PAGE: Final = _NOT_CANCELLED.order_by(ANNOUNCEMENTS.c.id).limit(_LIMIT)
LATER_PAGE: Final = (
    _NOT_CANCELLED.where(ANNOUNCEMENTS.c.id > bindparam("after_id"))
    .order_by(ANNOUNCEMENTS.c.id)
    .limit(_LIMIT)
)
