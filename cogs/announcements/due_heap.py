"""The due heap: which active announcement falls due next, in memory, kept true to the table.

Why a heap and not one APScheduler job per announcement: the table's `next_run_at` already is
the schedule, so the dispatcher only needs "what is due next". A heap of (next_run_at, id)
rebuilds from one indexed query where APScheduler builds a trigger and a job per row, and one
sleeper wakes once for everything due in the same instant, so a burst due at 09:00 is claimed
in one transaction instead of one per announcement (bench/announcements.py measures both).

Several processes may share one database. Each heap learns of rows another process created or
moved earlier by a periodic **refresh**: one index range scan on (status, next_run_at) reading
only the rows due before `now + REFRESH_HORIZON`. Why only those: a heap entry that is merely
stale (paused, cancelled, moved later elsewhere) corrects itself when it pops, because the
claim re-reads the row; what a heap can miss is a row it has never seen or one moved *earlier*,
and such a row matters only once it is near. Since the horizon is longer than the refresh
period, every row is in the heap before it falls due; the read is bounded by how many rows fall
due within the horizon, not by the table (measured: bench/announcements_refresh.py).
"""

from __future__ import annotations

import asyncio
import heapq
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bot.scheduler import mostly_stale
from bot.sql import as_utc
from cogs.announcements.models import ANNOUNCEMENTS, Status

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cogs.announcements.records import AnnouncementInfo

# How far ahead a refresh reads: longer than the refresh period, so nothing falls due unseen.
REFRESH_HORIZON: Final = timedelta(minutes=2)


class DueHeap:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._heap: list[tuple[float, int]] = []
        self._due: dict[int, float] = {}
        # Set whenever an entry is added: the dispatcher's sleeper wakes to look at the head.
        self.wake = asyncio.Event()
        # What a refresh must not re-add: ids being claimed right now, and per id the latest
        # run the dispatcher has claimed or found taken (a refresh that read the row before
        # the claim's advance committed would otherwise schedule that run again).
        self.claiming: set[int] = set()
        self.settled: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, announcement_id: int, when: datetime) -> None:
        stamp = when.timestamp()
        if self._due.get(announcement_id) == stamp:
            return
        self._due[announcement_id] = stamp
        heapq.heappush(self._heap, (stamp, announcement_id))
        self._drop_stale_entries()
        self.wake.set()

    def unschedule(self, announcement_id: int) -> None:
        # Lazy deletion: the heap entry stays and is ignored when popped.
        if self._due.pop(announcement_id, None) is not None:
            self._drop_stale_entries()

    def _drop_stale_entries(self) -> None:
        # A cancelled announcement's entry, or a moved one's old time, would otherwise stay
        # until that time came (a month away, say).
        if mostly_stale(len(self._heap), len(self._due)):
            self._heap_from_due()

    def _heap_from_due(self) -> None:
        self._heap = [(stamp, i) for i, stamp in self._due.items()]
        heapq.heapify(self._heap)

    def track(self, info: AnnouncementInfo) -> None:
        """Follow an announcement's current state (after create, edit, pause, resume …)."""
        if info.status == Status.ACTIVE and info.next_run_at is not None:
            self.schedule(info.id, info.next_run_at)
        else:
            self.unschedule(info.id)

    def next_due(self) -> datetime | None:
        self._drop_stale_heads()
        if not self._heap:
            return None
        return datetime.fromtimestamp(self._heap[0][0], tz=UTC)

    def _drop_stale_heads(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    def pop_due(self, now: datetime) -> list[int]:
        limit = now.timestamp()
        popped: list[int] = []
        while self._heap and self._heap[0][0] <= limit:
            stamp, announcement_id = heapq.heappop(self._heap)
            if self._due.get(announcement_id) == stamp:
                del self._due[announcement_id]
                popped.append(announcement_id)
        return popped

    async def rebuild(self) -> int:
        """Load every active announcement's stored next run; return how many."""
        query = select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.next_run_at).where(
            ANNOUNCEMENTS.c.status == Status.ACTIVE, ANNOUNCEMENTS.c.next_run_at.is_not(None)
        )
        async with self._sessions() as session:
            connection = await session.connection()
            rows = (await connection.execute(query)).all()
        self._due = {int(i): as_utc(when).timestamp() for i, when in rows if when is not None}
        self._heap_from_due()
        self.wake.set()
        return len(self._due)

    async def refresh(self, now: datetime) -> int:
        """Learn of rows due before `now + REFRESH_HORIZON` that this heap has not got.

        Another process may have created an announcement, resumed it, or moved it earlier.
        Only earlier-or-missing entries are added: a later stored time than the heap's is left
        alone (the entry pops, the claim re-reads the row and follows it), which also keeps a
        refresh from undoing this process's own advance racing with it. Returns how many
        entries changed.
        """
        horizon = now + REFRESH_HORIZON
        query = select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.next_run_at).where(
            ANNOUNCEMENTS.c.status == Status.ACTIVE, ANNOUNCEMENTS.c.next_run_at <= horizon
        )
        async with self._sessions() as session:
            connection = await session.connection()
            rows = (await connection.execute(query)).all()
        changed = 0
        for row_id, when in rows:
            announcement_id, stamp = int(row_id), as_utc(when).timestamp()
            if announcement_id in self.claiming or stamp <= self.settled.get(announcement_id, 0):
                continue
            known = self._due.get(announcement_id)
            if known is None or stamp < known:
                self.schedule(announcement_id, as_utc(when))
                changed += 1
        # A settled run older than the horizon can no longer come back from a stale read.
        oldest = (now - REFRESH_HORIZON).timestamp()
        self.settled = {i: t for i, t in self.settled.items() if t >= oldest}
        return changed
