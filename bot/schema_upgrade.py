"""The schema upgrade in a process of its own, for `python -m bot run`.

Alembic, Mako and every migration script stay in memory once imported: a start that upgrades in
the bot's own process keeps them for the life of the process (bench.startup: 104.7 MB resident
at ready against 88.7 MB on a current schema). Upgraded in a child, they go when it exits. The
parent reads the schema stamp first (bot/schema_stamp.py), so a start on a current schema starts
no child at all. Only the command line upgrades this way (bot/__main__.py); tests and the
sandbox upgrade in their own process, which lives on anyway.

The child is `python -m bot.schema_upgrade`: the database settings and the parent's "now" (the
stamp's time) come through its environment; Alembic's lines ("Running upgrade a -> b") go to
its output, which the parent logs; a failure ends with one line the parent raises as
`SchemaUpgradeFailed`, for the person running the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import datetime
from typing import Final

from bot.config import DatabaseSettings
from bot.db import Database, upgrade_and_stamp

log = logging.getLogger(__name__)

SETTINGS_VARIABLE: Final = "NEXUS_SCHEMA_UPGRADE_SETTINGS"  # DatabaseSettings as JSON
NOW_VARIABLE: Final = "NEXUS_SCHEMA_UPGRADE_NOW"  # ISO 8601, from the parent's clock
FAILED: Final = "schema upgrade failed: "  # starts the child's last line when it fails
RUNNING: Final = "Running upgrade "  # how Alembic names the revision it runs


class SchemaUpgradeFailed(Exception):
    """The upgrade failed: the message is one line for the person running the bot."""


async def upgrade_in_child(settings: DatabaseSettings, now: datetime) -> None:
    """Upgrade the schema (every branch to its head) and write the stamp, in a child process."""
    log.info("the schema is behind the migration scripts: upgrading it in a child process")
    variables = {SETTINGS_VARIABLE: settings.model_dump_json(), NOW_VARIABLE: now.isoformat()}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.schema_upgrade",
        env={**os.environ, **variables},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    lines = [line.rstrip() for line in output.decode(errors="replace").splitlines()]
    for line in lines:
        log.info("schema upgrade: %s", line)
    if process.returncode != 0:
        raise SchemaUpgradeFailed(last_words(lines, process.returncode))


def last_words(lines: list[str], code: int | None) -> str:
    """What failed, and in which migration: from the child's output."""
    failed = [line.removeprefix(FAILED) for line in lines if line.startswith(FAILED)]
    said = [line.strip() for line in lines if line.strip()]
    error = failed[-1] if failed else (said[-1] if said else f"exit code {code}, no output")
    running = [line.removeprefix(RUNNING).strip() for line in said if line.startswith(RUNNING)]
    return f"{error} (Alembic was running upgrade {running[-1]})" if running else error


def describe(error: BaseException) -> str:
    # A database error's text goes on with the SQL and a link on lines of their own.
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


async def _upgrade(settings: DatabaseSettings, now: datetime) -> None:
    database = Database(settings)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(upgrade_and_stamp, database.url, now)
    finally:
        await database.close()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    settings = DatabaseSettings.model_validate_json(os.environ[SETTINGS_VARIABLE])
    try:
        asyncio.run(_upgrade(settings, datetime.fromisoformat(os.environ[NOW_VARIABLE])))
    except Exception as error:
        log.exception("the upgrade stopped")  # the whole traceback, into the parent's log
        print(FAILED + describe(error), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
