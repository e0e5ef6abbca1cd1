"""Small SQL helpers every feature needs the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

# The escape character `contains_pattern` uses; pass it as `escape=` to like()/ilike().
LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with the user's `%` and `_` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def affected_rows(result: Any) -> int:
    """Rows an UPDATE or DELETE touched; drivers report -1 or None when they do not know."""
    count = getattr(result, "rowcount", 0)
    return int(count) if count and count > 0 else 0


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime: the tables hold UTC, so a naive one is UTC (raw
    SQL on SQLite returns times without their zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dialect_insert(dialect: str, table: Any) -> Any:
    """`INSERT` with `on_conflict_do_nothing` / `on_conflict_do_update` for the given backend
    (both dialects spell the upsert the same way; the core `insert` has neither)."""
    # Imported here: the PostgreSQL dialect is ~19 modules and 2 MB a SQLite start never needs.
    name = "postgresql" if dialect == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{name}").insert(table)
