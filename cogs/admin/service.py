"""The admin feature's logic: settings report, export, forgetting members, stats, pending forgets.

No Discord here: plain ids and values in, small frozen results out. Discord-side checks (does a
channel exist, is a role below the bot's) live in commands.py because they need the guild.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy import Enum as SAEnum

import bot.models  # noqa: F401  (the core tables must be in the metadata the export walks)
from bot.db import Base
from bot.errors import UserFacingError
from bot.guild_settings import GuildConfig, Kind, Source
from bot.models import AuditEntry, FeatureBlock, GuildSetting
from cogs.admin.models import PendingForget

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import MemberDataOwner

log = logging.getLogger(__name__)

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
FORGET_KIND = "admin.forget"
EXPORT_CHUNK_ROWS = 1_000
ACTIONS_TTL_SECONDS = 60.0
# A feature's hook that hangs must not hang /admin forget or /admin stats with it.
FEATURE_TIMEOUT_SECONDS = 30.0
PENDING_KEY = "pending automatic forget removed"
PENDING_REMOVED = f"core: {PENDING_KEY}"


class AdminError(UserFacingError):
    """A moderator asked for something the admin feature cannot do; the message says why."""


class NothingToForget(AdminError):
    def __init__(self) -> None:
        super().__init__(
            "Nexus holds no personal data about that member in this server, so there was "
            "nothing to forget. Nothing was changed."
        )


# ---- settings report -----------------------------------------------------------------------


@dataclass(frozen=True)
class SettingLine:
    key: str
    description: str
    shown_value: str
    source: Source


def describe_value(kind: Kind, value: Any) -> str:
    """A setting's value as a moderator reads it; mentions render as names in embeds, never ping."""
    if value is None:
        return "not set"
    if kind is Kind.TEXT_CHANNEL:
        return f"<#{int(value)}>"
    if kind is Kind.ROLE:
        return f"<@&{int(value)}>"
    if kind is Kind.BOOL:
        return "on" if value else "off"
    if hasattr(value, "get_secret_value"):
        # Defensive: a secret must never be shown, even if a feature registers one.
        return "(secret, hidden)"
    return f"`{value}`"


def settings_report(config: GuildConfig) -> list[SettingLine]:
    """Every registered setting, in registry order, with its value and where it came from."""
    lines = []
    for resolved in config.values.values():
        spec = resolved.spec
        lines.append(
            SettingLine(
                spec.key,
                spec.description,
                describe_value(spec.kind, resolved.value),
                resolved.source,
            )
        )
    return lines


# ---- export --------------------------------------------------------------------------------


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


def _is_wide_int(table: Table, column: str) -> bool:
    return isinstance(table.c[column].type, BigInteger)


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


# ---- forgetting a member -------------------------------------------------------------------


@dataclass(frozen=True)
class ForgetOutcome:
    # "feature: what" → how many, only non-zero entries, in a stable order.
    removed: dict[str, int]
    # Features whose forget hook failed; their data may still be there.
    failed: tuple[str, ...] = ()

    @property
    def anything(self) -> bool:
        return bool(self.removed)


@dataclass(frozen=True)
class StatsReport:
    # feature → {counter: value}; a feature whose hook failed is in `failed`.
    features: dict[str, dict[str, int]]
    core: dict[str, int]
    failed: tuple[str, ...] = ()


class AdminService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        actions_ttl_seconds: float = ACTIONS_TTL_SECONDS,
        feature_timeout_seconds: float = FEATURE_TIMEOUT_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._actions_ttl = actions_ttl_seconds
        self._feature_timeout = feature_timeout_seconds
        # guild → (read at, every distinct audit action): autocomplete asks once per keystroke.
        self._actions: dict[int, tuple[float, list[str]]] = {}

    # -- forget --

    async def forget_member(
        self, guild_id: int, user_id: int, features: Sequence[MemberDataOwner]
    ) -> ForgetOutcome:
        """Ask every feature to forget the member, then remove the core's rows about them.

        A failing feature does not stop the others; it is reported so a moderator can retry.
        Raises NothingToForget when no feature held anything about the member.
        The audit log is kept: it is the record of moderators' actions, not the member's data.
        """
        removed: dict[str, int] = {}
        failed: list[str] = []
        for feature in features:
            try:
                async with asyncio.timeout(self._feature_timeout):
                    report = await feature.forget_member(guild_id, user_id)
            except Exception:
                log.exception(
                    "%s failed to forget member %s of guild %s", feature.feature, user_id, guild_id
                )
                failed.append(feature.feature)
                continue
            for what, count in report.items():
                if count:
                    removed[f"{feature.feature}: {what}"] = int(count)
        core = await self._forget_core_rows(guild_id, user_id)
        for what, count in core.items():
            if count:
                removed[f"core: {what}"] = count
        if not removed and not failed:
            raise NothingToForget()
        return ForgetOutcome(removed, tuple(failed))

    async def _forget_core_rows(self, guild_id: int, user_id: int) -> dict[str, int]:
        async with self._sessions.begin() as session:
            blocks = await session.execute(
                delete(FeatureBlock).where(
                    FeatureBlock.guild_id == guild_id, FeatureBlock.user_id == user_id
                )
            )
            pending = await session.execute(
                delete(PendingForget).where(
                    PendingForget.guild_id == guild_id, PendingForget.user_id == user_id
                )
            )
            # Who last changed a setting is personal; the setting itself is the guild's.
            settings = await session.execute(
                update(GuildSetting)
                .where(GuildSetting.guild_id == guild_id, GuildSetting.updated_by == user_id)
                .values(updated_by=None)
            )
        return {
            "feature blocks removed": _affected(blocks),
            PENDING_KEY: _affected(pending),
            "settings changes anonymised": _affected(settings),
        }

    # -- stats --

    async def stats(self, guild_id: int, features: Iterable[MemberDataOwner]) -> StatsReport:
        counts: dict[str, dict[str, int]] = {}
        failed: list[str] = []
        for feature in features:
            try:
                async with asyncio.timeout(self._feature_timeout):
                    counts[feature.feature] = dict(await feature.stats(guild_id))
            except Exception:
                log.exception("%s failed to count its rows", feature.feature)
                failed.append(feature.feature)
        return StatsReport(counts, await self._core_counts(guild_id), tuple(failed))

    async def _core_counts(self, guild_id: int) -> dict[str, int]:
        async with self._sessions() as session:
            audit = await session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.guild_id == guild_id)
            )
            blocks = await session.scalar(
                select(func.count())
                .select_from(FeatureBlock)
                .where(FeatureBlock.guild_id == guild_id)
            )
            pending = await session.scalar(
                select(func.count())
                .select_from(PendingForget)
                .where(PendingForget.guild_id == guild_id)
            )
        return {
            "audit entries": audit or 0,
            "feature blocks": blocks or 0,
            "pending forgets": pending or 0,
        }

    # -- audit helpers --

    async def audit_actions(self, guild_id: int, typed: str, limit: int = 25) -> list[str]:
        """Distinct audit actions of this guild containing `typed` (for autocomplete).

        The distinct list costs a scan of the guild's audit rows (~0.1 s at 200,000), so it is
        kept for a minute: a new kind of action shows up in suggestions within that time.
        """
        cached = self._actions.get(guild_id)
        if cached is None or monotonic() - cached[0] > self._actions_ttl:
            query = (
                select(AuditEntry.action)
                .where(AuditEntry.guild_id == guild_id)
                .distinct()
                .order_by(AuditEntry.action)
            )
            async with self._sessions() as session:
                cached = (monotonic(), list((await session.scalars(query)).all()))
            self._actions[guild_id] = cached
        needle = typed.strip().lower()
        return [action for action in cached[1] if needle in action.lower()][:limit]

    # -- pending forgets (after a member leaves) --

    async def schedule_forget(
        self, guild_id: int, user_id: int, left_at: datetime, delay: timedelta
    ) -> datetime:
        """Remember to forget a member at `left_at + delay` (replacing an older plan)."""
        due_at = left_at + delay
        async with self._sessions.begin() as session:
            await session.merge(
                PendingForget(guild_id=guild_id, user_id=user_id, left_at=left_at, due_at=due_at)
            )
        return due_at

    async def reschedule_forget(self, guild_id: int, user_id: int, due_at: datetime) -> None:
        """Move a pending forget to `due_at` (a retry is a new occurrence with its own claim);
        the row is written again if the forget already removed it."""
        async with self._sessions.begin() as session:
            row = await session.get(PendingForget, (guild_id, user_id))
            if row is None:
                session.add(
                    PendingForget(guild_id=guild_id, user_id=user_id, left_at=due_at, due_at=due_at)
                )
            else:
                row.due_at = due_at

    async def cancel_forget(self, guild_id: int, user_id: int) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(PendingForget).where(
                    PendingForget.guild_id == guild_id, PendingForget.user_id == user_id
                )
            )
        return _affected(result) > 0

    async def pending_forget(self, guild_id: int, user_id: int) -> PendingForgetPlan | None:
        async with self._sessions() as session:
            row = await session.get(PendingForget, (guild_id, user_id))
        return PendingForgetPlan(row.guild_id, row.user_id, row.due_at) if row else None

    async def pending_forgets(self) -> list[PendingForgetPlan]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(PendingForget).order_by(PendingForget.due_at))
            ).all()
        return [PendingForgetPlan(r.guild_id, r.user_id, r.due_at) for r in rows]


@dataclass(frozen=True)
class PendingForgetPlan:
    guild_id: int
    user_id: int
    due_at: datetime

    @property
    def job_id(self) -> str:
        return f"admin.forget:{self.guild_id}:{self.user_id}"

    @property
    def item_key(self) -> str:
        return f"{self.guild_id}:{self.user_id}"


def _affected(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if count and count > 0 else 0


def format_duration(seconds: float) -> str:
    """`3d 4h 5m`: the largest three units of a duration."""
    remaining = max(0, int(seconds))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        value, remaining = divmod(remaining, size)
        if value:
            parts.append(f"{value}{unit}")
    return " ".join(parts[:3]) or "0s"


def format_bytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
