"""The occurrence claims: the rows that let exactly one dispatcher, in any process, post a run.

A claim is an (announcement, scheduled_for) row inserted before anything is posted; the unique
key lets exactly one dispatcher own an occurrence, and the same transaction advances the
claimed announcements' `next_run_at`. After posting, the outcome (message id or failure) is
recorded on the claim. A crash between the claim and the record leaves a `claimed` row and an
already-advanced `next_run_at`: the occurrence is never posted again. The stale-claim sweep
later marks it `unknown` (and the dispatcher tells the moderators), so they can
`/announce send` it by hand.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from bot.scheduler import PROCESS_ID
from bot.sql import as_utc, dialect_insert
from cogs.announcements.models import (
    ANNOUNCEMENTS,
    OCCURRENCES,
    AnnouncementOccurrence,
    OccurrenceStatus,
    Status,
)
from cogs.announcements.occurrence_plan import Action, Plan

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from cogs.announcements.records import AnnouncementInfo, Delivery, PostResult

# A claim still unfinished after this long belongs to a dispatcher that stopped mid-post.
STALE_CLAIM_AFTER: Final = timedelta(minutes=2)
# Rows per statement: well under SQLite's bound-parameter limit.
CHUNK: Final = 400


class OccurrenceClaims:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], audit: AuditService, *, dialect: str
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._dialect = dialect
        # Who owns a claim: the process, plus this dispatcher (two bots can share a process).
        self.claimer = f"{PROCESS_ID}:{uuid.uuid4().hex[:8]}"[:80]
        # One writer at a time: SQLite lets a second writer wait in a sleeping busy handler,
        # which costs far more than queueing here (PostgreSQL would not mind either way).
        self._writing = asyncio.Lock()

    async def load(self, announcement_ids: list[int]) -> list[Any]:
        """The due rows as plain Core rows (same attribute names, no ORM bookkeeping)."""
        rows: list[Any] = []
        async with self._sessions() as session:
            connection = await session.connection()
            for chunk in _chunks(announcement_ids):
                query = select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id.in_(chunk))
                rows.extend((await connection.execute(query)).all())
        return rows

    async def insert(
        self, plans: list[Plan], rows: dict[int, Any], now: datetime
    ) -> dict[int, int]:
        """One transaction: claim rows (duplicates ignored) + advance the claimed next runs."""
        if not plans:
            return {}
        claimed: dict[int, int] = {}
        table = OCCURRENCES
        values = [
            {
                "guild_id": rows[plan.announcement_id].guild_id,
                "announcement_id": plan.announcement_id,
                "scheduled_for": plan.scheduled_for,
                "claimed_at": now,
                "claimed_by": self.claimer,
                "status": OccurrenceStatus.CLAIMED
                if plan.action is Action.POST
                else OccurrenceStatus.SKIPPED,
                "delayed": plan.delayed,
                "manual": False,
            }
            for plan in plans
        ]
        # One statement, many parameter sets: SQLAlchemy batches them into multi-row INSERTs
        # ("insertmanyvalues") compiled once, and RETURNING names the rows that were inserted.
        statement = (
            dialect_insert(self._dialect, table)
            .on_conflict_do_nothing(index_elements=["announcement_id", "scheduled_for"])
            .returning(table.c.announcement_id, table.c.id)
        )
        async with self._writing, self._sessions.begin() as session:
            connection = await session.connection()
            result = await connection.execute(statement, values)
            for announcement_id, occurrence_id in result.all():
                claimed[int(announcement_id)] = int(occurrence_id)
            advances = [
                {
                    "b_id": plan.announcement_id,
                    "b_next": plan.next_run_at,
                    "b_status": Status.ACTIVE if plan.next_run_at is not None else Status.DONE,
                }
                for plan in plans
                if plan.announcement_id in claimed
            ]
            if advances:
                await connection.execute(
                    update(ANNOUNCEMENTS)
                    .where(ANNOUNCEMENTS.c.id == bindparam("b_id"))
                    .values(next_run_at=bindparam("b_next"), status=bindparam("b_status")),
                    advances,
                )
        return claimed

    async def record(
        self, outcomes: list[tuple[Delivery, PostResult]], posted_at: datetime
    ) -> None:
        """One transaction: each occurrence's outcome, the announcements' last post or failure."""
        occurrences = [
            {
                "b_id": d.occurrence_id,
                "b_status": OccurrenceStatus.POSTED
                if r.message_id is not None
                else OccurrenceStatus.FAILED,
                "b_message": r.message_id,
                "b_posted": posted_at if r.message_id is not None else None,
                "b_error": (r.error or "")[:300] or None,
            }
            for d, r in outcomes
        ]
        successes = [
            {"b_id": d.announcement_id, "b_message": r.message_id, "b_posted": posted_at}
            for d, r in outcomes
            if r.message_id is not None
        ]
        failures = [
            {"b_id": d.announcement_id, "b_failure": (r.error or "")[:300]}
            for d, r in outcomes
            if r.message_id is None and r.permanent
        ]
        occurrence_table = OCCURRENCES
        announcement_table = ANNOUNCEMENTS
        async with self._writing, self._sessions.begin() as session:
            connection = await session.connection()
            await connection.execute(
                update(occurrence_table)
                .where(occurrence_table.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("b_status"),
                    message_id=bindparam("b_message"),
                    posted_at=bindparam("b_posted"),
                    error=bindparam("b_error"),
                ),
                occurrences,
            )
            if successes:
                await connection.execute(
                    update(announcement_table)
                    .where(announcement_table.c.id == bindparam("b_id"))
                    .values(
                        last_message_id=bindparam("b_message"),
                        last_posted_at=bindparam("b_posted"),
                        run_count=announcement_table.c.run_count + 1,
                    ),
                    successes,
                )
            if failures:
                await connection.execute(
                    update(announcement_table)
                    .where(announcement_table.c.id == bindparam("b_id"))
                    .values(status=Status.FAILED, next_run_at=None, failure=bindparam("b_failure")),
                    failures,
                )
            for d, r in outcomes:
                if r.message_id is None:
                    await self._audit.record(
                        d.guild_id,
                        None,
                        "announcement.failed",
                        f"announcement #{d.announcement_id}",
                        {
                            "scheduled_for": d.scheduled_for.isoformat(),
                            "error": r.error,
                            "stopped": r.permanent,
                        },
                        session=session,
                    )

    async def sweep_stale(self, now: datetime) -> list[tuple[int, int, datetime]]:
        """Claims a stopped dispatcher left: marked unknown and audited, never reposted.

        Returns (guild id, announcement id, scheduled time) of each, for telling the moderators.
        """
        table = OCCURRENCES
        cutoff = now - STALE_CLAIM_AFTER
        async with self._sessions.begin() as session:
            connection = await session.connection()
            stale = (
                await connection.execute(
                    update(table)
                    .where(
                        table.c.status == OccurrenceStatus.CLAIMED,
                        table.c.claimed_at < cutoff,
                        table.c.claimed_by != self.claimer,
                    )
                    .values(
                        status=OccurrenceStatus.UNKNOWN,
                        error="the bot stopped between claiming and posting; not reposted",
                    )
                    .returning(table.c.guild_id, table.c.announcement_id, table.c.scheduled_for)
                )
            ).all()
            for guild_id, announcement_id, scheduled_for in stale:
                await self._audit.record(
                    int(guild_id),
                    None,
                    "announcement.unknown",
                    f"announcement #{announcement_id}",
                    {"scheduled_for": as_utc(scheduled_for).isoformat()},
                    session=session,
                )
        return [(int(g), int(a), as_utc(s)) for g, a, s in stale]

    async def claim_manual(self, info: AnnouncementInfo, now: datetime) -> int | None:
        """`/announce send`'s claim, at `now`; None when this moment was claimed already."""
        try:
            async with self._sessions.begin() as session:
                occurrence = AnnouncementOccurrence(
                    guild_id=info.guild_id,
                    announcement_id=info.id,
                    scheduled_for=now,
                    claimed_at=now,
                    claimed_by=self.claimer,
                    status=OccurrenceStatus.CLAIMED,
                    delayed=False,
                    manual=True,
                )
                session.add(occurrence)
                await session.flush()
                occurrence_id = occurrence.id
        except IntegrityError:
            return None
        return occurrence_id


def _chunks(items: list[Any], size: int = CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
