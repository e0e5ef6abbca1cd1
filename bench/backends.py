"""Which database a benchmark runs on: SQLite (the default) or a PostgreSQL server.

`--database-url postgresql+asyncpg://user@host:port/anything` names a server; the benchmark
then works in its own throw-away database on it (``fresh_postgres``), dropped and created
again at each run so figures never include an earlier run's rows.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit, urlunsplit

DATABASE_URL_HELP = (
    "run on this database server instead of a SQLite file, e.g. "
    "postgresql+asyncpg://nexus@127.0.0.1:5432/postgres (a fresh database is created on it)"
)


def add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=None, help=DATABASE_URL_HELP)


def is_postgres(url: str | None) -> bool:
    return url is not None and url.startswith("postgresql")


def asyncpg_dsn(url: str) -> str:
    """The plain DSN asyncpg accepts for a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def fresh_postgres(url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``url``; its SQLAlchemy URL."""
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(url, name)


async def postgres_version(url: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return str(await connection.fetchval("SHOW server_version")).split()[0]
    finally:
        await connection.close()
