"""The closed sets a member picks from, as types: the slash commands' choices and the HTTP API's
enums are these same types, so both offer the same values (rules.py checks what is typed)."""

from __future__ import annotations

from typing import Literal

Severity = Literal["blocker", "bug", "suggestion", "question"]
# A triager's target statuses: withdrawing is the reporter's own move.
TriageStatus = Literal["open", "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate"]
Status = Literal[
    "open", "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate", "withdrawn"
]
# A list's status filter: a status, or "active" for every status not closed yet.
StatusFilter = Literal[
    "active", "open", "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate",
    "withdrawn",
]  # fmt: skip
ExportFormat = Literal["csv", "json", "markdown"]
SortOrder = Literal["newest", "plus_ones"]
