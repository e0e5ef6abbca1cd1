"""The SQL language inside the jail: a small program Debian's Python runs there (passed with
`-c`, never imported by the bot). It opens an in-memory SQLite database, runs the fixture
silently, then each statement of the member's code, printing every result set as a table.

Usage inside the jail: python3 -I -c <this file> FIXTURE_PATH CODE_PATH
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Sequence

# sqlite3's authorizer action codes (sqlite3.h) this driver refuses: a database file outside
# the jail must never be reachable, even read-only.
SQLITE_ATTACH = 24
SQLITE_FUNCTION = 31
REFUSED_FUNCTIONS = frozenset({"load_extension"})


def authorize(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
) -> int:
    if action == SQLITE_ATTACH:
        return sqlite3.SQLITE_DENY
    if action == SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    del arg1
    return sqlite3.SQLITE_OK


def statements(script: str) -> Iterator[str]:
    """Each complete statement in `script`, in order; a `;` inside a string, a comment or a
    trigger body does not end one, because SQLite itself says when a statement is complete."""
    start = 0
    position = script.find(";")
    while position != -1:
        candidate = script[start : position + 1]
        if sqlite3.complete_statement(candidate):
            if candidate.strip(" \t\r\n;"):
                yield candidate
            start = position + 1
        position = script.find(";", position + 1)
    rest = script[start:]
    # The last statement may lack its `;`; a lone comment there runs as nothing at all.
    if rest.strip():
        yield rest


def cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A result set the way psql shows one: a header, a rule, the rows and their count."""
    cells = [[cell(value) for value in row] for row in rows]
    widths = [len(name) for name in columns]
    for row in cells:
        widths = [max(width, len(text)) for width, text in zip(widths, row, strict=True)]
    lines = [" | ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines.extend(
        " | ".join(text.ljust(width) for text, width in zip(row, widths, strict=True))
        for row in cells
    )
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(line.rstrip() for line in lines)


def main(fixture_path: str, code_path: str) -> int:
    database = sqlite3.connect(":memory:", isolation_level=None)
    if hasattr(database, "enable_load_extension"):
        database.enable_load_extension(False)
    database.set_authorizer(authorize)
    with open(fixture_path, encoding="utf-8") as fixture:
        try:
            database.executescript(fixture.read())
        except sqlite3.Error as error:
            print(f"Error in the fixture: {error}", file=sys.stderr)
            return 1
    with open(code_path, encoding="utf-8") as code:
        script = code.read()
    shown = 0
    for statement in statements(script):
        try:
            cursor = database.execute(statement)
            rows = cursor.fetchall()
        except sqlite3.Error as error:
            print(f"Error: {error}", file=sys.stderr)
            return 1
        if cursor.description is None:
            continue
        if shown:
            print()
        print(table([column[0] for column in cursor.description], rows))
        shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
