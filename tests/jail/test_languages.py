"""Each language through the real jail: output, input, exit codes, separate stderr, SQL
fixtures and tables, and output that is not valid UTF-8."""

from __future__ import annotations

import pytest

from bot.runner.languages import find_language
from bot.runner.local import LocalJail
from bot.runner.records import RunRequest
from tests.jail.support import SMALL

ECHO_STDIN = {
    "python": "import sys\nname = sys.stdin.read().strip()\nprint(f'hello {name} ✓')\n"
    "print('to stderr', file=sys.stderr)\nsys.exit(3)",
    "javascript": "const name = require('fs').readFileSync(0, 'utf8').trim();\n"
    "console.log(`hello ${name} ✓`); console.error('to stderr'); process.exit(3);",
    "bash": "read -r name\necho \"hello $name ✓\"\necho 'to stderr' >&2\nexit 3",
}


@pytest.mark.parametrize("language", sorted(ECHO_STDIN))
async def test_a_program_reads_stdin_and_reports_its_exit_code(
    jail: LocalJail, language: str
) -> None:
    result = await jail.execute(RunRequest(language, ECHO_STDIN[language], stdin="Ada\n"), SMALL)
    assert result.stdout == "hello Ada ✓\n"
    assert result.stderr == "to stderr\n"
    assert result.exit_code == 3
    assert result.signal is None
    assert not result.limits_hit
    assert not result.succeeded


async def test_every_installed_language_runs(jail: LocalJail) -> None:
    statuses = {status.name: status for status in jail.languages()}
    assert list(statuses) == ["python", "sql", "javascript", "bash"]
    assert all(status.available for status in statuses.values()), statuses
    printing = {
        "python": "print(6 * 7)",
        "sql": "SELECT 6 * 7 AS answer;",
        "javascript": "console.log(6 * 7)",
        "bash": "echo $((6 * 7))",
    }
    for name, code in printing.items():
        result = await jail.execute(RunRequest(name, code), SMALL)
        assert result.succeeded, result
        assert "42" in result.stdout


async def test_sql_runs_the_fixture_silently_and_prints_tables(jail: LocalJail) -> None:
    fixture = (
        "CREATE TABLE member(id INTEGER PRIMARY KEY, name TEXT, note TEXT);"
        "INSERT INTO member VALUES (1, 'Ada', 'semi; colon'), (2, 'Linus', NULL);"
    )
    code = "SELECT id, name, note FROM member ORDER BY id;\nSELECT count(*) AS n FROM member"
    result = await jail.execute(RunRequest("sql", code, fixture=fixture), SMALL)
    assert result.succeeded, result
    assert result.stdout == (
        "id | name  | note\n"
        "---+-------+------------\n"
        "1  | Ada   | semi; colon\n"
        "2  | Linus | NULL\n"
        "(2 rows)\n"
        "\n"
        "n\n"
        "-\n"
        "2\n"
        "(1 row)\n"
    )


async def test_sql_errors_say_where_they_came_from(jail: LocalJail) -> None:
    broken = await jail.execute(RunRequest("sql", "SELECT 1;", fixture="CREATE TABLE"), SMALL)
    assert broken.exit_code == 1
    assert broken.stderr.startswith("Error in the fixture:")
    missing = await jail.execute(RunRequest("sql", "SELECT * FROM nowhere;"), SMALL)
    assert missing.exit_code == 1
    assert "no such table: nowhere" in missing.stderr


async def test_invalid_utf8_output_is_replaced(jail: LocalJail) -> None:
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe caf\\xc3\\xa9\\n')"
    result = await jail.execute(RunRequest("python", code), SMALL)
    assert result.stdout == "ok \ufffd\ufffd café\n"


def test_aliases_name_the_canonical_languages() -> None:
    for alias, name in (
        ("PY", "python"),
        ("python3", "python"),
        ("sqlite3", "sql"),
        ("NodeJS", "javascript"),
        ("js", "javascript"),
        ("sh", "bash"),
        ("shell", "bash"),
    ):
        language = find_language(alias)
        assert language is not None
        assert language.name == name
    assert find_language("cobol") is None
