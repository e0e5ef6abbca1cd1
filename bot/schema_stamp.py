"""Knowing that a database is at the newest schema without running Alembic.

Importing Alembic and walking its revision scripts costs a start about 0.2 s, every start, to
learn what is nearly always true: nothing changed since the last start. So after every full
upgrade the bot writes a stamp into `bot_state`: a digest of the migration scripts' bytes and the
revisions `alembic_version` then held. At the next start, when the scripts hash the same and
`alembic_version` still holds those revisions, the schema is what that upgrade left and Alembic
is not needed. Anything else — a new or edited script, a downgrade, a database restored from
elsewhere — fails the comparison, and the full upgrade runs and writes a new stamp.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import DateTime, String, Text, column, delete, insert, inspect, select, table, text

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.engine import Connection

STAMP_KEY: Final = "schema.migrations"
# bot_state keys under this prefix describe one database's derived data (e.g. the generation of
# the snippets' search index): like the stamp, a copy or a restore makes its own.
DERIVED_PREFIX: Final = "derived."
VERSIONS_DIR: Final = Path(__file__).parent / "migrations" / "versions"
# bot_state (bot.models.BotState) as a bare table: the stamp is read and written while the
# database is opened, below the models.
BOT_STATE: Final = table(
    "bot_state",
    column("key", String),
    column("value", Text),
    column("updated_at", DateTime(timezone=True)),
)


@cache
def scripts_digest(directory: Path = VERSIONS_DIR) -> str:
    """A digest of every migration script, names and bytes (the same files hash the same)."""
    digest = hashlib.sha256()
    for script in sorted(directory.glob("*.py")):
        digest.update(script.name.encode())
        digest.update(script.read_bytes())
    return digest.hexdigest()


def _revisions(connection: Connection) -> str:
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(rows))


def stamp_value(connection: Connection) -> str:
    return f"{scripts_digest()} {_revisions(connection)}"


def is_current(connection: Connection) -> bool:
    """True when the last full upgrade of this database ran the scripts on disk now and the
    database still holds the revisions it reached."""
    tables = inspect(connection)
    if not (tables.has_table("bot_state") and tables.has_table("alembic_version")):
        return False
    stored = connection.scalar(select(BOT_STATE.c.value).where(BOT_STATE.c.key == STAMP_KEY))
    return stored is not None and stored == stamp_value(connection)


def write_stamp(connection: Connection, now: datetime) -> None:
    """Record what the full upgrade that just ran left (in its transaction)."""
    value = stamp_value(connection)
    connection.execute(delete(BOT_STATE).where(BOT_STATE.c.key == STAMP_KEY))
    connection.execute(insert(BOT_STATE).values(key=STAMP_KEY, value=value, updated_at=now))


def data_rows(table: Table) -> list[ColumnElement[bool]]:
    """The conditions that leave the stamp and derived state out of `table`'s rows: a copy or a
    backup carries the data, and the database it lands in keeps its own."""
    if table.name != BOT_STATE.name:
        return []
    return [table.c.key != STAMP_KEY, table.c.key.not_like(f"{DERIVED_PREFIX}%")]
