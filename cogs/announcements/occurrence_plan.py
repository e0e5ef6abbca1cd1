"""What to do with one due announcement: post it on time, post it late, or skip it.

The decision is a pure function over plain values, so every missed-run rule is unit tested;
the dispatcher claims and posts what it decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from cogs.announcements.models import MissedPolicy

if TYPE_CHECKING:
    from cogs.announcements.schedule import Recurrence

# Later than this, a run counts as missed (the bot was down) rather than merely a bit slow.
ON_TIME: Final = timedelta(seconds=60)


class Action(StrEnum):
    POST = "post"
    SKIP = "skip"


@dataclass(frozen=True)
class Plan:
    announcement_id: int
    scheduled_for: datetime
    action: Action
    delayed: bool
    next_run_at: datetime | None


def plan_occurrence(
    announcement_id: int,
    recurrence: Recurrence,
    *,
    next_run_at: datetime,
    missed: str,
    now: datetime,
    grace: timedelta,
) -> Plan:
    """What to do with a due announcement (pure, so the missed-run rules are unit tested)."""
    if now - next_run_at <= ON_TIME:
        return Plan(
            announcement_id,
            next_run_at,
            Action.POST,
            False,
            recurrence.next_after(next_run_at),
        )
    # Missed while the bot was down: only the latest run inside the grace window may be posted.
    window_start = now - grace
    first: datetime | None = next_run_at
    if next_run_at < window_start:
        first = recurrence.next_after(window_start - timedelta(microseconds=1))
    latest = None
    if first is not None and first <= now:
        latest = recurrence.latest_at_or_before(first, now)
    following = recurrence.next_after(now)
    if latest is not None and missed == MissedPolicy.POST_LATE:
        return Plan(announcement_id, latest, Action.POST, True, following)
    return Plan(announcement_id, latest or next_run_at, Action.SKIP, False, following)
