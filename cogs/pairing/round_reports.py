"""Rounds as moderators review them: each round's figures and what its groups answered.

The figures are the ones the round stored when it ran (its summary's); the answers are counted
now, since members keep answering after the round. Newest first, by keyset on the round's
number (never OFFSET).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.errors import NotFoundError
from cogs.pairing.groups import group_record
from cogs.pairing.models import PairGroup, PairMember, PairRound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cogs.pairing.records import GroupInfo


@dataclass(frozen=True)
class Answers:
    met: int
    not_met: int
    unanswered: int


@dataclass(frozen=True)
class RoundReport:
    number: int
    scheduled_for: datetime
    ran_at: datetime
    trigger: str
    started_by: int | None
    mode: str
    seed: int
    participants: int
    pairs: int
    trios: int
    repeats: int
    sat_out: int
    cross_track: int
    distinct_partners_mean: float
    distinct_partners_min: int
    previous_met_rate: float | None
    answers: Answers

    @property
    def groups(self) -> int:
        return self.pairs + self.trios

    @property
    def cross_track_share(self) -> float | None:
        return round(self.cross_track / self.groups, 4) if self.groups else None


@dataclass(frozen=True)
class RoundReportPage:
    reports: tuple[RoundReport, ...]
    # Pass back as `before_number` for the next (older) page; None at the end.
    next_before_number: int | None


@dataclass(frozen=True)
class RoundDetail:
    report: RoundReport
    groups: tuple[GroupInfo, ...]


def _report(row: PairRound, answers: Answers) -> RoundReport:
    return RoundReport(
        number=row.number,
        scheduled_for=row.scheduled_for,
        ran_at=row.ran_at,
        trigger=row.trigger,
        started_by=row.started_by,
        mode=row.mode,
        seed=row.seed,
        participants=row.participants,
        pairs=row.pairs,
        trios=row.trios,
        repeats=row.repeats,
        sat_out=row.sat_out,
        cross_track=row.cross_track,
        distinct_partners_mean=row.distinct_partners_mean,
        distinct_partners_min=row.distinct_partners_min,
        previous_met_rate=row.previous_met_rate,
        answers=answers,
    )


async def _answers(session: AsyncSession, round_ids: list[int]) -> dict[int, Answers]:
    """Each round's groups by answer, in one grouped query whatever the page's length."""
    counts: defaultdict[int, dict[str | None, int]] = defaultdict(dict)
    rows = await session.execute(
        select(PairGroup.round_id, PairGroup.outcome, func.count())
        .where(PairGroup.round_id.in_(round_ids))
        .group_by(PairGroup.round_id, PairGroup.outcome)
    )
    for round_id, outcome, count in rows.all():
        if round_id is not None:
            counts[round_id][outcome] = int(count)
    return {
        round_id: Answers(
            met=counts[round_id].get("met", 0),
            not_met=counts[round_id].get("not_met", 0),
            unanswered=counts[round_id].get(None, 0),
        )
        for round_id in round_ids
    }


class RoundReports:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def page(
        self, guild_id: int, *, before_number: int | None = None, limit: int = 10
    ) -> RoundReportPage:
        query = select(PairRound).where(PairRound.guild_id == guild_id)
        if before_number is not None:
            query = query.where(PairRound.number < before_number)
        query = query.order_by(PairRound.number.desc()).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.scalars(query)).all())
            more = len(rows) > limit
            rows = rows[:limit]
            answers = await _answers(session, [row.id for row in rows])
        reports = tuple(_report(row, answers[row.id]) for row in rows)
        return RoundReportPage(reports, rows[-1].number if more and rows else None)

    async def detail(self, guild_id: int, number: int) -> RoundDetail:
        """Round `number` of the guild with its groups and their members."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PairRound).where(PairRound.guild_id == guild_id, PairRound.number == number)
            )
            if row is None:
                raise NotFoundError(f"There is no pairing round {number} in this server.")
            answers = await _answers(session, [row.id])
            groups = list(
                (
                    await session.scalars(
                        select(PairGroup).where(PairGroup.round_id == row.id).order_by(PairGroup.id)
                    )
                ).all()
            )
            members: defaultdict[int, list[int]] = defaultdict(list)
            member_rows = await session.execute(
                select(PairMember.group_id, PairMember.user_id).where(
                    PairMember.group_id.in_([group.id for group in groups])
                )
            )
            for group_id, user_id in member_rows.all():
                members[group_id].append(user_id)
        return RoundDetail(
            _report(row, answers[row.id]),
            tuple(group_record(group, members[group.id]) for group in groups),
        )
