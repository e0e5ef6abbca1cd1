"""The key that signs access tokens: NEXUS_JWT_SECRET, or one made once beside the database.

Generated, it is 32 random bytes in `jwt-secret` in the data directory (where the SQLite file
lives; `data/` on PostgreSQL), readable by the bot's user only and reused on every start, so a
restart signs nobody out. Every process on the machine reads the same file; processes on
several machines need the variable set to one value.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db import sqlite_path

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)
SECRET_FILE = "jwt-secret"
DEFAULT_DATA_DIRECTORY = Path("data")
OWNER_ONLY = 0o600


def data_directory(settings: Settings) -> Path:
    database = sqlite_path(settings.database.url)
    return database.parent if database is not None else DEFAULT_DATA_DIRECTORY


def jwt_secret(settings: Settings) -> bytes:
    configured = settings.web.jwt_secret
    if configured is not None:
        return configured.get_secret_value().encode()
    return secret_file(data_directory(settings) / SECRET_FILE)


def secret_file(path: Path) -> bytes:
    """The secret kept at `path`, made there first (owner-only) when missing."""
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32))
    try:
        # A hard link appears whole or not at all: of two processes starting together one
        # links its key and the other reads that one, never a half-written file.
        os.link(draft, path)
        log.info("made a JWT signing key in %s (set NEXUS_JWT_SECRET to choose one)", path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read(path)


def _read(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Left readable by others (a copy, a restore), the key would let them sign tokens.
        os.chmod(path, OWNER_ONLY)
        log.warning("%s was readable by others (mode %o); now owner-only", path, mode)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise OSError(f"{path} holds no usable key (under 32 characters); delete it to make one")
    return secret.encode()
