"""A feedback list page's statement: built once per shape, and still steering SQLite to the one
index that makes the page a range scan (EXPLAIN QUERY PLAN on the real, migrated schema)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.db import Database
from cogs.feedback.list_statements import list_statement
from cogs.feedback.records import ListFilters

GUILD = 1001


def test_pages_of_one_shape_share_a_statement_and_differ_in_their_values() -> None:
    first, first_values = list_statement(
        GUILD, ListFilters(status="open"), "sqlite", before=None, limit=11, by_plus_ones=False
    )
    later, later_values = list_statement(
        GUILD + 1, ListFilters(status="closed"), "sqlite", before=None, limit=11, by_plus_ones=False
    )
    assert later is first
    assert first_values == {"guild_id": GUILD, "status": "open"}
    assert later_values == {"guild_id": GUILD + 1, "status": "closed"}
    continued, continued_values = list_statement(
        GUILD, ListFilters(status="open"), "sqlite", before=40, limit=11, by_plus_ones=False
    )
    assert continued is not first
    assert continued_values == {"guild_id": GUILD, "status": "open", "before_number": 40}


async def plan(database: Database, filters: ListFilters, **page: Any) -> str:
    statement, values = list_statement(GUILD, filters, "sqlite", limit=11, **page)
    compiled = statement.params(values).compile(
        database.engine.sync_engine, compile_kwargs={"literal_binds": True}
    )
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("filters", "page", "index"),
    [
        (
            ListFilters(),
            {"before": None, "by_plus_ones": False},
            "sqlite_autoindex_feedback_items_1",
        ),
        (
            ListFilters(status="open", reporter_id=7),
            {"before": 30, "by_plus_ones": False},
            "ix_feedback_items_guild_reporter_number",
        ),
        (
            ListFilters(status="open", severity="bug"),
            {"before": None, "by_plus_ones": False},
            "ix_feedback_items_guild_status_number",
        ),
        (
            ListFilters(path="/api/jobs", status="active"),
            {"before": (3, 30), "by_plus_ones": True},
            "ix_feedback_items_guild_path_number",
        ),
        (
            ListFilters(status="active"),
            {"before": (3, 30), "by_plus_ones": True},
            "ix_feedback_items_guild_plus_ones_number",
        ),
    ],
)
async def test_sqlite_reads_a_page_through_its_chosen_filters_index(
    database: Database, filters: ListFilters, page: dict[str, Any], index: str
) -> None:
    if database.dialect != "sqlite":
        pytest.skip("SQLite's planner is the one steered")
    explained = await plan(database, filters, **page)
    assert index in explained, explained
    assert "USE TEMP B-TREE" not in explained or page["by_plus_ones"], explained
