"""The feedback's part of the program dashboard: items opened and resolved a week, how long
the first response and the resolution took (medians), and the busiest endpoints.

A moderator sees every item of the server; anyone else sees their own reports. "Resolved" is a
move to `resolved` (not won't-fix, duplicate or withdrawn); the first response is a triager's
first status change or assignment. Times are counted for the items opened in the dashboard's
weeks, from each item's history; the database finds each item's first response and
resolution, Python takes the medians of those few rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from bot.dashboard import (
    TOP_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    per_week,
    weekly_counts,
    weekly_panel,
)
from cogs.feedback.models import FeedbackHistory, FeedbackItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, ScalarSelect
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.dashboard import DashboardViewer, Weeks

FEATURE: Final = "feedback"
RESPONSES: Final = ("status", "assigned")
HOUR: Final = 3600.0
# The servers whose moderators' part is kept (the oldest kept gives way).
SERVERS_KEPT: Final = 64


@dataclass(frozen=True)
class Version:
    weeks: Weeks
    newest_change: int | None
    newest_item: int | None
    items: int


@dataclass(frozen=True)
class ItemTimes:
    week: int
    endpoint: str
    first_response: float | None  # hours after it was opened
    resolution: float | None


def _middle(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max((end - start).total_seconds(), 0.0) / HOUR


class FeedbackDashboard:
    """The feedback's part of the dashboard. A moderator's (the whole server's) is kept until
    the server's feedback changes: it reads every item opened in the weeks and each one's
    history (seconds, at 40,000 items in the weeks), while telling whether anything changed
    takes three index look-ups. A member's part reads only their own reports, each time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._kept: dict[int, tuple[Version, list[Section]]] = {}

    async def sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        if not viewer.everyone:
            return await self._drawn(guild_id, viewer)
        # Read before drawing: a change made meanwhile makes what is kept outdated, never hidden.
        async with self._sessions() as session:
            version = await _version(session, guild_id, viewer.weeks)
        kept = self._kept.get(guild_id)
        if kept is not None and kept[0] == version:
            return list(kept[1])
        drawn = await self._drawn(guild_id, viewer)
        self._kept.pop(guild_id, None)
        if len(self._kept) >= SERVERS_KEPT:
            self._kept.pop(next(iter(self._kept)))  # the longest kept
        self._kept[guild_id] = (version, drawn)
        return list(drawn)

    async def _drawn(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        weeks = viewer.weeks
        scope = [FeedbackItem.guild_id == guild_id]
        if not viewer.everyone:
            scope.append(FeedbackItem.reporter_id == viewer.user_id)
        async with self._sessions() as session:
            opened = await weekly_counts(
                session, weeks, FeedbackItem.created_at, select(FeedbackItem.id).where(*scope)
            )
            resolved = await weekly_counts(
                session,
                weeks,
                FeedbackHistory.created_at,
                select(FeedbackHistory.id)
                .join(FeedbackItem, FeedbackItem.id == FeedbackHistory.item_id)
                .where(
                    *scope,
                    *_history_range(guild_id, viewer),
                    FeedbackHistory.action == "status",
                    FeedbackHistory.to_value == "resolved",
                ),
            )
            times = await _item_times(session, scope, weeks)
        whose = "items" if viewer.everyone else "your reports"
        flow = weekly_panel(
            "Opened and resolved a week",
            f"How many {whose} were opened, and how many were resolved, each week.",
            weeks,
            (
                Series("Opened", per_week(opened, weeks)),
                Series("Resolved", per_week(resolved, weeks)),
            ),
        )
        note = "Every item of this server." if viewer.everyone else "Your own reports."
        panels = (flow, _times_panel(times, weeks), _endpoints_panel(times))
        return [Section(FEATURE, "API feedback", panels, note)]


def _history_range(guild_id: int, viewer: DashboardViewer) -> list[ColumnElement[bool]]:
    """For the whole server, the guild's changes in the weeks are a range of the history's own
    index. For a member, the same condition (always true: an item's changes are in its guild)
    would lead SQLite, with no statistics, to read that whole range too and look up every
    change's item; without it, it reads the member's items, then each one's changes."""
    return [FeedbackHistory.guild_id == guild_id] if viewer.everyone else []


async def _version(session: AsyncSession, guild_id: int, weeks: Weeks) -> Version:
    """What the whole server's part is drawn from: its weeks, the newest change (history only
    grows: every move, assignment and resolution adds a row), and the newest item and the
    number of items (an item added or removed). Nothing else an item has is counted here:
    its opening time and endpoint never change."""
    newest_change = await session.scalar(
        select(func.max(FeedbackHistory.id)).where(FeedbackHistory.guild_id == guild_id)
    )
    newest_item, items = (
        await session.execute(
            select(func.max(FeedbackItem.id), func.count()).where(FeedbackItem.guild_id == guild_id)
        )
    ).one()
    return Version(weeks, newest_change, newest_item, int(items))


def _first_change(*where: ColumnElement[bool]) -> ScalarSelect[datetime]:
    """SQL: when the outer item's history first had a change matching `where` (an index
    range per item: only the items in the window are looked at, never the guild's history)."""
    return (
        select(func.min(FeedbackHistory.created_at))
        .where(FeedbackHistory.item_id == FeedbackItem.id, *where)
        .scalar_subquery()
    )


async def _item_times(
    session: AsyncSession, scope: list[ColumnElement[bool]], weeks: Weeks
) -> list[ItemTimes]:
    """Each item opened in the weeks with its endpoint and, from its history, when a triager
    first answered it and when it was first resolved."""
    query = select(
        FeedbackItem.created_at,
        weeks.bucket(FeedbackItem.created_at),
        FeedbackItem.method,
        FeedbackItem.path,
        _first_change(FeedbackHistory.action.in_(RESPONSES)),
        _first_change(FeedbackHistory.action == "status", FeedbackHistory.to_value == "resolved"),
    ).where(*scope, weeks.within(FeedbackItem.created_at))
    rows = (await session.execute(query)).all()
    return [
        ItemTimes(int(week), f"{method} {path}", _hours(opened, first), _hours(opened, done))
        for opened, week, method, path, first, done in rows
    ]


def _times_panel(times: list[ItemTimes], weeks: Weeks) -> Panel:
    by_week: defaultdict[int, list[ItemTimes]] = defaultdict(list)
    for item in times:
        by_week[item.week].append(item)
    first = tuple(
        _middle([t.first_response for t in by_week[i] if t.first_response is not None])
        for i in range(len(weeks.starts))
    )
    done = tuple(
        _middle([t.resolution for t in by_week[i] if t.resolution is not None])
        for i in range(len(weeks.starts))
    )
    return weekly_panel(
        "Time to first response and to resolution",
        "For the items opened each week: the median number of hours until a triager first "
        "changed the status or assigned it, and until it was resolved (items still waiting "
        "are not counted).",
        weeks,
        (Series("First response (median h)", first), Series("Resolution (median h)", done)),
        kind="line",
        unit="hours",
    )


def _endpoints_panel(times: list[ItemTimes]) -> Panel:
    by_endpoint: defaultdict[str, list[ItemTimes]] = defaultdict(list)
    for item in times:
        by_endpoint[item.endpoint].append(item)
    busiest = sorted(by_endpoint.items(), key=lambda pair: (-len(pair[1]), pair[0]))[:TOP_SHOWN]
    rows = tuple(
        (
            endpoint,
            len(items),
            sum(1 for t in items if t.resolution is not None),
            _middle([t.first_response for t in items if t.first_response is not None]),
            _middle([t.resolution for t in items if t.resolution is not None]),
        )
        for endpoint, items in busiest
    )
    labels = tuple(row[0] for row in rows)
    chart = Chart(
        "bar",
        labels,
        (
            Series("Opened", tuple(float(row[1]) for row in rows)),
            Series("Resolved", tuple(float(row[2]) for row in rows)),
        ),
        "items",
    )
    return Panel(
        "By endpoint",
        f"The {TOP_SHOWN} endpoints with the most items opened in these weeks: how many were "
        "opened, how many of them are resolved, and the median hours to first response and to "
        "resolution.",
        Table(
            (
                "Endpoint",
                "Opened",
                "Resolved",
                "First response (median h)",
                "Resolution (median h)",
            ),
            rows,
        ),
        chart if rows else None,
    )
