"""Time enters the program one way: the injected `Clock` (bot/clock.py).

Tests move an injected clock; code that read the wall clock on its own would make the suite
pass or fail depending on the day it runs (it did: the pairing scheduler). The local Discord
(bot/sandbox) stands in for Discord's servers, which have their own clock, and is exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ALLOWED = {Path("bot/clock.py")}
EXEMPT_DIRS = (Path("bot/sandbox"),)

# Calls that read the wall clock, by their dotted name.
WALL_CLOCK_CALLS = {
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "time.time",
    "time.time_ns",
    "utils.utcnow",
    "discord.utils.utcnow",
}


def _sources() -> list[Path]:
    files = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "cogs").rglob("*.py"))
    relative = [path.relative_to(ROOT) for path in files]
    return [
        path
        for path in relative
        if path not in ALLOWED and not any(path.is_relative_to(d) for d in EXEMPT_DIRS)
    ]


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def wall_clock_reads(path: Path) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path}:{node.lineno} {_dotted(node.func)}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _dotted(node.func) in WALL_CLOCK_CALLS
    ]


@pytest.mark.parametrize("path", _sources(), ids=str)
def test_no_module_reads_the_wall_clock_on_its_own(path: Path) -> None:
    assert wall_clock_reads(path) == []


def test_the_check_catches_the_one_allowed_wall_clock_read() -> None:
    # SystemClock, the production clock, is the only place the wall clock is read.
    [found] = wall_clock_reads(Path("bot/clock.py"))
    assert found.endswith(" datetime.now()")
