"""What the feedback board's pages show, shaped from the queries' records: the filters as a
member typed them (to fill the form again and to build links), cards, the moves a triager is
offered from a status, and an item's history in words. No HTTP and no Discord markup here:
plain values in, plain values out, for the templates to escape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from cogs.feedback.endpoints import path_matches
from cogs.feedback.render_lists import history_words
from cogs.feedback.rules import SEVERITIES, STATUS_LABELS, STATUSES, TRANSITIONS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from cogs.feedback.records import ItemHistoryEntry, ItemRecord
    from cogs.feedback.spec_operations import OperationRecord

    NameOf = Callable[[int | None], str]

# Every status is a column, in the workflow's order: the active ones first, then the closed.
COLUMNS: Final = STATUSES
COLUMN_SIZE: Final = 20
SORTS: Final = {"newest": "Newest first", "plus_ones": "Most +1s first"}
ASSIGNEE_CHOICES: Final = {"": "Anyone", "me": "Me", "nobody": "Nobody"}
SEVERITY_CHOICES: Final = {"": "Any severity"} | {s: s.capitalize() for s in SEVERITIES}
NOBODY: Final = "nobody yet"
FORMER_MEMBER: Final = "a former member"
# A card's quick move leaves out `duplicate`: it needs the original's id, asked on the item page.
NEEDS_A_TARGET: Final = "duplicate"


@dataclass(frozen=True)
class BoardQuery:
    """The board's filters as they came in the address, to fill the form and build links."""

    endpoint: str = ""
    severity: str = ""
    mine: bool = False
    assignee: str = ""
    sort: str = "newest"
    status: str = ""

    def link(self, guild_id: int, **changed: str) -> str:
        """The board's address with these filters (and `changed` ones, like a cursor)."""
        values = {
            "endpoint": self.endpoint,
            "severity": self.severity,
            "mine": "on" if self.mine else "",
            "assignee": self.assignee,
            "sort": self.sort if self.sort != "newest" else "",
            "status": self.status,
            **changed,
        }
        query = urlencode({key: value for key, value in values.items() if value})
        return board_path(guild_id) + (f"?{query}" if query else "")

    @property
    def filtered(self) -> bool:
        return bool(self.endpoint or self.severity or self.mine or self.assignee)


@dataclass(frozen=True)
class Move:
    status: str
    label: str


@dataclass(frozen=True)
class Card:
    item: ItemRecord
    assignee: str
    href: str
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Column:
    status: str
    label: str
    cards: tuple[Card, ...]
    more_href: str | None  # the column's next page, when it has more


@dataclass(frozen=True)
class LoggedEndpoint:
    """An endpoint as members logged it, with its active items, linking to them on the board."""

    endpoint: str
    count: int
    href: str


@dataclass(frozen=True)
class EndpointRow:
    """One operation of a spec and the active items logged against it (a templated path like
    `/jobs/{id}` gathers every concrete `/jobs/42` logged)."""

    method: str
    path: str
    summary: str | None
    logged: tuple[LoggedEndpoint, ...]

    @property
    def open_count(self) -> int:
        return sum(logged.count for logged in self.logged)


@dataclass(frozen=True)
class HistoryLine:
    when_iso: str
    when_shown: str
    who: str
    what: str
    note: str | None


def board_path(guild_id: int) -> str:
    return f"/f/{guild_id}"


def item_path(guild_id: int, number: int) -> str:
    return f"/f/{guild_id}/{number}"


def specs_path(guild_id: int) -> str:
    return f"/f/{guild_id}/specs"


def thread_url(item: ItemRecord) -> str | None:
    """Where the item is discussed in Discord: its thread (a forum post is one too), or its
    message when it has no thread; None when it was never posted."""
    if item.thread_id is not None:
        return f"https://discord.com/channels/{item.guild_id}/{item.thread_id}"
    if item.channel_id is not None and item.message_id is not None:
        return f"https://discord.com/channels/{item.guild_id}/{item.channel_id}/{item.message_id}"
    return None


def moves_from(status: str, *, with_duplicate: bool = True) -> tuple[Move, ...]:
    """The moves the workflow allows a triager from `status` (TRANSITIONS, the one source)."""
    return tuple(
        Move(target, STATUS_LABELS[target])
        for target in TRANSITIONS[status]
        if with_duplicate or target != NEEDS_A_TARGET
    )


def card(item: ItemRecord, name_of: NameOf, *, triager: bool) -> Card:
    moves = moves_from(item.status, with_duplicate=False) if triager else ()
    return Card(
        item,
        NOBODY if item.assignee_id is None else name_of(item.assignee_id),
        item_path(item.guild_id, item.number),
        moves,
    )


def endpoint_rows(
    operations: Iterable[OperationRecord], counts: Mapping[tuple[str, str], int], guild_id: int
) -> list[EndpointRow]:
    """Each operation with the logged endpoints it covers (same method, its path literally or
    by filling its parameters), matched only against endpoints of the same method and depth."""
    by_shape: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for (method, path), count in counts.items():
        by_shape.setdefault((method, path.count("/")), []).append((path, count))
    rows = []
    for operation in operations:
        candidates = by_shape.get((operation.method, operation.path.count("/")), [])
        logged = tuple(
            LoggedEndpoint(
                f"{operation.method} {path}",
                count,
                BoardQuery().link(guild_id, endpoint=f"{operation.method} {path}"),
            )
            for path, count in sorted(candidates)
            if path_matches(operation.path, path)
        )
        rows.append(EndpointRow(operation.method, operation.path, operation.summary, logged))
    return rows


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def shown(moment: datetime) -> str:
    """A time as every reader reads it the same: UTC, spelt out (the page has no script to
    put it in the reader's zone; the `datetime` attribute carries the exact instant)."""
    at = utc(moment)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def history_line(entry: ItemHistoryEntry, name_of: NameOf) -> HistoryLine:
    """One row of an item's history, in the same words as `/feedback show` gives it."""
    who = "Nexus" if entry.actor_id is None else name_of(entry.actor_id)
    at = utc(entry.created_at)
    return HistoryLine(at.isoformat(), shown(at), who, history_words(entry, name_of), entry.note)
