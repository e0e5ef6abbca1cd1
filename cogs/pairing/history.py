"""Partner history: how long ago each pair last met (for matching), partners met so far, and a
member's own past pairings."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from bot.in_place_reads import in_place_reads
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


_MATES = aliased(PairMember)


def _history_read(*, before: bool) -> Select[*tuple[Any, ...]]:
    """A page of the member's pairings, newest first: the member's groups (found by the page's
    ids, by keyset on the group id, in the same statement) with their round and a row per member."""
    mine = select(PairMember.group_id).where(
        PairMember.guild_id == bindparam("guild_id"), PairMember.user_id == bindparam("user_id")
    )
    if before:
        mine = mine.where(PairMember.group_id < bindparam("before_id"))
    mine = mine.order_by(PairMember.group_id.desc()).limit(bindparam("limit", type_=Integer))
    return (
        select(
            PairGroup.id,
            PairGroup.created_at,
            PairGroup.outcome,
            PairGroup.thread_id,
            PairRound.number,
            _MATES.user_id.label("member_id"),
        )
        .outerjoin(PairRound, PairRound.id == PairGroup.round_id)
        .join(_MATES, _MATES.group_id == PairGroup.id)
        .where(PairGroup.id.in_(mine.scalar_subquery()))
        .order_by(PairGroup.id.desc(), _MATES.user_id)
    )


# Built once, the ids bound at each read: a statement object keeps its cache key, so a page
# skips building and keying the select (most of the read's CPU on SQLite, measured). The first
# page and the later ones differ in shape (the keyset bound), so each has its own.
FIRST_PAGE: Final = _history_read(before=False)
LATER_PAGE: Final = _history_read(before=True)


class HistoryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # A page is one statement on a connection: no session, no transaction on PostgreSQL.
        self._reads = in_place_reads(sessions.kw["bind"])

    async def history(
        self, guild_id: int, user_id: int, *, before_id: int | None = None, limit: int = 8
    ) -> HistoryPage:
        """The member's pairings, newest first, by keyset on the group id."""
        params = {"guild_id": guild_id, "user_id": user_id, "limit": limit + 1}
        if before_id is not None:
            params["before_id"] = before_id
        rows = await self._reads.rows(FIRST_PAGE if before_id is None else LATER_PAGE, params)
        # Unpacked by position: looking names up on a row costs about a microsecond each.
        groups: dict[int, tuple[Any, ...]] = {}
        partners: dict[int, list[int]] = defaultdict(list)
        for group_id, created_at, outcome, thread_id, number, member_id in rows:
            if group_id not in groups:
                groups[group_id] = (number, created_at, outcome, thread_id)
            if member_id != user_id:
                partners[group_id].append(member_id)
        more = len(groups) > limit
        page = list(groups.items())[:limit]
        entries = tuple(
            HistoryEntry(group_id, number, created_at, tuple(partners[group_id]), outcome, thread)
            for group_id, (number, created_at, outcome, thread) in page
        )
        return HistoryPage(entries, page[-1][0] if more and page else None)
