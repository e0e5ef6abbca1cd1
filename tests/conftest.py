"""Fixtures shared by unit and end-to-end tests: settings and a real, migrated database.

The backend is SQLite (a file per test) unless NEXUS_TEST_BACKEND=postgresql, in which case
each test gets its own PostgreSQL database, cloned from a migrated template, on the server
named by NEXUS_TEST_POSTGRES (scripts/with-postgres starts a private one).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot import dates
from bot.config import DatabaseSettings, Settings, load_settings
from bot.db import Database, upgrade_database

BACKEND = os.environ.get("NEXUS_TEST_BACKEND", "sqlite")
POSTGRES_SERVER = os.environ.get("NEXUS_TEST_POSTGRES")
# One template per xdist worker: a template cannot be cloned while another worker builds it.
TEMPLATE = f"nexus_test_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
R = TypeVar("R")


def run_in_own_loop(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine to completion on a fresh loop in a worker thread (safe from any context)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def postgres_url(database: str) -> str:
    if POSTGRES_SERVER is None:
        raise RuntimeError("NEXUS_TEST_POSTGRES is not set")
    return POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{database}"


async def postgres_admin(*statements: str) -> None:
    import asyncpg

    dsn = postgres_url("postgres").replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def build_postgres_template() -> None:
    await postgres_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    await postgres_admin(f'CREATE DATABASE "{TEMPLATE}"')
    database = Database(DatabaseSettings(url=postgres_url(TEMPLATE)))
    try:
        await database.upgrade()
    finally:
        await database.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The long tests (the fuzz, Schemathesis, the crash burst) first: pytest-xdist hands out
    # the first tests one per worker in order, so they run beside the short ones instead of
    # being picked up last and leaving the other workers idle at the end of the run.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    for item in items:
        if BACKEND == "postgresql" and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="tests a SQLite-only behaviour"))
        if item.get_closest_marker("postgres") and POSTGRES_SERVER is None:
            why = os.environ.get(
                "NEXUS_TEST_POSTGRES_UNAVAILABLE", "NEXUS_TEST_POSTGRES is not set"
            )
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {why}"))


@pytest.fixture(scope="session", autouse=True)
def _loaded_once_per_process() -> None:
    """What a bot loads once per process and keeps, loaded before the first test: dateparser's
    data (a bot loads it in a thread right after ready) and the matching's numpy (imported on
    first use). Otherwise the first test of each worker that acts right after its bot is ready
    shares the cores with that loading and can miss Discord's 3 s deadline on a busy machine;
    in production the first member arrives at human pace."""
    dates.warm_up()
    importlib.import_module("cogs.pairing.matching")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[None]:
    run_in_own_loop(build_postgres_template())
    yield
    run_in_own_loop(postgres_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, made once per test process: each test starts from a
    copy, as PostgreSQL's tests start from a template database, instead of migrating anew."""
    path = tmp_path_factory.mktemp("template") / "nexus.db"
    run_in_own_loop(upgrade_database(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}")))
    # Closing the last connection checkpoints the write-ahead log into the file itself.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty-of-rows database for one test, on the backend under test."""
    if BACKEND != "postgresql":
        target = tmp_path / "nexus.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    request.getfixturevalue("postgres_template")
    name = f"nexus_test_{uuid.uuid4().hex[:16]}"
    run_in_own_loop(postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    yield postgres_url(name)
    run_in_own_loop(postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even a schema: where a copy or a restore goes."""
    if BACKEND != "postgresql":
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"nexus_restore_{uuid.uuid4().hex[:12]}"
    run_in_own_loop(postgres_admin(f'CREATE DATABASE "{name}"'))
    yield postgres_url(name)
    run_in_own_loop(postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def make_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Any:
    """Build Settings for a test: a database file under tmp_path, no web server, fast reconnects.

    Environment variables of the developer's shell must not leak into tests.
    """
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "DISCORD_API_URL", "DISCORD_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEXUS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def build(**overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "database": {"url": database_url},
            "web": {"enabled": False},
            "discord": {"guild_ready_timeout": 0.05, "reidentify_delay": 0.05},
            "pairing": {"use_process_pool": False},
            "announcements": {"file": str(tmp_path / "announcements.yaml")},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                base[key] = {**base[key], **value}
            else:
                base[key] = value
        return load_settings(None, **base)

    return build


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    built: Settings = make_settings()
    return built


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A real SQLite file, migrated to the newest schema, as the bot would open it."""
    db = Database(settings.database)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.close()


# -- the fuzz's figures in pytest's summary (tests/e2e/test_fuzz.py) ----------------------------
# A test records ("fuzz", line) in its user properties; they travel with the report (xdist
# workers too), so the seed and the invocation count show even when output is captured. The
# hooks live here, in the root conftest: under xdist the controlling process loads only this one.
FUZZ_LINES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        FUZZ_LINES.extend(str(value) for name, value in report.user_properties if name == "fuzz")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FUZZ_LINES:
        terminalreporter.section("fuzz")
        for line in FUZZ_LINES:
            terminalreporter.write_line(line)
