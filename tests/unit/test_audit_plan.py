"""An audit page reads its guild's rows through the (guild_id, id) index, even when another
guild wrote every recent row (bot/audit.py): the page the database plans, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.audit import AuditService
from bot.db import Database
from bot.in_place_reads import in_place_reads
from bot.models import AuditEntry

QUIET, BUSY = 1001, 1002
CREATED = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


async def seed(database: Database, rows: int) -> None:
    """The quiet guild's rows, then the busy one's: the newest ids are all the busy guild's."""
    async with database.engine.begin() as connection:
        for guild in (QUIET, BUSY):
            await connection.execute(
                sa.insert(AuditEntry.__table__),
                [
                    {"guild_id": guild, "actor_id": 7 + n % 20, "action": "feedback.status",
                     "target": f"FB-{n}", "details": {"note": "moved to in_progress", "n": n},
                     "created_at": CREATED}
                    for n in range(rows)
                ],
            )  # fmt: skip
        await connection.execute(sa.text("ANALYZE audit_log"))


async def planned(database: Database, run: Any) -> str:
    """The plan of the statement `run` sends, as the backend explains it."""
    sent: list[tuple[str, Any]] = []

    def record(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        if "FROM audit_log" in statement:
            sent.append((statement, parameters))

    # The page is read in place on SQLite (bot/in_place_reads.py), through the pool otherwise.
    in_place = in_place_reads(database.engine).engine
    engines = [database.engine.sync_engine, *([in_place] if in_place is not None else [])]
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        await run()
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    explain = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    async with database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(explain + statement, parameters)
        return "\n".join(str(row[-1]) for row in rows)


async def test_a_quiet_guilds_audit_page_walks_its_own_index(database: Database) -> None:
    # Rows as wide as real ones: with narrow rows the planner happens to pick the index anyway.
    await seed(database, 20_000)
    audit = AuditService(database.sessions)
    plan = await planned(database, lambda: audit.list(QUIET, limit=10))
    assert "ix_audit_log_guild_id_id" in plan, plan
    assert "pk_audit_log" not in plan, plan
    page = await audit.list(QUIET, limit=10)
    assert [r.target for r in page.records] == [f"FB-{n}" for n in range(19_999, 19_989, -1)]
    older = await audit.list(QUIET, before_id=page.next_before_id, limit=10)
    assert older.records[0].target == "FB-19989"
