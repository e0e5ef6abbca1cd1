"""The due heap answers what falls due next, and does not grow with what it has let go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from bot.scheduler import STALE_ENTRIES_ALLOWED
from cogs.announcements.due_heap import DueHeap

# Far from any real date on purpose.
START = datetime(2031, 5, 4, 9, 0, tzinfo=UTC)


def heap() -> DueHeap:
    return DueHeap(cast(Any, None))  # no database: only the in-memory side is used here


def test_moved_and_cancelled_announcements_leave_a_bounded_heap() -> None:
    due = heap()
    for n in range(3000):
        due.schedule(1, START + timedelta(minutes=n))  # one announcement edited again and again
        due.schedule(1000 + n, START + timedelta(days=30))  # made, then cancelled
        due.unschedule(1000 + n)
    due.schedule(2, START + timedelta(hours=1))
    assert len(due) == 2
    assert len(due._heap) <= 2 * len(due) + STALE_ENTRIES_ALLOWED
    assert due.next_due() == START + timedelta(hours=1)
    assert due.pop_due(START + timedelta(days=31)) == [2, 1]
    assert due.next_due() is None


def test_a_time_scheduled_again_after_a_move_pops_once() -> None:
    due = heap()
    first, second = START + timedelta(hours=1), START + timedelta(hours=2)
    for _ in range(200):
        due.schedule(7, first)
        due.schedule(7, second)
    due.schedule(7, first)
    assert due.pop_due(START + timedelta(hours=3)) == [7]
    assert due.pop_due(START + timedelta(hours=3)) == []
