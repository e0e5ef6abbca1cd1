"""Migrations that rewrite every row of a large table do it in keyset batches, saying how far
they are, and still reach every row (bot/migration_batches.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from bot.db import Database, alembic_config
from bot.migration_batches import BATCH_ROWS, run_in_batches

GUILD = 1001
CREATED = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
# More than two batches, with a gap of a billion ids in the middle (deleted rows leave gaps).
IDS = [*range(1, 7001), *range(10**9 + 1, 10**9 + 5002)]
SNIPPETS = sa.table(
    "snippets",
    sa.column("id", sa.BigInteger),
    sa.column("guild_id", sa.BigInteger),
    sa.column("author_id", sa.BigInteger),
    sa.column("title", sa.String),
    sa.column("language", sa.String),
    sa.column("tags", sa.String),
    sa.column("code", sa.Text),
    sa.column("star_count", sa.BigInteger),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
STARS = sa.table(
    "snippet_stars",
    sa.column("snippet_id", sa.BigInteger),
    sa.column("user_id", sa.BigInteger),
    sa.column("guild_id", sa.BigInteger),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def migrate(connection: Any, url: str, target: str, *, down: bool = False) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, target)


async def seed_snippets(database: Database, star_count: int) -> None:
    rows = [
        {
            "id": snippet_id,
            "guild_id": GUILD,
            "author_id": 7 + snippet_id % 3,
            "title": f"snippet {snippet_id}",
            "language": "python",
            "tags": "api retry",
            "code": "print(1)",
            "star_count": star_count,
            "created_at": CREATED,
        }
        for snippet_id in IDS
    ]
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(SNIPPETS), rows)


def progress_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "alembic.runtime.migration"
        and record.getMessage().startswith("snippets:")
    ]


async def test_recounting_stars_walks_every_snippet_in_batches_and_says_how_far(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    assert len(IDS) > 2 * BATCH_ROWS
    async with database.engine.begin() as connection:
        await connection.run_sync(migrate, database.url, "snippets_0002", down=True)
    await seed_snippets(database, star_count=5)  # every count wrong before the revision
    starred = IDS[::97]
    async with database.engine.begin() as connection:
        await connection.execute(
            sa.insert(STARS),
            [
                {"snippet_id": i, "user_id": user, "guild_id": GUILD, "created_at": CREATED}
                for i in starred
                for user in (21, 22)
            ],
        )
    with caplog.at_level(logging.INFO, logger="alembic.runtime.migration"):
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate, database.url, "heads")

    async with database.engine.connect() as connection:
        counts = dict(
            (await connection.execute(sa.select(SNIPPETS.c.id, SNIPPETS.c.star_count))).all()
        )
    assert counts == {i: 2 if i in set(starred) else 0 for i in IDS}
    lines = progress_lines(caplog)
    total = f"{len(IDS):,}"
    assert lines[0] == f"snippets: {total} rows to go through, {BATCH_ROWS:,} at a time"
    assert lines[-1] == f"snippets: {total} of {total} rows (100 %)"
    assert f"snippets: {BATCH_ROWS:,} of {total} rows (41 %)" in lines


async def test_the_filter_lexemes_reach_every_search_vector_in_batches(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("snippets_0002 rewrites rows on PostgreSQL only (SQLite's FTS5 needs none)")
    async with database.engine.begin() as connection:
        # Down through snippets_0002's own batched downgrade, on an empty table.
        await connection.run_sync(migrate, database.url, "snippets_0001", down=True)
    await seed_snippets(database, star_count=0)
    async with database.engine.begin() as connection:
        await connection.execute(
            sa.text("UPDATE snippets SET search_vector = to_tsvector('simple', title)")
        )
    with caplog.at_level(logging.INFO, logger="alembic.runtime.migration"):
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate, database.url, "heads")

    lexeme = "CAST(quote_literal({}) AS tsquery)"
    every_filter = " && ".join(
        lexeme.format(part)
        for part in (
            "'g ' || guild_id",
            "'l ' || language",
            "'a ' || author_id",
            "'t ' || encode(convert_to('retry', 'UTF8'), 'hex')",
        )
    )
    async with database.engine.connect() as connection:
        with_filters = await connection.scalar(
            sa.text(
                "SELECT count(*) FROM snippets WHERE search_vector @@"
                f" (to_tsquery('simple', 'snippet') && {every_filter})"
            )
        )
    assert with_filters == len(IDS)
    total = f"{len(IDS):,}"
    # snippets_0002's rewrite, then snippets_0003's recount, each walking the whole table.
    assert progress_lines(caplog).count(f"snippets: {total} of {total} rows (100 %)") == 2


async def test_each_batch_is_its_own_statement_over_its_own_range_of_keys(
    database: Database,
) -> None:
    await seed_snippets(database, star_count=0)
    batches: list[tuple[int, int]] = []

    def count_batches(connection: Any) -> int:
        def record(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
            if statement.startswith("UPDATE snippets"):
                batches.append((parameters[0], parameters[1]))

        sa.event.listen(connection, "before_cursor_execute", record)
        return run_in_batches(
            connection,
            "snippets",
            sa.text("UPDATE snippets SET star_count = 1 WHERE id > :after AND id <= :last"),
            batch_rows=4000,
        )

    async with database.engine.begin() as connection:
        done = await connection.run_sync(count_batches)
        ones = await connection.scalar(
            sa.text("SELECT count(*) FROM snippets WHERE star_count = 1")
        )
    assert done == ones == len(IDS)
    # 12,001 rows by 4,000: four statements, and the gap of a billion ids costs no empty one.
    billion = 10**9
    assert batches == [
        (-(2**63), 4000),
        (4000, billion + 1000),
        (billion + 1000, billion + 5000),
        (billion + 5000, billion + 5001),
    ]
