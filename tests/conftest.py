"""Fixtures shared by unit and end-to-end tests: settings and a real, migrated database file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.db import Database


@pytest.fixture
def make_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build Settings for a test: a database file under tmp_path, no web server, fast reconnects.

    Environment variables of the developer's shell must not leak into tests.
    """
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "DISCORD_API_URL", "DISCORD_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEXUS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def build(**overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'nexus.db'}"},
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
