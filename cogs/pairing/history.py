"""Partner history: how long ago each pair last met (for matching), partners met so far, and a
member's own past pairings."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from cogs.pairing.models import PairGroup, PairMember, PairRound
from cogs.pairing.records import HistoryEntry, HistoryPage
from cogs.pairing.round_model import pair_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# How many past rounds count for "met before" (the penalty decays to a small constant).
HISTORY_ROUNDS = 52
HISTORY_GROUPS_PER_QUERY = 500


async def next_round_number(session: AsyncSession, guild_id: int) -> int:
    last = await session.scalar(
        select(func.max(PairRound.number)).where(PairRound.guild_id == guild_id)
    )
    return int(last or 0) + 1


async def partner_history(
    session: AsyncSession, guild_id: int, next_number: int
) -> dict[tuple[int, int], int]:
    """How many rounds ago each pair last met, counting `/pair now` sessions too."""
    rounds = (
        await session.execute(
            select(PairRound.id, PairRound.number, PairRound.ran_at)
            .where(PairRound.guild_id == guild_id)
            .order_by(PairRound.number.desc())
            .limit(HISTORY_ROUNDS)
        )
    ).all()
    oldest_time = rounds[-1].ran_at if rounds else None
    number_of = {r.id: r.number for r in rounds}
    ran = sorted((r.ran_at, r.number) for r in rounds)
    query = select(PairGroup.id, PairGroup.round_id, PairGroup.created_at).where(
        PairGroup.guild_id == guild_id
    )
    if oldest_time is not None:
        query = query.where(PairGroup.created_at >= oldest_time)
    groups = (await session.execute(query)).all()
    age_of: dict[int, int] = {}
    for group in groups:
        if group.round_id is not None:
            if group.round_id not in number_of:
                continue
            number = number_of[group.round_id]
        else:
            # A queue session counts as part of the round that ran last before it.
            earlier = [n for t, n in ran if t <= group.created_at]
            number = earlier[-1] if earlier else next_number - 1
        age_of[group.id] = max(1, next_number - number)
    members: dict[int, list[int]] = defaultdict(list)
    group_ids = sorted(age_of)
    # In slices, yielding between them: long histories of big guilds stay off the loop.
    for start in range(0, len(group_ids), HISTORY_GROUPS_PER_QUERY):
        chunk = group_ids[start : start + HISTORY_GROUPS_PER_QUERY]
        rows = await session.execute(
            select(PairMember.group_id, PairMember.user_id).where(PairMember.group_id.in_(chunk))
        )
        for group_id, user_id in rows.all():
            members[group_id].append(user_id)
        await asyncio.sleep(0)
    history: dict[tuple[int, int], int] = {}
    for group_id, users in members.items():
        for i, a in enumerate(users):
            for b in users[i + 1 :]:
                key = pair_key(a, b)
                history[key] = min(history.get(key, age_of[group_id]), age_of[group_id])
    return history


async def distinct_partners(
    session: AsyncSession, guild_id: int, users: Sequence[int]
) -> tuple[float, int]:
    if not users:
        return 0.0, 0
    mine, theirs = aliased(PairMember), aliased(PairMember)
    rows = await session.execute(
        select(mine.user_id, func.count(theirs.user_id.distinct()))
        .join(theirs, (mine.group_id == theirs.group_id) & (mine.user_id != theirs.user_id))
        .where(mine.guild_id == guild_id, mine.user_id.in_(list(users)))
        .group_by(mine.user_id)
    )
    counts = {user: int(count) for user, count in rows.all()}
    values = [counts.get(user, 0) for user in users]
    return round(sum(values) / len(values), 2), min(values)


class HistoryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def history(
        self, guild_id: int, user_id: int, *, before_id: int | None = None, limit: int = 8
    ) -> HistoryPage:
        """The member's pairings, newest first, by keyset on the group id."""
        query = select(PairMember.group_id).where(
            PairMember.guild_id == guild_id, PairMember.user_id == user_id
        )
        if before_id is not None:
            query = query.where(PairMember.group_id < before_id)
        query = query.order_by(PairMember.group_id.desc()).limit(limit + 1)
        async with self._sessions() as session:
            # A page is two queries, whatever its length: the member's groups (found by the
            # page's ids, in the same statement) with their round, then their members.
            found = (
                await session.execute(
                    select(
                        PairGroup.id,
                        PairGroup.created_at,
                        PairGroup.outcome,
                        PairGroup.thread_id,
                        PairRound.number,
                    )
                    .outerjoin(PairRound, PairRound.id == PairGroup.round_id)
                    .where(PairGroup.id.in_(query.scalar_subquery()))
                    .order_by(PairGroup.id.desc())
                )
            ).all()
            more = len(found) > limit
            groups = found[:limit]
            ids = [group.id for group in groups]
            members: dict[int, list[int]] = defaultdict(list)
            rows = await session.execute(
                select(PairMember.group_id, PairMember.user_id)
                .where(PairMember.group_id.in_(ids))
                .order_by(PairMember.group_id, PairMember.user_id)
            )
            for group_id, member_id in rows.all():
                members[group_id].append(member_id)
        entries = [
            HistoryEntry(
                group_id=group.id,
                round_number=group.number,
                created_at=group.created_at,
                partners=tuple(m for m in members[group.id] if m != user_id),
                outcome=group.outcome,
                thread_id=group.thread_id,
            )
            for group in sorted(groups, key=lambda g: g.id, reverse=True)
        ]
        return HistoryPage(tuple(entries), ids[-1] if more and ids else None)
