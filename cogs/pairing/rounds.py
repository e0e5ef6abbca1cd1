"""Rounds: who can be matched now, the round a preview shows, and storing a round that ran."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from cogs.pairing.attendance import absentees, apply_pauses
from cogs.pairing.groups import group_record
from cogs.pairing.history import distinct_partners, next_round_number, partner_history
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairRound
from cogs.pairing.profiles import utc_offset_hours
from cogs.pairing.records import (
    GroupInfo,
    IsEligible,
    LeftOut,
    PlannedGroup,
    RoundPreview,
    RoundSummary,
)
from cogs.pairing.reminders import reminder_time
from cogs.pairing.round_model import LEVELS, MatchConfig, PersonRow, RoundPlan
from cogs.pairing.rules import TooFewToPair, round_seed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

RunCpuBound = Callable[..., Awaitable[Any]]


async def run_inline(function: Callable[..., Any], *args: Any) -> Any:
    """Matching on the event loop, for `pairing.use_process_pool: false` (tests, tiny guilds)."""
    return function(*args)


# Profiles read per query when preparing a round (the event loop breathes between pages).
ELIGIBLE_PAGE = 500


class RoundStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        run_cpu_bound: RunCpuBound,
        config: MatchConfig,
        locks: defaultdict[int, asyncio.Lock],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._run_cpu_bound = run_cpu_bound
        self._config = config
        self._locks = locks

    async def _eligible(
        self,
        session: AsyncSession,
        guild_id: int,
        now: datetime,
        round_at: datetime,
        is_eligible: IsEligible,
    ) -> tuple[list[PersonRow], dict[int, datetime | None]]:
        """Who can be matched in the round at `round_at`, as plain rows for the worker process,
        with each one's `attendance_since` (attendance.py).

        Read as columns (not ORM objects) in keyset pages, yielding to the event loop between
        pages: a large guild must not freeze the bot while its round is being prepared. A
        member who pressed Skip this round is left out of every round up to the one skipped.
        """
        columns = select(
            PairProfile.user_id,
            PairProfile.level,
            PairProfile.timezone,
            PairProfile.track,
            PairProfile.topics,
            PairProfile.trios,
            PairProfile.waiting,
            PairProfile.paused_until,
            PairProfile.skip_until,
            PairProfile.attendance_since,
        ).where(PairProfile.guild_id == guild_id, PairProfile.active)
        eligible: list[PersonRow] = []
        since: dict[int, datetime | None] = {}
        after = -1
        while True:
            page = (
                await session.execute(
                    columns.where(PairProfile.user_id > after)
                    .order_by(PairProfile.user_id)
                    .limit(ELIGIBLE_PAGE)
                )
            ).all()
            for row in page:
                if row.paused_until is not None and row.paused_until > now:
                    continue
                if row.skip_until is not None and round_at <= row.skip_until:
                    continue
                if await is_eligible(row.user_id):
                    since[row.user_id] = row.attendance_since
                    eligible.append(
                        (
                            row.user_id,
                            LEVELS.index(row.level),
                            row.track,
                            utc_offset_hours(row.timezone, now),
                            tuple(sorted(row.topics or ())),
                            row.trios,
                            row.waiting,
                        )
                    )
            if len(page) < ELIGIBLE_PAGE:
                return eligible, since
            after = page[-1].user_id
            await asyncio.sleep(0)

    async def preview_round(
        self,
        guild_id: int,
        is_eligible: IsEligible,
        *,
        mode: str = "mixed",
        round_at: datetime | None = None,
    ) -> RoundPreview:
        """The round that would run at `round_at` (default now), computed but not stored.

        Members whose attendance pauses them (attendance.py) are listed in `paused`, not
        matched; the round that runs stores those pauses.
        """
        now = self._clock.now()
        async with self._sessions() as session:
            people, since = await self._eligible(
                session, guild_id, now, round_at or now, is_eligible
            )
            paused = await absentees(session, guild_id, since, now)
            gone = {p.user_id for p in paused}
            eligible = [row for row in people if row[0] not in gone]
            if len(eligible) < 2:
                raise TooFewToPair(tuple(row[0] for row in eligible))
            number = await next_round_number(session, guild_id)
            history = await partner_history(session, guild_id, number)
        seed = round_seed(guild_id, number)
        config = dataclasses.replace(self._config, mode=mode)
        # Imported here: the matching's numpy and rustworkx load when a round is first matched,
        # not with the cog (the worker process imports them itself).
        from cogs.pairing.matching import match_round_rows

        plan: RoundPlan = await self._run_cpu_bound(
            match_round_rows, eligible, history, seed, config
        )
        groups = tuple(
            PlannedGroup(g.members, g.reasons, g.shared_topics, g.weight, g.repeats, g.cross_track)
            for g in plan.groups
        )
        left_out = tuple(
            LeftOut(user, reason)
            for user, reason in zip(plan.sat_out, plan.sat_out_reasons, strict=True)
        )
        return RoundPreview(
            number,
            seed,
            len(eligible),
            groups,
            plan.repeats,
            plan.sat_out,
            mode,
            left_out,
            tuple(paused),
        )

    async def run_round(
        self,
        guild_id: int,
        is_eligible: IsEligible,
        *,
        scheduled_for: datetime,
        trigger: str,
        started_by: int | None,
        next_round_at: datetime | None,
        topic_for: Callable[[PlannedGroup], Awaitable[str]],
        mode: str = "mixed",
    ) -> RoundSummary:
        """Match and store a round (the caller has claimed its occurrence)."""
        async with self._locks[guild_id]:
            preview = await self.preview_round(
                guild_id, is_eligible, mode=mode, round_at=scheduled_for
            )
            topics = [await topic_for(group) for group in preview.groups]
            return await self._store_round(
                guild_id,
                preview,
                topics,
                scheduled_for=scheduled_for,
                trigger=trigger,
                started_by=started_by,
                next_round_at=next_round_at,
            )

    async def _store_round(
        self,
        guild_id: int,
        preview: RoundPreview,
        topics: Sequence[str],
        *,
        scheduled_for: datetime,
        trigger: str,
        started_by: int | None,
        next_round_at: datetime | None,
    ) -> RoundSummary:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            previous_met_rate = await self._met_rate_of_last_round(session, guild_id)
            round_row = PairRound(
                guild_id=guild_id,
                number=preview.number,
                scheduled_for=scheduled_for,
                ran_at=now,
                trigger=trigger,
                started_by=started_by,
                seed=preview.seed,
                participants=preview.participants,
                pairs=preview.pairs,
                trios=preview.trios,
                repeats=preview.repeats,
                sat_out=len(preview.sat_out),
                total_weight=sum(g.weight for g in preview.groups),
                distinct_partners_mean=0.0,
                distinct_partners_min=0,
                previous_met_rate=previous_met_rate,
                reminder_due=reminder_time(now, next_round_at),
                mode=preview.mode,
                cross_track=preview.cross_track,
            )
            session.add(round_row)
            await session.flush()
            group_rows = []
            for planned, topic in zip(preview.groups, topics, strict=True):
                group_row = PairGroup(
                    guild_id=guild_id,
                    round_id=round_row.id,
                    created_at=now,
                    weight=planned.weight,
                    reasons=list(planned.reasons),
                    topic=topic[:200],
                    delivery="none",
                )
                session.add(group_row)
                group_rows.append((group_row, planned))
            await session.flush()
            for group_row, planned in group_rows:
                for user_id in planned.members:
                    session.add(
                        PairMember(group_id=group_row.id, user_id=user_id, guild_id=guild_id)
                    )
            await self._update_fairness(session, guild_id, preview)
            await apply_pauses(session, guild_id, preview.paused, now)
            await session.flush()
            mean, minimum = await distinct_partners(
                session, guild_id, [u for g in preview.groups for u in g.members]
            )
            round_row.distinct_partners_mean = mean
            round_row.distinct_partners_min = minimum
            infos = [group_record(group_row, planned.members) for group_row, planned in group_rows]
            return self._summary(round_row, preview, infos)

    async def _update_fairness(
        self, session: AsyncSession, guild_id: int, preview: RoundPreview
    ) -> None:
        matched = [u for g in preview.groups for u in g.members]
        in_trio = [u for g in preview.groups if len(g.members) == 3 for u in g.members]
        where = (PairProfile.guild_id == guild_id,)
        if matched:
            await session.execute(
                update(PairProfile)
                .where(*where, PairProfile.user_id.in_(matched))
                .values(waiting=0)
            )
        if in_trio:
            await session.execute(
                update(PairProfile)
                .where(*where, PairProfile.user_id.in_(in_trio))
                .values(trios=PairProfile.trios + 1)
            )
        if preview.sat_out:
            await session.execute(
                update(PairProfile)
                .where(*where, PairProfile.user_id.in_(preview.sat_out))
                .values(waiting=PairProfile.waiting + 1)
            )

    async def _met_rate_of_last_round(self, session: AsyncSession, guild_id: int) -> float | None:
        last = await session.scalar(
            select(PairRound.id)
            .where(PairRound.guild_id == guild_id)
            .order_by(PairRound.number.desc())
            .limit(1)
        )
        if last is None:
            return None
        total = await session.scalar(select(func.count()).where(PairGroup.round_id == last))
        met = await session.scalar(
            select(func.count()).where(PairGroup.round_id == last, PairGroup.outcome == "met")
        )
        return round((met or 0) / total, 4) if total else None

    def _summary(
        self, row: PairRound, preview: RoundPreview, groups: Sequence[GroupInfo]
    ) -> RoundSummary:
        return RoundSummary(
            id=row.id,
            guild_id=row.guild_id,
            number=row.number,
            seed=row.seed,
            scheduled_for=row.scheduled_for,
            participants=row.participants,
            pairs=row.pairs,
            trios=row.trios,
            repeats=row.repeats,
            sat_out=preview.sat_out,
            distinct_partners_mean=row.distinct_partners_mean,
            distinct_partners_min=row.distinct_partners_min,
            previous_met_rate=row.previous_met_rate,
            reminder_due=row.reminder_due,
            groups=tuple(groups),
            mode=row.mode,
            cross_track=row.cross_track,
            left_out=preview.left_out,
            paused=preview.paused,
        )
