"""The base of every section of the configuration file, apart from `bot/config.py` so that a
section can live in a module of its own (`bot/memory_settings.py`) without an import circle."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigSection(BaseModel):
    """A section of the file: the core's (`database:`, `web:` …) and each feature's own
    (`cogs/<feature>/settings.py` defines `FileSettings`; its section is named after the
    feature)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
