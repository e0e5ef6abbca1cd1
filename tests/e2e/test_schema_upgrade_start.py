"""`python -m bot run` upgrades a database behind the migration scripts in a child process: the
bot's own process never imports Alembic (it would stay loaded, bot/schema_upgrade.py), and a
failing migration stops the start with one line saying what failed and where."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot import schema_stamp
from bot.config import DatabaseSettings
from bot.db import Database, alembic_config
from bot.sandbox import SandboxServer
from tests.e2e.processes import bot_environment, log_text, start_bot_process, stop_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def schema_state(url: str) -> tuple[set[str], bool]:
    """The revisions the database holds, and whether its stamp says it is current."""
    database = Database(DatabaseSettings(url=url))
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = await connection.run_sync(schema_stamp.is_current)
            return {row[0] for row in rows}, current
    finally:
        await database.close()


async def test_a_first_start_migrates_a_fresh_database_in_a_child_process(
    sandbox: SandboxServer, empty_database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "bot"
    home.mkdir()
    env = bot_environment(sandbox, home, empty_database_url)
    env["PYTHONPROFILEIMPORTTIME"] = "1"  # every import the process (and its child) makes
    log = tmp_path / "bot.log"
    process = await start_bot_process(env, log)
    try:
        await sandbox.wait_until_ready(timeout=90)
    finally:
        await stop_process(process, log, "bot")
    heads = set(ScriptDirectory.from_config(alembic_config(empty_database_url)).get_heads())
    assert await schema_state(empty_database_url) == (heads, True)
    output = log_text(log)
    assert "upgrading it in a child process" in output
    # The child's imports reach the log through the bot's logger ("schema upgrade: import
    # time: …"); the bot's own are bare lines. Alembic and Mako are among the first only.
    imported = [line.rsplit("|", 1)[-1].strip() for line in output.splitlines()]
    own = [
        name
        for line, name in zip(output.splitlines(), imported, strict=True)
        if line.startswith("import time:")
    ]
    child = [
        name
        for line, name in zip(output.splitlines(), imported, strict=True)
        if "schema upgrade: import time:" in line
    ]
    assert "alembic" in child and "mako" in child
    assert "bot.app" in own and "alembic" not in own and "mako" not in own


async def test_a_failing_migration_stops_the_start_saying_what_failed_and_where(
    sandbox: SandboxServer, empty_database_url: str, tmp_path: Path
) -> None:
    # A table the first migration creates is already there: its CREATE TABLE fails.
    database = Database(DatabaseSettings(url=empty_database_url))
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE bot_state (unrelated INTEGER)"))
    await database.close()
    home = tmp_path / "bot"
    home.mkdir()
    log = tmp_path / "bot.log"
    process = await start_bot_process(bot_environment(sandbox, home, empty_database_url), log)
    code = await asyncio.wait_for(process.wait(), timeout=90)
    said = [line for line in log_text(log).splitlines() if line.startswith("nexus: ")]
    assert code == 1
    assert len(said) == 1
    assert said[0] == (
        "nexus: cannot upgrade the database schema: OperationalError: (sqlite3.OperationalError)"
        " table bot_state already exists (Alembic was running upgrade -> 0001_core, core tables)"
    ) or (  # PostgreSQL words it its own way
        "already exists" in said[0] and "upgrade -> 0001_core, core tables)" in said[0]
    )
