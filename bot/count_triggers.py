"""Each guild's row counts, kept by the database in the same transaction as the rows they count:
the table and the triggers, as the migrations create them (bot/guild_counts.py reads them).

/admin stats and the API's stats show how many snippets, feedback items, audit entries … a
guild has. Counting them with `count(*)` reads every one of the guild's rows (tens of
milliseconds at a million snippets), so the counts live in `guild_counts` instead: one row per
guild and counter, changed by triggers on the counted tables. A trigger runs inside the
statement that changes a row, so every path that writes (the ORM, bulk `insert()`/`delete()`,
`db copy` and `db restore`, a moderator's SQL) keeps the count exact without knowing about it.

The table is not an ORM model on purpose: `db copy` copies the models' rows, and the target's
own triggers count them again as they arrive; a copied count would be counted twice.

A counter is named after its table, and for a count per value after the value too
(`feedback_items.open`): each table owns its names, so no two migrations write the same one.
On PostgreSQL the counter row is updated under a row lock held until commit, so two writes to
one guild's table take turns for that moment; each is a short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "guild_counts"


@dataclass(frozen=True)
class Counted:
    """The rows of `table` counted per guild under the name `name`, an SQL expression over the
    row written with `{row}` (`'snippets'`, `'feedback_items.' || {row}.status`); a row whose
    name is NULL is not counted. Every name is the table's, or starts with it and a dot.
    `changes` are the columns whose update can change the name."""

    table: str
    name: str
    changes: tuple[str, ...] = ()

    def name_of(self, row: str) -> str:
        return self.name.format(row=row)

    @property
    def trigger(self) -> str:
        return f"count_{self.table}"


def create_counts_table() -> str:
    # IF NOT EXISTS: the first revision to count anything creates it, whichever branch it is on
    # (a revision that depended on the core's for it would leave the core's head out of
    # alembic_version, and the schema check compares heads).
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} (guild_id BIGINT NOT NULL, name VARCHAR(100) NOT NULL,"
        f" value BIGINT NOT NULL, CONSTRAINT pk_{TABLE} PRIMARY KEY (guild_id, name))"
    )


def _add(counted: Counted, row: str) -> str:
    name = counted.name_of(row)
    return (
        f"INSERT INTO {TABLE} (guild_id, name, value) SELECT {row}.guild_id, {name}, 1"
        f" WHERE {row}.guild_id IS NOT NULL AND ({name}) IS NOT NULL"
        f" ON CONFLICT (guild_id, name) DO UPDATE SET value = {TABLE}.value + 1"
    )


def _take(counted: Counted, row: str) -> str:
    return (
        f"UPDATE {TABLE} SET value = value - 1"
        f" WHERE guild_id = {row}.guild_id AND name = {counted.name_of(row)}"
    )


def _changed(counted: Counted, is_not: str) -> str:
    # SQLite's IS NOT and PostgreSQL's IS DISTINCT FROM both compare NULL as a value.
    return f"({counted.name_of('OLD')}) {is_not} ({counted.name_of('NEW')})"


def start_counting(counted: Counted, dialect: str) -> list[str]:
    """The statements that make the database keep `counted` from now on, and count the rows
    already there."""
    backfill = (
        f"INSERT INTO {TABLE} (guild_id, name, value) SELECT guild_id, name, count(*) FROM"
        f" (SELECT guild_id, {counted.name_of(counted.table)} AS name FROM {counted.table})"
        f" AS counted WHERE guild_id IS NOT NULL AND name IS NOT NULL GROUP BY guild_id, name"
    )
    if dialect == "postgresql":
        return [*_postgres_triggers(counted), backfill]
    return [*_sqlite_triggers(counted), backfill]


def stop_counting(counted: Counted, dialect: str) -> list[str]:
    """Undo `start_counting` (a downgrade): the triggers go, and the counts they kept."""
    owned = f"name = '{counted.table}' OR name LIKE '{counted.table}.%'"
    forget = f"DELETE FROM {TABLE} WHERE {owned}"
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {counted.trigger} ON {counted.table}",
            f"DROP TRIGGER IF EXISTS {counted.trigger}_update ON {counted.table}",
            f"DROP FUNCTION IF EXISTS {counted.trigger}()",
            forget,
        ]
    return [
        f"DROP TRIGGER IF EXISTS {counted.trigger}_{event}"
        for event in ("insert", "delete", "update")
    ] + [forget]


def _sqlite_triggers(counted: Counted) -> list[str]:
    name = counted.trigger
    statements = [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {counted.table}"
        f" BEGIN {_add(counted, 'NEW')}; END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {counted.table}"
        f" BEGIN {_take(counted, 'OLD')}; END",
    ]
    if counted.changes:
        statements.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(counted.changes)}"
            f" ON {counted.table} WHEN {_changed(counted, 'IS NOT')}"
            f" BEGIN {_take(counted, 'OLD')}; {_add(counted, 'NEW')}; END"
        )
    return statements


def _postgres_triggers(counted: Counted) -> list[str]:
    name = counted.trigger
    statements = [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP <> 'INSERT' THEN {_take(counted, 'OLD')}; END IF;"
        f" IF TG_OP <> 'DELETE' THEN {_add(counted, 'NEW')}; END IF;"
        f" RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER INSERT OR DELETE ON {counted.table}"
        f" FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]
    if counted.changes:
        statements.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(counted.changes)}"
            f" ON {counted.table} FOR EACH ROW WHEN ({_changed(counted, 'IS DISTINCT FROM')})"
            f" EXECUTE FUNCTION {name}()"
        )
    return statements


def migrate_up(*counted: Counted) -> None:
    """In a migration: start counting each of `counted`, the rows already there included."""
    from alembic import op  # only migrations need Alembic (a start on a current schema skips it)

    dialect = op.get_bind().dialect.name
    op.execute(create_counts_table())
    for one in counted:
        for statement in start_counting(one, dialect):
            op.execute(statement)


def migrate_down(*counted: Counted) -> None:
    """In a migration: stop counting each of `counted`. The table stays: other branches'
    revisions may still count into it."""
    from alembic import op

    dialect = op.get_bind().dialect.name
    for one in counted:
        for statement in stop_counting(one, dialect):
            op.execute(statement)
