"""Rewriting every row of a large table in a migration, a few thousand rows a statement.

A single `UPDATE snippets SET …` over a million rows is one statement that runs for minutes and
says nothing while it does: an operator watching a start cannot tell progress from a hang. Here
the table is walked by its integer key in keyset batches (`key > last AND key <= next`, each
boundary found through the key's index, so gaps left by deleted rows cost nothing) and each
batch is its own statement, with the rows done so far logged beside Alembic's own lines.

The batches run inside the transaction Alembic runs the upgrade in (the bot opens one for the
whole upgrade, `bot.db.Database.upgrade`): a failure half-way leaves no half-rewritten table and
no revision recorded that did not finish, and the next start runs the revision again from the
beginning. That costs what one big UPDATE costs in locks and journal space; what the batches buy
is statements of bounded length (PostgreSQL's `statement_timeout` applies to a batch, not to the
whole table) and progress an operator can watch. The bot upgrades before it connects to the
gateway, so none of its own work waits on the long transaction; another process sharing a
PostgreSQL database waits only to write a row already rewritten, as it would behind one UPDATE.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import Executable

# Alembic logs "Running upgrade a -> b" here; the progress lines belong beside them.
log = logging.getLogger("alembic.runtime.migration")

BATCH_ROWS: Final = 5000
# Progress is logged when the share done crosses each of these steps (and at the end), so a
# table of any size writes about twenty lines, not one per batch.
PROGRESS_STEPS: Final = 20


def run_in_batches(
    connection: Connection,
    table: str,
    statement: Executable,
    *,
    key: str = "id",
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Run `statement` once per batch of `table`'s rows, in order of `key`; returns the rows.

    `statement` selects its batch with the bind parameters `after` and `last`
    (`key > :after AND key <= :last`), as text or a Core statement built with `bindparam`.
    `table` and `key` are the migration's own constants, never user input.
    """
    total = connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0
    log.info("%s: %s rows to go through, %s at a time", table, f"{total:,}", f"{batch_rows:,}")
    bounds = text(
        f"SELECT count(*), max({key}) FROM"
        f" (SELECT {key} FROM {table} WHERE {key} > :after ORDER BY {key} LIMIT :rows) AS batch"
    )
    # Below every key a table can hold (64-bit signed integers on both backends).
    done, after, step = 0, -(2**63), 0
    while True:
        rows, last = connection.execute(bounds, {"after": after, "rows": batch_rows}).one()
        if not rows:
            break
        connection.execute(statement, {"after": after, "last": last})
        done, after = done + rows, last
        if _step(done, total) > step:
            step = _step(done, total)
            log.info(
                "%s: %s of %s rows (%d %%)", table, f"{done:,}", f"{total:,}", _percent(done, total)
            )
    return done


def _percent(done: int, total: int) -> int:
    return min(100, done * 100 // max(total, 1))


def _step(done: int, total: int) -> int:
    # Rows may have been added since the count (not during an upgrade, but cheaply safe).
    return min(PROGRESS_STEPS, done * PROGRESS_STEPS // max(total, 1))
