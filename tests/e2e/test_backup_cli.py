"""`python -m bot db backup` and `db restore` as a moderator runs them: beside a running bot,
with exit codes and one friendly line for every refusal."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, sqlite_path
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World
from tests.e2e.processes import run_nexus_db


async def nexus_db(home: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    return await run_nexus_db(home, database_url, *args, quiet=True)


def assert_one_line_refusal(code: int, stderr: str, *expected: str) -> None:
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("nexus: cannot "), stderr
    for part in expected:
        assert part in lines[0], stderr


@pytest.mark.slow
async def test_a_backup_of_the_running_bot_restores_into_an_empty_database_and_searches(
    start_nexus: StartBot,
    sandbox: SandboxServer,
    world: World,
    database_url: str,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    running = await start_nexus()
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

    # Taken while the bot is still connected and holding the database open.
    code, stdout, stderr = await nexus_db(tmp_path, database_url, "backup")
    assert code == 0, stderr
    backups = sorted((tmp_path / "data" / "backups").glob("nexus-*Z.db"))
    assert len(backups) == 1
    assert f"backup written to data/backups/{backups[0].name}" in stdout
    assert "integrity check ok" in stdout
    await running.close()

    code, stdout, stderr = await nexus_db(tmp_path, empty_database_url, "restore", str(backups[0]))
    assert code == 0, stderr
    assert "restored" in stdout
    assert "search indexes rebuilt" in stdout

    again, _, refused = await nexus_db(tmp_path, empty_database_url, "restore", str(backups[0]))
    assert_one_line_refusal(again, refused, "already holds rows", "empty database")

    await start_nexus(database={"url": empty_database_url}, configure=False)
    found = await sandbox.invoke(
        "/snippet search", user=world.bob, guild=world.guild, channel=world.general, query="retry"
    )
    assert "Exponential backoff" in found.text


async def test_restore_refuses_a_missing_file(database_url: str, tmp_path: Path) -> None:
    code, _, stderr = await nexus_db(tmp_path, database_url, "restore", "no-such-backup.db")
    assert_one_line_refusal(code, stderr, "there is no backup at no-such-backup.db")


async def test_restore_refuses_a_file_that_is_not_a_database(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "notes.db").write_text("not a database at all\n" * 100)
    code, _, stderr = await nexus_db(tmp_path, database_url, "restore", "notes.db")
    assert_one_line_refusal(code, stderr, "notes.db is not a SQLite database")


async def test_restore_refuses_a_sqlite_file_that_is_not_nexus(
    database_url: str, tmp_path: Path
) -> None:
    with sqlite3.connect(tmp_path / "other.db") as other:
        other.execute("CREATE TABLE recipes (name TEXT)")
    code, _, stderr = await nexus_db(tmp_path, database_url, "restore", "other.db")
    assert_one_line_refusal(code, stderr, "other.db is not a Nexus database")


@pytest.mark.sqlite_only
async def test_restore_refuses_a_copy_of_a_live_database_file(
    database: Database, tmp_path: Path
) -> None:
    live = sqlite_path(database.url)
    assert live is not None
    with sqlite3.connect(live) as writer:  # the bot's file, a write just made
        writer.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', '2031')")
        shutil.copyfile(live, tmp_path / "copied.db")
        shutil.copyfile(live.with_name(live.name + "-wal"), tmp_path / "copied.db-wal")
    code, _, stderr = await nexus_db(tmp_path, database.url, "restore", "copied.db")
    assert_one_line_refusal(code, stderr, "write-ahead log", "db backup")


async def test_backup_refuses_to_overwrite_a_file(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "precious.db").write_bytes(b"keep me")
    code, _, stderr = await nexus_db(tmp_path, database_url, "backup", "precious.db")
    assert_one_line_refusal(code, stderr, "precious.db already exists")
    assert (tmp_path / "precious.db").read_bytes() == b"keep me"


@pytest.mark.sqlite_only
async def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'never-created.db'}"
    code, _, stderr = await nexus_db(tmp_path, url, "backup", "out.db")
    assert_one_line_refusal(code, stderr, "there is no database at")
    assert not (tmp_path / "never-created.db").exists()
    assert not [name for name in os.listdir(tmp_path) if name.startswith("out.db")]
