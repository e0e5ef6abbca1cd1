"""The statements /announce show, /announce list and their API routes read announcements with:
built once, the values bound at each read.

A statement object keeps its cache key, so a read skips building and keying its select; plain
columns on a connection rather than `Announcement` entities in a session skip the ORM's unit of
work and instance loading (together most of a read's CPU on SQLite, measured).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Integer, bindparam, select, update

from cogs.announcements.models import ANNOUNCEMENTS, Status
from cogs.announcements.records import AnnouncementInfo

if TYPE_CHECKING:
    from sqlalchemy import Row

# AnnouncementInfo's fields, in its order: a row is the record's arguments as they are (the
# Boolean columns come back as bools). Looking each name up on a row cost 19 µs a record,
# unpacking it 4 µs.
INFO_COLUMNS: Final = tuple(ANNOUNCEMENTS.c[field.name] for field in fields(AnnouncementInfo))


def info_from_row(row: Row[*tuple[Any, ...]]) -> AnnouncementInfo:
    return AnnouncementInfo(*row)


# A moderator's cancel: one statement that changes the row only if it is the guild's and not
# cancelled already, and hands it back (nothing back: missing, or cancelled before).
CANCEL: Final = (
    update(ANNOUNCEMENTS)
    .where(
        ANNOUNCEMENTS.c.id == bindparam("announcement_id"),
        ANNOUNCEMENTS.c.guild_id == bindparam("in_guild"),
        ANNOUNCEMENTS.c.status != Status.CANCELLED.value,
    )
    .values(status=Status.CANCELLED.value, next_run_at=None, updated_at=bindparam("at"))
    .returning(*INFO_COLUMNS)
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
