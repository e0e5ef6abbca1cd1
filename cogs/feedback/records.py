"""Feedback's frozen result types: what the store, intake, workflow, queries and the spec
registry return. Plain values only; the Discord side turns them into messages and embeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cogs.feedback.rules import ACTIVE_STATUSES, CLOSED_STATUSES

if TYPE_CHECKING:
    from datetime import datetime

    from cogs.feedback.endpoints import Endpoint


@dataclass(frozen=True, slots=True)
class Draft:
    """A validated item that is not stored yet (waiting for the duplicate check)."""

    guild_id: int
    reporter_id: int
    endpoint: Endpoint
    severity: str
    title: str
    details: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    id: int
    guild_id: int
    number: int
    reporter_id: int | None
    method: str
    path: str
    in_spec: bool | None
    severity: str
    title: str
    details: str
    expected: str | None
    actual: str | None
    status: str
    duplicate_of_number: int | None
    assignee_id: int | None
    plus_ones: int
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    created_at: datetime
    updated_at: datetime
    # "channel" or "forum": which kind of post the ids above point at.
    placement: str = "channel"

    @property
    def ref(self) -> str:
        return f"FB-{self.number}"

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class ItemHistoryEntry:
    id: int
    actor_id: int | None
    action: str
    from_value: str | None
    to_value: str | None
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Watcher:
    """A member told of an item's status changes, in its thread or (`dm`) by direct message."""

    user_id: int
    dm: bool


@dataclass(frozen=True, slots=True)
class Merge:
    """A duplicate folded into its original: what moved, and the original as it is now."""

    original: ItemRecord
    votes_moved: int
    watchers_added: int


@dataclass(frozen=True, slots=True)
class StatusChange:
    item: ItemRecord
    actor_id: int
    old_status: str
    new_status: str
    note: str | None
    # Who to tell, read in the change's transaction (the actor left out), each once.
    audience: tuple[Watcher, ...] = ()
    merge: Merge | None = None

    @property
    def closes(self) -> bool:
        return self.new_status in CLOSED_STATUSES

    @property
    def reopens(self) -> bool:
        return self.old_status in CLOSED_STATUSES and self.new_status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class Assignment:
    item: ItemRecord
    actor_id: int
    new_assignee_id: int


@dataclass(frozen=True, slots=True)
class PlusOne:
    item: ItemRecord
    user_id: int
    counted: bool  # False when this member had already +1'd, or reported the item
    details: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True, slots=True)
class Vote:
    """A +1 from an item's button: whether it counted, and the item as it is now."""

    item: ItemRecord
    user_id: int
    counted: bool


@dataclass(frozen=True, slots=True)
class ListFilters:
    status: str | None = None  # a status, or "active" for every not-closed status
    method: str | None = None
    path: str | None = None
    severity: str | None = None
    reporter_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False  # only items nobody is assigned to (the board's "nobody")


# Where a list page continues: below this number (newest first), or below these (+1s, number)
# when the list is sorted by +1s.
ListCursor = int | tuple[int, int]


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: tuple[ItemRecord, ...]
    next_cursor: ListCursor | None  # None on the last page


@dataclass(frozen=True, slots=True)
class ExportItem:
    item: ItemRecord
    history: tuple[ItemHistoryEntry, ...]


@dataclass(frozen=True, slots=True)
class SpecRecord:
    id: int
    name: str
    url: str
    title: str | None
    version: str | None
    spec_format: str
    operation_count: int
    added_by: int | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class AutocompleteChoice:
    name: str
    value: str
