"""A start on an up-to-date database skips Alembic; anything that could leave it behind does not."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from bot import db as db_module
from bot import schema_stamp
from bot.db import Database, alembic_config
from bot.models import BotState


@pytest.fixture
def alembic_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time the real Alembic upgrade runs (a spy: the upgrade itself still happens)."""
    runs: list[str] = []
    real = db_module._run_alembic_upgrade

    def counted(connection: Any, url: str) -> None:
        runs.append(url)
        real(connection, url)

    monkeypatch.setattr(db_module, "_run_alembic_upgrade", counted)
    return runs


async def heads_applied(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows}


def script_heads(database: Database) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database.url)).get_heads())


async def test_an_up_to_date_database_is_recognised_without_alembic(
    database: Database, alembic_runs: list[str]
) -> None:
    await database.upgrade()
    await database.upgrade()
    assert alembic_runs == []
    async with database.engine.connect() as connection:
        stamp = await connection.scalar(
            select(BotState.value).where(BotState.key == schema_stamp.STAMP_KEY)
        )
    assert stamp is not None and stamp.startswith(schema_stamp.scripts_digest())


async def test_an_operator_asking_checks_every_script(
    database: Database, alembic_runs: list[str]
) -> None:
    await database.upgrade(check_every_script=True)
    assert len(alembic_runs) == 1
    assert await heads_applied(database) == script_heads(database)


async def test_a_database_moved_back_a_revision_is_brought_up_again(
    database: Database, alembic_runs: list[str]
) -> None:
    def downgrade(connection: Any) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "snippets_0002")

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert "snippets_0003" not in await heads_applied(database)
    await database.upgrade()
    assert len(alembic_runs) == 1
    assert await heads_applied(database) == script_heads(database)


async def test_changed_scripts_run_alembic_and_stamp_anew(
    database: Database, alembic_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_stamp, "scripts_digest", lambda: "a-new-script")
    await database.upgrade()
    await database.upgrade()
    assert len(alembic_runs) == 1  # the second start finds the new stamp
    async with database.engine.connect() as connection:
        stamp = await connection.scalar(
            select(BotState.value).where(BotState.key == schema_stamp.STAMP_KEY)
        )
    assert stamp is not None and stamp.startswith("a-new-script ")


def test_the_digest_follows_the_scripts_bytes(tmp_path: Any) -> None:
    (tmp_path / "a_0001.py").write_text("revision = 'a'\n")
    first = schema_stamp.scripts_digest.__wrapped__(tmp_path)
    (tmp_path / "a_0001.py").write_text("revision = 'a'  # edited\n")
    assert schema_stamp.scripts_digest.__wrapped__(tmp_path) != first
