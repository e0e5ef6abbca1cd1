"""Attendance: who a round pauses because their pairings keep not happening.

Counted only from what pairs already tell the bot with the We met / Couldn't meet buttons: one
answer per group, `PairGroup.outcome` ("met", "not_met" or none yet) and `answered_by` (who
pressed last). A member's record is their groups of scheduled or manual rounds (not /pair now),
newest first, within the guild's last `WINDOW_ROUNDS` rounds and created after their
`attendance_since` (set when the bot pauses them, so coming back starts with a clean slate).
"In a row" and "running" are over that member's own rounds: a round they skipped or were
paused for neither breaks nor extends a run. A group still without an answer is left out of
the record until it is ANSWER_TIME old: its members are still meeting (a moderator may run
rounds minutes apart).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairRound
from cogs.pairing.records import AutoPause
from cogs.pairing.rules import MAX_PAUSE

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

NO_SHOW = "no_show"
NO_ANSWER = "no_answer"
# Partners reporting a no-show this many of the member's rounds in a row pauses them …
NO_SHOW_ROUNDS = 2
# … and so do this many rounds running in which the member's group gave no answer at all.
NO_ANSWER_ROUNDS = 3
# Only the guild's latest rounds are read, so preparing a round stays one small query.
WINDOW_ROUNDS = 6
# How long a pairing has to answer before its silence counts (the reminder of a weekly round
# goes out after five days).
ANSWER_TIME = timedelta(days=3)


@dataclass(frozen=True)
class Answer:
    """One of a member's round groups, as far as its answer goes."""

    outcome: str | None
    answered_by: int | None


def partner_reported_no_show(user_id: int, answer: Answer) -> bool:
    """Whether a partner reported `user_id` as a no-show in this group.

    Precisely: the group's answer is "Couldn't meet" (`not_met`) and the member who gave it is
    someone else in the group, not `user_id`. A member who pressed Couldn't meet themselves
    was not reported; when they last pressed We met (or a partner did), the group met. In a
    trio, one partner's report counts for both of the others.
    """
    return (
        answer.outcome == "not_met"
        and answer.answered_by is not None
        and answer.answered_by != user_id
    )


def pause_reason(user_id: int, newest_first: Sequence[Answer]) -> str | None:
    """Why `user_id` is paused now (NO_SHOW, NO_ANSWER), or None.

    NO_SHOW: partners reported a no-show in each of their last NO_SHOW_ROUNDS rounds.
    NO_ANSWER: neither button was pressed by anyone in their group in each of their last
    NO_ANSWER_ROUNDS rounds (a partner's answer, either one, speaks for the group).
    """
    recent = newest_first[:NO_SHOW_ROUNDS]
    if len(recent) == NO_SHOW_ROUNDS and all(partner_reported_no_show(user_id, a) for a in recent):
        return NO_SHOW
    silent = newest_first[:NO_ANSWER_ROUNDS]
    if len(silent) == NO_ANSWER_ROUNDS and all(a.outcome is None for a in silent):
        return NO_ANSWER
    return None


async def absentees(
    session: AsyncSession, guild_id: int, since: Mapping[int, datetime | None], now: datetime
) -> list[AutoPause]:
    """Which of `since`'s members (user id → their `attendance_since`) a round at `now`
    pauses."""
    if not since:
        return []
    latest = (
        select(PairRound.id)
        .where(PairRound.guild_id == guild_id)
        .order_by(PairRound.number.desc())
        .limit(WINDOW_ROUNDS)
    )
    rows = await session.execute(
        select(
            PairMember.user_id,
            PairGroup.outcome,
            PairGroup.answered_by,
            PairGroup.created_at,
            PairRound.number,
        )
        .join(PairGroup, PairGroup.id == PairMember.group_id)
        .join(PairRound, PairRound.id == PairGroup.round_id)
        .where(PairMember.guild_id == guild_id, PairRound.id.in_(latest.scalar_subquery()))
    )
    records: defaultdict[int, list[tuple[int, Answer]]] = defaultdict(list)
    for user_id, outcome, answered_by, created_at, number in rows.all():
        if user_id not in since:
            continue
        start = since[user_id]
        if start is not None and created_at <= start:
            continue
        if outcome is None and now - created_at < ANSWER_TIME:
            continue
        records[user_id].append((number, Answer(outcome, answered_by)))
    pauses = []
    for user_id in sorted(records):
        newest_first = [answer for _, answer in sorted(records[user_id], key=lambda r: -r[0])]
        reason = pause_reason(user_id, newest_first)
        if reason is not None:
            pauses.append(AutoPause(user_id, reason))
    return pauses


async def apply_pauses(
    session: AsyncSession, guild_id: int, pauses: Sequence[AutoPause], now: datetime
) -> None:
    """Pause each member (until they come back, at most MAX_PAUSE) and start their slate."""
    for pause in pauses:
        await session.execute(
            update(PairProfile)
            .where(PairProfile.guild_id == guild_id, PairProfile.user_id == pause.user_id)
            .values(paused_until=now + MAX_PAUSE, pause_reason=pause.reason, attendance_since=now)
        )
