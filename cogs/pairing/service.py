"""Pairing rules and queries: profiles, rounds, the `/pair now` queue, answers and history.

No Discord here: plain ids and strings in, frozen dataclasses out. The matching itself is in
`matching.py` and runs through `run_cpu_bound` (a worker process in production).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from bot.dates import parse_natural
from bot.errors import NotFoundError, UserFacingError
from bot.text import one_line
from bot.timezones import resolve_timezone
from cogs.pairing.matching import (
    PersonRow,
    RoundPlan,
    best_partner,
    explain_pair,
    match_round_rows,
)
from cogs.pairing.models import (
    PairGroup,
    PairGuildState,
    PairMember,
    PairProfile,
    PairQueueEntry,
    PairRound,
)
from cogs.pairing.weights import LEVELS, TRACKS, MatchConfig, Person, pair_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock

RunCpuBound = Callable[..., Awaitable[Any]]
IsEligible = Callable[[int], Awaitable[bool]]

MAX_TOPICS = 5
TOPIC_MAX_CHARS = 32
QUEUE_TOPIC_MAX_CHARS = 200
MAX_PAUSE = timedelta(days=366)
# How many past rounds count for "met before" (the penalty decays to a small constant).
HISTORY_ROUNDS = 52
REMINDER_LEAD = timedelta(days=2)
# Profiles read per query when preparing a round (the event loop breathes between pages).
ELIGIBLE_PAGE = 500
HISTORY_GROUPS_PER_QUERY = 500
OUTCOMES = ("met", "not_met")


class PairingError(UserFacingError):
    """Anything the member did wrong in /pair; shown as is."""


# ---- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    user_id: int
    level: str
    timezone: str
    track: str | None
    topics: tuple[str, ...]
    active: bool
    paused_until: datetime | None
    trios: int
    waiting: int
    joined_at: datetime


@dataclass(frozen=True)
class JoinResult:
    profile: Profile
    created: bool


@dataclass(frozen=True)
class PlannedGroup:
    members: tuple[int, ...]
    reasons: tuple[str, ...]
    shared_topics: tuple[str, ...]
    weight: int
    repeats: int


@dataclass(frozen=True)
class RoundPreview:
    number: int
    seed: int
    participants: int
    groups: tuple[PlannedGroup, ...]
    repeats: int
    sat_out: tuple[int, ...]

    @property
    def pairs(self) -> int:
        return sum(1 for g in self.groups if len(g.members) == 2)

    @property
    def trios(self) -> int:
        return sum(1 for g in self.groups if len(g.members) == 3)


@dataclass(frozen=True)
class GroupInfo:
    id: int
    guild_id: int
    round_id: int | None
    members: tuple[int, ...]
    reasons: tuple[str, ...]
    topic: str | None
    thread_id: int | None
    delivery: str
    outcome: str | None
    created_at: datetime


@dataclass(frozen=True)
class RoundSummary:
    id: int
    guild_id: int
    number: int
    seed: int
    scheduled_for: datetime
    participants: int
    pairs: int
    trios: int
    repeats: int
    sat_out: tuple[int, ...]
    distinct_partners_mean: float
    distinct_partners_min: int
    previous_met_rate: float | None
    reminder_due: datetime | None
    groups: tuple[GroupInfo, ...]


@dataclass(frozen=True)
class AnswerResult:
    group: GroupInfo
    outcome: str
    changed: bool


@dataclass(frozen=True)
class HistoryEntry:
    group_id: int
    round_number: int | None
    created_at: datetime
    partners: tuple[int, ...]
    outcome: str | None
    thread_id: int | None


@dataclass(frozen=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    next_before_id: int | None


@dataclass(frozen=True)
class QueueWait:
    expires_at: datetime


@dataclass(frozen=True)
class QueueMatch:
    group: GroupInfo


@dataclass(frozen=True)
class ExpiredWait:
    guild_id: int
    user_id: int
    channel_id: int | None


@dataclass(frozen=True)
class Status:
    profile: Profile
    current: GroupInfo | None
    waiting_until: datetime | None
    schedule_timezone: str | None


# ---- input parsing ---------------------------------------------------------------------------


def parse_topics(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    topics: list[str] = []
    for raw in re.split(r"[,;\n]", text):
        topic = " ".join(raw.split()).lower()
        if not topic:
            continue
        if len(topic) > TOPIC_MAX_CHARS:
            raise PairingError(f"Keep each topic to {TOPIC_MAX_CHARS} characters or fewer.")
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise PairingError(f"Give at most {MAX_TOPICS} topics, separated by commas.")
    return tuple(topics)


def parse_until(text: str, timezone: str, now: datetime) -> datetime:
    """A pause end from a date ("2026-12-24") or a phrase ("in 2 weeks"), in the future."""
    zone = ZoneInfo(timezone)
    wall = parse_natural(text.strip(), zone, now)
    shown = one_line(text, 64).replace("`", "'")
    if wall is None:
        raise PairingError(
            f"I couldn't read `{shown}` as a date. Try `2026-12-24`, `next monday` or `in 2 weeks`."
        )
    until = wall.replace(tzinfo=zone).astimezone(now.tzinfo)
    if until <= now:
        raise PairingError(f"`{shown}` is in the past. Pick a date after today.")
    if until - now > MAX_PAUSE:
        raise PairingError("You can pause for at most a year; `/pair leave` stops for good.")
    return until


def round_seed(guild_id: int, number: int) -> int:
    """The seed of round `number`: derived, so a preview shows what the run will do."""
    digest = hashlib.sha256(f"{guild_id}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def reminder_time(ran_at: datetime, next_round_at: datetime | None) -> datetime | None:
    """Two days before the next round; halfway there when rounds are closer than that."""
    if next_round_at is None or next_round_at <= ran_at:
        return None
    due = next_round_at - REMINDER_LEAD
    return due if due > ran_at else ran_at + (next_round_at - ran_at) / 2


# ---- the service -----------------------------------------------------------------------------


def _profile(row: PairProfile) -> Profile:
    return Profile(
        user_id=row.user_id,
        level=row.level,
        timezone=row.timezone,
        track=row.track,
        topics=tuple(row.topics or ()),
        active=row.active,
        paused_until=row.paused_until,
        trios=row.trios,
        waiting=row.waiting,
        joined_at=row.joined_at,
    )


def _utc_offset_hours(timezone: str, at: datetime) -> float:
    offset = at.astimezone(ZoneInfo(timezone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def _person(profile: PairProfile, at: datetime) -> Person:
    return Person(
        user_id=profile.user_id,
        level=LEVELS.index(profile.level),
        track=profile.track,
        utc_offset_hours=_utc_offset_hours(profile.timezone, at),
        topics=frozenset(profile.topics or ()),
        trios=profile.trios,
        waiting=profile.waiting,
    )


class PairingService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        run_cpu_bound: RunCpuBound,
        *,
        queue_wait: timedelta = timedelta(minutes=15),
        config: MatchConfig | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._run_cpu_bound = run_cpu_bound
        self._queue_wait = queue_wait
        self._config = config or MatchConfig()
        # One round or queue change at a time per guild in this process (the claim row guards
        # against other processes).
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def now(self) -> datetime:
        return self._clock.now()

    # ---- profiles ------------------------------------------------------------------------

    async def join(
        self,
        guild_id: int,
        user_id: int,
        *,
        level: str,
        timezone: str,
        track: str | None,
        topics: str | None,
    ) -> JoinResult:
        if level not in LEVELS:
            raise PairingError(f"Level is one of: {', '.join(LEVELS)}.")
        if track is not None and track not in TRACKS:
            raise PairingError(f"Track is one of: {', '.join(TRACKS)}.")
        zone = resolve_timezone(timezone)
        parsed_topics = parse_topics(topics)
        async with self._sessions.begin() as session:
            row = await session.get(PairProfile, (guild_id, user_id))
            created = row is None
            if row is None:
                row = PairProfile(guild_id=guild_id, user_id=user_id, trios=0, waiting=0)
                row.joined_at = self.now()
                session.add(row)
            row.level = level
            row.timezone = zone
            row.track = track
            if topics is not None or created:
                row.topics = list(parsed_topics)
            # Joining again ends a leave; an explicit pause stays until /pair resume.
            created = created or not row.active
            row.active = True
            await session.flush()
            return JoinResult(_profile(row), created)

    async def _own_profile(self, session: AsyncSession, guild_id: int, user_id: int) -> PairProfile:
        row = await session.get(PairProfile, (guild_id, user_id))
        if row is None or not row.active:
            raise PairingError("You haven't joined pairing yet. Use `/pair join` first.")
        return row

    async def leave(self, guild_id: int, user_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await self._own_profile(session, guild_id, user_id)
            row.active = False
            row.paused_until = None
            await session.execute(
                delete(PairQueueEntry).where(
                    PairQueueEntry.guild_id == guild_id, PairQueueEntry.user_id == user_id
                )
            )

    async def pause(self, guild_id: int, user_id: int, until_text: str) -> datetime:
        async with self._sessions.begin() as session:
            row = await self._own_profile(session, guild_id, user_id)
            until = parse_until(until_text, row.timezone, self.now())
            row.paused_until = until
            return until

    async def resume(self, guild_id: int, user_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await self._own_profile(session, guild_id, user_id)
            if row.paused_until is None or row.paused_until <= self.now():
                raise PairingError("You're not paused: you're in the next round already.")
            row.paused_until = None

    async def status(self, guild_id: int, user_id: int) -> Status:
        async with self._sessions() as session:
            row = await self._own_profile(session, guild_id, user_id)
            latest = await session.scalar(
                select(PairMember.group_id)
                .where(PairMember.guild_id == guild_id, PairMember.user_id == user_id)
                .order_by(PairMember.group_id.desc())
                .limit(1)
            )
            current = await self._group_info(session, latest) if latest is not None else None
            entry = await session.get(PairQueueEntry, (guild_id, user_id))
            waiting_until = (
                entry.expires_at if entry is not None and entry.expires_at > self.now() else None
            )
            state = await session.get(PairGuildState, guild_id)
            return Status(
                _profile(row), current, waiting_until, state.schedule_timezone if state else None
            )

    # ---- schedule ------------------------------------------------------------------------

    async def schedule_timezone(self, guild_id: int) -> str | None:
        async with self._sessions() as session:
            state = await session.get(PairGuildState, guild_id)
            return state.schedule_timezone if state is not None else None

    async def set_schedule_timezone(self, guild_id: int, timezone: str | None) -> None:
        async with self._sessions.begin() as session:
            state = await session.get(PairGuildState, guild_id)
            if state is None:
                state = PairGuildState(guild_id=guild_id)
                session.add(state)
            state.schedule_timezone = timezone

    async def scheduled_guilds(self) -> list[int]:
        """Guilds with pairing in use: someone joined, or a moderator set the schedule."""
        async with self._sessions() as session:
            profiles = await session.scalars(
                select(PairProfile.guild_id).where(PairProfile.active).distinct()
            )
            states = await session.scalars(select(PairGuildState.guild_id))
            return sorted(set(profiles.all()) | set(states.all()))

    # ---- rounds --------------------------------------------------------------------------

    async def _eligible(
        self, session: AsyncSession, guild_id: int, now: datetime, is_eligible: IsEligible
    ) -> list[PersonRow]:
        """Who can be matched now, as plain rows for the worker process.

        Read as columns (not ORM objects) in keyset pages, yielding to the event loop between
        pages: a large guild must not freeze the bot while its round is being prepared.
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
        ).where(PairProfile.guild_id == guild_id, PairProfile.active)
        eligible: list[PersonRow] = []
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
                if await is_eligible(row.user_id):
                    eligible.append(
                        (
                            row.user_id,
                            LEVELS.index(row.level),
                            row.track,
                            _utc_offset_hours(row.timezone, now),
                            tuple(sorted(row.topics or ())),
                            row.trios,
                            row.waiting,
                        )
                    )
            if len(page) < ELIGIBLE_PAGE:
                return eligible
            after = page[-1].user_id
            await asyncio.sleep(0)

    async def _history(
        self, session: AsyncSession, guild_id: int, next_number: int
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
                select(PairMember.group_id, PairMember.user_id).where(
                    PairMember.group_id.in_(chunk)
                )
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

    async def _next_number(self, session: AsyncSession, guild_id: int) -> int:
        last = await session.scalar(
            select(func.max(PairRound.number)).where(PairRound.guild_id == guild_id)
        )
        return int(last or 0) + 1

    async def preview_round(self, guild_id: int, is_eligible: IsEligible) -> RoundPreview:
        """The round that would run now, computed but not stored."""
        now = self.now()
        async with self._sessions() as session:
            eligible = await self._eligible(session, guild_id, now, is_eligible)
            if len(eligible) < 2:
                raise PairingError(
                    f"Only {len(eligible)} member{'s' if len(eligible) != 1 else ''} can be "
                    "paired right now (joined, not paused, still here, not blocked); a round "
                    "needs at least two. Nothing was posted."
                )
            number = await self._next_number(session, guild_id)
            history = await self._history(session, guild_id, number)
        seed = round_seed(guild_id, number)
        plan: RoundPlan = await self._run_cpu_bound(
            match_round_rows, eligible, history, seed, self._config
        )
        groups = tuple(
            PlannedGroup(g.members, g.reasons, g.shared_topics, g.weight, g.repeats)
            for g in plan.groups
        )
        return RoundPreview(number, seed, len(eligible), groups, plan.repeats, plan.sat_out)

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
    ) -> RoundSummary:
        """Match and store a round (the caller has claimed its occurrence)."""
        async with self._locks[guild_id]:
            preview = await self.preview_round(guild_id, is_eligible)
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
        now = self.now()
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
            await session.flush()
            mean, minimum = await self._distinct_partners(
                session, guild_id, [u for g in preview.groups for u in g.members]
            )
            round_row.distinct_partners_mean = mean
            round_row.distinct_partners_min = minimum
            infos = [self._info(group_row, planned.members) for group_row, planned in group_rows]
            return self._summary(round_row, preview.sat_out, infos)

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

    async def _distinct_partners(
        self, session: AsyncSession, guild_id: int, users: Sequence[int]
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
        self, row: PairRound, sat_out: Sequence[int], groups: Sequence[GroupInfo]
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
            sat_out=tuple(sat_out),
            distinct_partners_mean=row.distinct_partners_mean,
            distinct_partners_min=row.distinct_partners_min,
            previous_met_rate=row.previous_met_rate,
            reminder_due=row.reminder_due,
            groups=tuple(groups),
        )

    @staticmethod
    def _info(row: PairGroup, members: Sequence[int]) -> GroupInfo:
        return GroupInfo(
            id=row.id,
            guild_id=row.guild_id,
            round_id=row.round_id,
            members=tuple(sorted(members)),
            reasons=tuple(row.reasons or ()),
            topic=row.topic,
            thread_id=row.thread_id,
            delivery=row.delivery,
            outcome=row.outcome,
            created_at=row.created_at,
        )

    async def _group_info(self, session: AsyncSession, group_id: int) -> GroupInfo | None:
        row = await session.get(PairGroup, group_id)
        if row is None:
            return None
        members = await session.scalars(
            select(PairMember.user_id).where(PairMember.group_id == group_id)
        )
        return self._info(row, list(members.all()))

    async def set_delivery(self, group_id: int, delivery: str, thread_id: int | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(PairGroup)
                .where(PairGroup.id == group_id)
                .values(delivery=delivery, thread_id=thread_id)
            )

    # ---- answers and reminders -----------------------------------------------------------

    async def answer(self, group_id: int, user_id: int, outcome: str) -> AnswerResult:
        if outcome not in OUTCOMES:
            raise PairingError("That answer is not one I know.")
        async with self._sessions.begin() as session:
            row = await session.get(PairGroup, group_id)
            if row is None:
                raise NotFoundError("This pairing no longer exists.")
            members = list(
                (
                    await session.scalars(
                        select(PairMember.user_id).where(PairMember.group_id == group_id)
                    )
                ).all()
            )
            if user_id not in members:
                raise PairingError("Only the members of this pair can answer for it.")
            changed = row.outcome != outcome
            row.outcome = outcome
            row.answered_by = user_id
            row.answered_at = self.now()
            return AnswerResult(self._info(row, members), outcome, changed)

    async def due_reminders(self, round_id: int) -> list[GroupInfo]:
        """Groups of a round that have not answered and were not reminded yet."""
        async with self._sessions() as session:
            ids = await session.scalars(
                select(PairGroup.id)
                .where(
                    PairGroup.round_id == round_id,
                    PairGroup.outcome.is_(None),
                    PairGroup.reminded_at.is_(None),
                )
                .order_by(PairGroup.id)
            )
            groups = [await self._group_info(session, group_id) for group_id in ids.all()]
            return [g for g in groups if g is not None]

    async def mark_reminded(self, group_ids: Sequence[int]) -> None:
        if not group_ids:
            return
        async with self._sessions.begin() as session:
            await session.execute(
                update(PairGroup)
                .where(PairGroup.id.in_(list(group_ids)))
                .values(reminded_at=self.now())
            )

    async def pending_reminders(self) -> list[tuple[int, int, datetime]]:
        """(guild, round id, due time) of each guild's latest round still owing a reminder."""
        async with self._sessions() as session:
            latest = (
                select(PairRound.guild_id, func.max(PairRound.number).label("number"))
                .group_by(PairRound.guild_id)
                .subquery()
            )
            rows = await session.execute(
                select(PairRound.guild_id, PairRound.id, PairRound.reminder_due).join(
                    latest,
                    (PairRound.guild_id == latest.c.guild_id)
                    & (PairRound.number == latest.c.number),
                )
            )
            return [(g, r, due) for g, r, due in rows.all() if due is not None]

    # ---- the /pair now queue ---------------------------------------------------------------

    async def queue_join(
        self,
        guild_id: int,
        user_id: int,
        topic: str | None,
        channel_id: int | None,
        is_eligible: IsEligible,
    ) -> QueueWait | QueueMatch:
        if topic is not None:
            topic = " ".join(topic.split())[:QUEUE_TOPIC_MAX_CHARS] or None
        async with self._locks[guild_id], self._sessions.begin() as session:
            now = self.now()
            me = await self._own_profile(session, guild_id, user_id)
            if me.paused_until is not None and me.paused_until > now:
                raise PairingError("You're paused. Use `/pair resume` first, then try again.")
            mine = await session.get(PairQueueEntry, (guild_id, user_id))
            if mine is not None and mine.expires_at > now:
                raise PairingError(
                    "You're already waiting for a partner (until "
                    f"<t:{int(mine.expires_at.timestamp())}:t>). I'll tell you when someone "
                    "joins."
                )
            if mine is not None:
                await session.delete(mine)
            partner = await self._find_waiting_partner(session, guild_id, me, now, is_eligible)
            if partner is None:
                expires = now + self._queue_wait
                session.add(
                    PairQueueEntry(
                        guild_id=guild_id,
                        user_id=user_id,
                        topic=topic,
                        channel_id=channel_id,
                        created_at=now,
                        expires_at=expires,
                    )
                )
                return QueueWait(expires)
            partner_row, entry, history = partner
            await session.delete(entry)
            people = [_person(me, now), _person(partner_row, now)]
            reasons, shared = explain_pair(people, history, 0)
            chosen = topic or entry.topic or (shared[0] if shared else None)
            group = PairGroup(
                guild_id=guild_id,
                round_id=None,
                created_at=now,
                weight=0,
                reasons=["you both asked to pair right now", *reasons],
                topic=chosen,
                delivery="none",
            )
            session.add(group)
            await session.flush()
            for member in (user_id, partner_row.user_id):
                session.add(PairMember(group_id=group.id, user_id=member, guild_id=guild_id))
            await session.execute(
                update(PairProfile)
                .where(
                    PairProfile.guild_id == guild_id,
                    PairProfile.user_id.in_([user_id, partner_row.user_id]),
                )
                .values(waiting=0)
            )
            return QueueMatch(self._info(group, [user_id, partner_row.user_id]))

    async def _find_waiting_partner(
        self,
        session: AsyncSession,
        guild_id: int,
        me: PairProfile,
        now: datetime,
        is_eligible: IsEligible,
    ) -> tuple[PairProfile, PairQueueEntry, dict[tuple[int, int], int]] | None:
        entries = (
            await session.scalars(
                select(PairQueueEntry)
                .where(
                    PairQueueEntry.guild_id == guild_id,
                    PairQueueEntry.expires_at > now,
                    PairQueueEntry.user_id != me.user_id,
                )
                .order_by(PairQueueEntry.created_at, PairQueueEntry.user_id)
            )
        ).all()
        waiting: list[tuple[PairProfile, PairQueueEntry]] = []
        for entry in entries:
            profile = await session.get(PairProfile, (guild_id, entry.user_id))
            if profile is None or not profile.active or not await is_eligible(entry.user_id):
                continue
            waiting.append((profile, entry))
        if not waiting:
            return None
        number = await self._next_number(session, guild_id)
        history = await self._history(session, guild_id, number)
        chosen = best_partner(
            _person(me, now), [_person(p, now) for p, _ in waiting], history, number
        )
        if chosen is None:
            return None
        profile, entry = next(pair for pair in waiting if pair[0].user_id == chosen.user_id)
        return profile, entry, history

    async def expire_queue(self) -> list[ExpiredWait]:
        """End every wait past its time; those people earn the waiting bonus."""
        now = self.now()
        async with self._sessions.begin() as session:
            entries = (
                await session.scalars(
                    select(PairQueueEntry).where(PairQueueEntry.expires_at <= now)
                )
            ).all()
            expired = [ExpiredWait(e.guild_id, e.user_id, e.channel_id) for e in entries]
            for entry in entries:
                await session.delete(entry)
                await session.execute(
                    update(PairProfile)
                    .where(
                        PairProfile.guild_id == entry.guild_id,
                        PairProfile.user_id == entry.user_id,
                    )
                    .values(waiting=PairProfile.waiting + 1)
                )
            return expired

    # ---- history ---------------------------------------------------------------------------

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
            ids = list((await session.scalars(query)).all())
            more = len(ids) > limit
            ids = ids[:limit]
            entries = []
            for group_id in ids:
                info = await self._group_info(session, group_id)
                if info is None:
                    continue
                number = (
                    await session.scalar(
                        select(PairRound.number).where(PairRound.id == info.round_id)
                    )
                    if info.round_id is not None
                    else None
                )
                entries.append(
                    HistoryEntry(
                        group_id=info.id,
                        round_number=number,
                        created_at=info.created_at,
                        partners=tuple(m for m in info.members if m != user_id),
                        outcome=info.outcome,
                        thread_id=info.thread_id,
                    )
                )
        return HistoryPage(tuple(entries), ids[-1] if more and ids else None)

    # ---- hooks -----------------------------------------------------------------------------

    async def forget(self, guild_id: int, user_id: int) -> dict[str, int]:
        async with self._sessions.begin() as session:
            profiles = await session.execute(
                delete(PairProfile).where(
                    PairProfile.guild_id == guild_id, PairProfile.user_id == user_id
                )
            )
            memberships = await session.execute(
                delete(PairMember).where(
                    PairMember.guild_id == guild_id, PairMember.user_id == user_id
                )
            )
            await session.execute(
                delete(PairQueueEntry).where(
                    PairQueueEntry.guild_id == guild_id, PairQueueEntry.user_id == user_id
                )
            )
        return {
            "pair profiles deleted": _rowcount(profiles),
            "pairing history entries deleted": _rowcount(memberships),
        }

    async def stats(self, guild_id: int) -> dict[str, int]:
        async with self._sessions() as session:
            profiles = await session.scalar(
                select(func.count()).where(PairProfile.guild_id == guild_id, PairProfile.active)
            )
            rounds = await session.scalar(
                select(func.count()).where(PairRound.guild_id == guild_id)
            )
            groups = await session.scalar(
                select(func.count()).where(PairGroup.guild_id == guild_id)
            )
        return {
            "pairing members": int(profiles or 0),
            "pairing rounds": int(rounds or 0),
            "pairings": int(groups or 0),
        }


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if isinstance(count, int) and count > 0 else 0
