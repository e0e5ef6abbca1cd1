"""`python -m bot db copy --to URL`: move every row from the configured database to another.

The usual use is leaving SQLite for PostgreSQL. The target is migrated to the newest schema
first and must hold no rows; tables are copied parent-first in batches, then PostgreSQL's id
sequences are moved past the copied ids. Derived data that lives outside the ORM tables (SQLite's
FTS5 index, PostgreSQL's search vectors) is rebuilt afterwards by each feature that has some,
through the feature contract's `rebuild_derived(connection)` (bot/feature.py).

`python -m bot db restore` (bot/restore.py) and, on PostgreSQL, `python -m bot db backup`
(bot/backup.py) are this same copy with a backup file at one end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from bot.config import DatabaseSettings
from bot.db import Base, Database
from bot.extensions import discover_extensions, feature_modules
from bot.feature import feature_classes
from bot.schema_stamp import data_rows

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)
BATCH = 2_000


class CopyError(Exception):
    """Why the copy cannot be done, worded for the person running it."""


class TargetNotEmpty(CopyError):
    def __init__(self, table: str) -> None:
        super().__init__(f"the target already holds rows in {table}; copy into an empty database")
        self.table = table


@dataclass(frozen=True)
class CopyReport:
    rows_by_table: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows_by_table.values())


def copied_tables() -> list[Table]:
    import bot.models  # noqa: F401  (the core's own tables)

    # bot/ never imports a cog in code; the copy needs every table registered on Base.
    feature_modules("models")
    return list(Base.metadata.sorted_tables)


async def rebuild_derived(target: AsyncConnection) -> None:
    for feature in feature_classes(discover_extensions()):
        await feature.rebuild_derived(target)


async def _count(connection: AsyncConnection, table: Table) -> int:
    counted = select(func.count()).select_from(table).where(*data_rows(table))
    return int(await connection.scalar(counted) or 0)


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    copied = 0
    result = await source.stream(select(table).where(*data_rows(table)))
    async for partition in result.partitions(BATCH):
        rows = [dict(row._mapping) for row in partition]
        await target.execute(table.insert(), rows)
        copied += len(rows)
    return copied


async def _advance_sequences(target: AsyncConnection, table: Table) -> None:
    for column in table.primary_key.columns:
        if not column.autoincrement or column.type.python_type is not int:
            continue
        sequence = await target.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        )
        if sequence is None:
            continue
        await target.execute(
            text(
                f"SELECT setval(:sequence, COALESCE((SELECT MAX({column.name}) FROM "
                f"{table.name}), 0) + 1, false)"
            ),
            {"sequence": sequence},
        )


async def _snapshot(reading: AsyncConnection, dialect: str) -> AsyncConnection:
    """Every table read from one snapshot, so a copy of a live database is consistent.

    PostgreSQL's default (READ COMMITTED) gives each statement its own snapshot: a child row
    written between reading its parent's table and its own would arrive without its parent.
    `python -m bot db backup` copies a running PostgreSQL database this way.
    """
    if dialect != "postgresql":
        return reading
    return await reading.execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )


async def copy_database(
    source_settings: DatabaseSettings, target_url: str, *, rebuild: bool = True
) -> CopyReport:
    """Copy every row; `rebuild=False` leaves derived data unbuilt (a backup file: `db restore`
    rebuilds it in the database it restores into)."""
    if target_url == source_settings.url:
        raise CopyError("the target is the database Nexus is configured to use")
    target_settings = DatabaseSettings(url=target_url)
    source, target = Database(source_settings), Database(target_settings)
    try:
        await target.upgrade()
        tables = copied_tables()
        async with source.engine.connect() as connection, target.engine.begin() as writing:
            reading = await _snapshot(connection, source.dialect)
            for table in tables:
                if await _count(writing, table):
                    raise TargetNotEmpty(table.name)
            report: dict[str, int] = {}
            for table in tables:
                report[table.name] = await _copy_table(reading, writing, table)
                log.info("copied %d rows of %s", report[table.name], table.name)
            if target.dialect == "postgresql":
                for table in tables:
                    await _advance_sequences(writing, table)
            if rebuild:
                await rebuild_derived(writing)
        return CopyReport(report)
    finally:
        await source.close()
        await target.close()
