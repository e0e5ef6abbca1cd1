"""What /nexus help and /nexus about show, derived from the live command tree and the runtime."""

from __future__ import annotations

from dataclasses import dataclass

# The order features appear in /nexus help, with a one-line description of each.
FEATURE_GROUPS: dict[str, str] = {
    "snippet": "Share code snippets, search them and star the best",
    "pair": "Get matched with a partner for pair programming",
    "feedback": "Report problems with backend APIs; backend learners triage them",
    "announce": "Scheduled announcements (moderators)",
    "admin": "Set up and moderate Nexus (moderators)",
    "nexus": "About the bot",
}


@dataclass(frozen=True)
class CommandLine:
    path: str  # "/snippet share" or a context-menu name
    description: str


@dataclass(frozen=True)
class HelpSection:
    title: str
    description: str
    commands: tuple[CommandLine, ...]


def build_help(commands: list[CommandLine], menus: list[CommandLine]) -> list[HelpSection]:
    """Group command lines by their top-level name, known features first, in a stable order."""
    grouped: dict[str, list[CommandLine]] = {}
    for line in commands:
        root = line.path.lstrip("/").split(" ", 1)[0]
        grouped.setdefault(root, []).append(line)
    order = [name for name in FEATURE_GROUPS if name in grouped]
    order += sorted(name for name in grouped if name not in FEATURE_GROUPS)
    sections = [
        HelpSection(
            f"/{name}",
            FEATURE_GROUPS.get(name, ""),
            tuple(sorted(grouped[name], key=lambda line: line.path)),
        )
        for name in order
    ]
    if menus:
        sections.append(
            HelpSection(
                "Right-click menus",
                "On a message: Apps →",
                tuple(sorted(menus, key=lambda line: line.path)),
            )
        )
    return sections
