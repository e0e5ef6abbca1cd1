"""Moving an existing SQLite database to PostgreSQL with `python -m bot db copy --to …`."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import DatabaseSettings
from bot.db import Database
from bot.dbcopy import copied_tables
from bot.sandbox import SandboxServer
from bot.schema_stamp import data_rows
from tests.conftest import postgres_admin, postgres_url
from tests.e2e.conftest import StartBot, World
from tests.e2e.processes import run_nexus_db

pytestmark = pytest.mark.postgres


async def row_counts(url: str) -> dict[str, int]:
    database = Database(DatabaseSettings(url=url))
    try:
        async with database.engine.connect() as connection:
            return {
                table.name: int(
                    await connection.scalar(
                        select(func.count()).select_from(table).where(*data_rows(table))
                    )
                    or 0
                )
                for table in copied_tables()
            }
    finally:
        await database.close()


async def run_copy(source_url: str, target_url: str, home: Path) -> tuple[int, str, str]:
    return await run_nexus_db(home, source_url, "copy", "--to", target_url)


async def test_sqlite_data_moves_to_postgresql_and_stays_searchable(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tmp_path: Path
) -> None:
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    bot = await start_nexus(database={"url": sqlite_url})
    shared = await sandbox.invoke(
        "/snippet share",
        user=world.alice,
        guild=world.guild,
        channel=world.snippets,
        title="Exponential backoff",
        code="async def retryWithBackoff(call):\n    return await call()",
        language="python",
    )
    assert not shared.ephemeral
    await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.general, id="1"
    )
    await bot.close()

    target_name = f"nexus_copy_{uuid.uuid4().hex[:12]}"
    await postgres_admin(f'CREATE DATABASE "{target_name}"')
    target_url = postgres_url(target_name)
    try:
        code, stdout, stderr = await run_copy(sqlite_url, target_url, tmp_path)
        assert code == 0, stderr
        assert "copied" in stdout
        source_counts = await row_counts(sqlite_url)
        assert await row_counts(target_url) == source_counts
        assert source_counts["snippets"] == 1
        assert source_counts["snippet_stars"] == 1

        again, _, refused = await run_copy(sqlite_url, target_url, tmp_path)
        assert again == 1
        assert "already holds rows" in refused

        moved = await start_nexus(database={"url": target_url})
        found = await sandbox.invoke(
            "/snippet search",
            user=world.bob,
            guild=world.guild,
            channel=world.general,
            query="backoff",
        )
        assert "Exponential backoff" in found.text
        by_part = await sandbox.invoke(
            "/snippet search",
            user=world.bob,
            guild=world.guild,
            channel=world.general,
            query="retry",
        )
        assert "Exponential backoff" in by_part.text
        second = await sandbox.invoke(
            "/snippet share",
            user=world.bob,
            guild=world.guild,
            channel=world.snippets,
            title="Second after the copy",
            code="print('ids continue after the copied ones')",
        )
        assert not second.ephemeral
        await moved.close()
        assert (await row_counts(target_url))["snippets"] == 2
    finally:
        await postgres_admin(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
