"""/admin export's file: every table's rows of one guild as one JSON document."""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Table, select
from sqlalchemy import Enum as SAEnum

import bot.models  # noqa: F401  (the core tables must be in the metadata the export walks)
from bot.db import Base

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The export file, version 1:
#   {"schema": "nexus.guild-export", "version": 1, "guild_id": "<id>",
#    "exported_at": "<ISO-8601 UTC>", "bot_version": "<x.y.z>",
#    "tables": {"<table>": {"columns": ["<name>", ...], "rows": [{"<name>": <value>, ...}]}}}
# Every table with a guild_id column is listed (empty ones too), with this guild's rows in
# primary-key order. Values: 64-bit integer columns (ids) are strings, as in Discord's API, so
# JavaScript readers keep every digit; timestamps are ISO-8601 in UTC; binary data is base64;
# JSON columns are nested as they are. Bump the version when this shape changes, not when a
# feature adds a table (tables are self-describing).
EXPORT_SCHEMA = "nexus.guild-export"
EXPORT_VERSION = 1
EXPORT_CHUNK_ROWS = 1_000


def guild_tables() -> list[Table]:
    """Every table (of every loaded feature) that holds rows of a guild, parents first."""
    return [table for table in Base.metadata.sorted_tables if "guild_id" in table.c]


def json_safe(value: Any, *, wide_int: bool = False) -> Any:
    """A value as plain JSON. 64-bit integer columns become strings (as in Discord's own API),
    so a JavaScript reader keeps every digit of an id."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value) if wide_int else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)


def _plain(value: Any) -> Any:
    return value


def _wide_int(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _moment(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else json_safe(value)


def column_converter(table: Table, column: str) -> Callable[[Any], Any]:
    """The cheapest correct JSON conversion for one column's values (the export's hot loop)."""
    column_type = table.c[column].type
    if isinstance(column_type, BigInteger):
        return _wide_int
    if isinstance(column_type, SAEnum):
        return json_safe  # a String subclass whose values may be Python enums
    if isinstance(column_type, String | Boolean) or type(column_type) is Integer:
        return _plain
    if isinstance(column_type, DateTime) or isinstance(
        getattr(column_type, "impl", None), DateTime
    ):
        return _moment
    return json_safe


@dataclass(frozen=True)
class GuildExport:
    data: bytes
    table_rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.table_rows.values())


class ExportService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export_guild(
        self, guild_id: int, exported_at: datetime, bot_version: str
    ) -> GuildExport:
        """The guild's rows of every table as one JSON document (see EXPORT_SCHEMA/VERSION).

        Rows are read in chunks and written to the file's bytes as they come, so memory holds
        the file plus one chunk, and the event loop gets a turn between chunks.
        """
        counts: dict[str, int] = {}
        out = io.BytesIO()
        header = {
            "schema": EXPORT_SCHEMA,
            "version": EXPORT_VERSION,
            "guild_id": str(guild_id),
            "exported_at": exported_at.isoformat(),
            "bot_version": bot_version,
        }
        # The header object without its closing brace, then the "tables" member.
        out.write(json.dumps(header, ensure_ascii=False)[:-1].encode())
        out.write(b', "tables": {')
        async with self._sessions() as session:
            for index, table in enumerate(guild_tables()):
                columns = [column.name for column in table.columns]
                out.write(b", " if index else b"")
                out.write(
                    f'{json.dumps(table.name)}: {{"columns": {json.dumps(columns)}, '.encode()
                )
                out.write(b'"rows": [')
                counts[table.name] = await self._write_rows(session, table, guild_id, out)
                out.write(b"]}")
        out.write(b"}}")
        return GuildExport(out.getvalue(), counts)

    @staticmethod
    async def _write_rows(
        session: AsyncSession, table: Table, guild_id: int, out: io.BytesIO
    ) -> int:
        columns = [column.name for column in table.columns]
        convert = [column_converter(table, name) for name in columns]
        order = list(table.primary_key.columns) or list(table.columns)
        # Read in chunks: one round trip per row through aiosqlite's thread is slow.
        result = await session.stream(
            select(table)
            .where(table.c.guild_id == guild_id)
            .order_by(*order)
            .execution_options(yield_per=EXPORT_CHUNK_ROWS)
        )
        written = 0
        async for chunk in result.partitions():
            encoded = ", ".join(
                json.dumps(
                    {name: to_json(value)
                     for name, to_json, value in zip(columns, convert, row, strict=True)},
                    ensure_ascii=False,
                )
                for row in chunk
            )  # fmt: skip
            out.write((", " if written else "").encode() + encoded.encode())
            written += len(chunk)
        return written
