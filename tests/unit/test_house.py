"""The house's rules, read from the source: arrows point down, no circles, modules stay small.

`bot/` is the core and names no feature; `cogs/<feature>` depends on `bot/` and never on another
feature; nothing imports a feature's `commands.py` (the cog), and no module in `bot/` or `cogs/`
grows past about 400 lines. docs/architecture.md explains why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "cogs")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            yield path


MODULES: dict[str, Path] = {_module_name(path): path for path in _source_files()}


def _imported_modules(path: Path) -> set[str]:
    """Our modules `path` imports, type-only imports included: a circle of annotations is
    still two modules that cannot be understood one without the other."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        found.update(_our_module(name) for name in names if _our_module(name))
    found.discard(this)
    return found


def _our_module(name: str) -> str:
    """The longest known module `name` refers to (an imported name may be a function)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return ""


GRAPH: dict[str, set[str]] = {name: _imported_modules(path) for name, path in MODULES.items()}


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "cogs" and len(parts) > 1 else None


def _crosses_features(module: str, target: str) -> bool:
    source, destination = _feature_of(module), _feature_of(target)
    return source is not None and destination is not None and source != destination


def test_the_core_never_imports_a_feature() -> None:
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.startswith("bot")
        for target in targets
        if target.startswith("cogs")
    )
    assert offenders == []


def test_no_feature_imports_another() -> None:
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _crosses_features(module, target)
    )
    assert offenders == []


def test_nothing_imports_a_cog_module() -> None:
    """The cog (`commands.py`) is the top of its feature: only its package's setup loads it."""
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if target.endswith(".commands") and module != target.rpartition(".")[0]
    )
    assert offenders == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH.get(node, ())):
            # A package's __init__ importing its own modules is how packages work, not a circle.
            if node and target.startswith(node + "."):
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return sorted(components)


def test_there_are_no_import_circles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_stays_small(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by job"


def test_the_graph_reader_sees_real_imports() -> None:
    """Guards the guard: a reader that found no imports would pass every rule above."""
    assert "bot.clock" in GRAPH["bot.scheduler"] or "bot.models" in GRAPH["bot.scheduler"]
    assert any(target.startswith("bot") for target in GRAPH["cogs.snippets.commands"])
