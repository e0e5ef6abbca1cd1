"""The statement of a feedback list page, built once per shape, its values bound.

A page's select names every column, its filters, its order and its keyset: some forty objects
SQLAlchemy would build, and then walk for a cache key, on every page (about a third of a page's
read, measured). A page's *shape* — the backend, which filters are given, the order, whether it
continues after a cursor — has few values, so each shape's statement is built once, kept (it
memoizes its own cache key) and run with the page's values as parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Integer, bindparam, select, tuple_

from cogs.feedback.models import FeedbackItem
from cogs.feedback.rules import ACTIVE_STATUSES

if TYPE_CHECKING:
    from sqlalchemy import Select

    from cogs.feedback.records import ListCursor, ListFilters

# The filters with an index ending in `number`, most selective first (see `_filtered`).
STEERABLE = ("path", "reporter_id", "status", "severity")


@dataclass(frozen=True, slots=True)
class ListShape:
    dialect: str
    status: Literal["active", "one"] | None
    given: frozenset[str]  # which of path, method, severity, reporter_id, assignee_id
    unassigned: bool
    by_plus_ones: bool
    continues: bool  # after a cursor
    limit: int


def list_statement(
    guild_id: int,
    filters: ListFilters,
    dialect: str,
    *,
    before: ListCursor | None,
    limit: int,
    by_plus_ones: bool,
) -> tuple[Select[Any], dict[str, Any]]:
    """The page's statement and the values to run it with."""
    values: dict[str, Any] = {"guild_id": guild_id}
    given = {
        name: value
        for name, value in (
            ("path", filters.path),
            ("method", filters.method),
            ("severity", filters.severity),
            ("reporter_id", filters.reporter_id),
            ("assignee_id", filters.assignee_id),
        )
        if value is not None
    }
    values.update(given)
    status: Literal["active", "one"] | None = None
    if filters.status == "active":
        status = "active"
    elif filters.status is not None:
        status, values["status"] = "one", filters.status
    continues = isinstance(before, tuple) if by_plus_ones else isinstance(before, int)
    if continues and isinstance(before, tuple):
        values["before_plus_ones"], values["before_number"] = before
    elif continues:
        values["before_number"] = before
    shape = ListShape(
        dialect, status, frozenset(given), filters.unassigned, by_plus_ones, continues, limit
    )
    return _built(shape), values


@functools.cache
def _built(shape: ListShape) -> Select[Any]:
    query = _filtered(select(*FeedbackItem.__table__.columns), shape)
    number = FeedbackItem.number
    if shape.by_plus_ones:
        plus_ones = _plus_ones_order(shape)
        if shape.continues:
            query = query.where(
                tuple_(plus_ones, number)
                < tuple_(
                    bindparam("before_plus_ones", type_=Integer),
                    bindparam("before_number", type_=Integer),
                )
            )
        query = query.order_by(plus_ones.desc(), number.desc())
    else:
        if shape.continues:
            query = query.where(number < bindparam("before_number"))
        query = query.order_by(number.desc())
    return query.limit(shape.limit)


def _filtered(query: Select[Any], shape: ListShape) -> Select[Any]:
    """The list filters, steering SQLite to the one index that makes the page cheap.

    Each filter has an index ending in `number`, so a page is a short range scan. SQLite (with
    no ANALYZE statistics) can't tell which filter is selective and may walk a whole status
    (every resolved item) to find a member's few items. In its dialect, the filters not chosen
    are written as `column || ''` / `column + 0`, which SQLite cannot use an index for — the
    documented way to steer its planner. Most selective first: path, reporter, status, severity.
    PostgreSQL keeps plain columns: its planner has statistics.
    """
    sqlite = shape.dialect == "sqlite"
    steerable = {*shape.given, *(("status",) if shape.status == "one" else ())}
    chosen = next((name for name in STEERABLE if name in steerable), None) if sqlite else None

    def column(name: str) -> Any:
        plain = getattr(FeedbackItem, name)
        if not sqlite or name == chosen:
            return plain
        return plain + 0 if name == "reporter_id" else plain.concat("")

    query = query.where(FeedbackItem.guild_id == bindparam("guild_id"))
    if shape.status == "active":
        query = query.where(column("status").in_(ACTIVE_STATUSES))
    elif shape.status == "one":
        query = query.where(column("status") == bindparam("status"))
    for name in ("path", "method", "severity", "reporter_id"):
        if name in shape.given:
            steered = FeedbackItem.method if name == "method" else column(name)
            query = query.where(steered == bindparam(name))
    # No index of its own: an assignee is checked on the rows the chosen index finds.
    if shape.unassigned:
        query = query.where(FeedbackItem.assignee_id.is_(None))
    elif "assignee_id" in shape.given:
        query = query.where(FeedbackItem.assignee_id == bindparam("assignee_id"))
    return query


def _plus_ones_order(shape: ListShape) -> Any:
    """What a most-+1s-first page is ordered by.

    SQLite walks the (+1s, number) index to skip sorting, checking each row against the
    filters: right with no filter or a status alone (common values, found early), but an
    endpoint's items, a member's, a severity within a status or an assignee's are few among the
    whole guild, and that walk reads all of it (a second for `mine` at 100,000 items). Then it
    is cheaper to read the rows through the chosen filter's index (see `_filtered`) and sort
    them, so the order is written as `plus_ones + 0`, which SQLite cannot take from an index.
    """
    narrow = {"path", "reporter_id", "severity", "assignee_id"} & shape.given
    if shape.dialect == "sqlite" and narrow:
        return FeedbackItem.plus_ones + 0
    return FeedbackItem.plus_ones
