"""Pairing profiles: joining, leaving, pausing, and a member's own status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import aliased

from bot.in_place_reads import in_place_reads
from bot.in_place_writes import in_place_writes
from bot.timezones import resolve_timezone
from cogs.pairing.models import (
    PairGroup,
    PairGuildState,
    PairMember,
    PairProfile,
    PairQueueEntry,
)
from cogs.pairing.records import GroupInfo, JoinResult, Profile, Status
from cogs.pairing.round_model import LEVELS, TRACKS, Person
from cogs.pairing.rules import NotJoined, PairingError, parse_until
from cogs.pairing.topics import parse_topics

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import BindParameter, Row
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock


def profile_record(row: PairProfile) -> Profile:
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


_GUILD: BindParameter[int] = bindparam("guild_id")
_USER: BindParameter[int] = bindparam("user_id")
_MATES = aliased(PairMember)
# The member's newest group (of a round or of /pair now), found through their memberships.
_LATEST_GROUP = (
    select(PairMember.group_id)
    .where(PairMember.guild_id == _GUILD, PairMember.user_id == _USER)
    .order_by(PairMember.group_id.desc())
    .limit(1)
    .scalar_subquery()
)
# /pair status in one statement: the profile, its place in the queue, the schedule's own zone
# and the newest group with a row per member. Built once, the ids bound at each read: a
# statement object keeps its cache key, so a read skips building and keying the select; plain
# columns rather than a PairProfile entity skip the ORM's instance loading (together most of
# the read's CPU on SQLite, measured).
STATUS_READ = (
    select(
        PairProfile.level,
        PairProfile.timezone,
        PairProfile.track,
        PairProfile.topics,
        PairProfile.active,
        PairProfile.paused_until,
        PairProfile.trios,
        PairProfile.waiting,
        PairProfile.joined_at,
        PairQueueEntry.expires_at,
        PairGuildState.schedule_timezone,
        PairGroup.id.label("group_id"),
        PairGroup.round_id,
        PairGroup.reasons,
        PairGroup.topic,
        PairGroup.thread_id,
        PairGroup.delivery,
        PairGroup.outcome,
        PairGroup.created_at,
        _MATES.user_id.label("member_id"),
    )
    .outerjoin(
        PairQueueEntry,
        (PairQueueEntry.guild_id == PairProfile.guild_id)
        & (PairQueueEntry.user_id == PairProfile.user_id),
    )
    .outerjoin(PairGuildState, PairGuildState.guild_id == PairProfile.guild_id)
    .outerjoin(PairGroup, PairGroup.id == _LATEST_GROUP)
    .outerjoin(_MATES, _MATES.group_id == PairGroup.id)
    .where(PairProfile.guild_id == _GUILD, PairProfile.user_id == _USER)
)


def status_of(
    rows: Sequence[Row[*tuple[Any, ...]]], guild_id: int, user_id: int, now: datetime
) -> Status:
    """STATUS_READ's rows (one per member of the newest group, or one without a group)."""
    # Unpacked by position: looking a name up on a row costs about a microsecond.
    (
        level, timezone, track, topics, active, paused_until, trios, waiting, joined_at,
        expires_at, schedule_timezone,
        group_id, round_id, reasons, topic, thread_id, delivery, outcome, created_at, _,
    ) = rows[0]  # fmt: skip
    profile = Profile(
        user_id=user_id,
        level=level,
        timezone=timezone,
        track=track,
        topics=tuple(topics or ()),
        active=active,
        paused_until=paused_until,
        trios=trios,
        waiting=waiting,
        joined_at=joined_at,
    )
    current = None
    if group_id is not None:
        current = GroupInfo(
            id=group_id,
            guild_id=guild_id,
            round_id=round_id,
            members=tuple(sorted(row[-1] for row in rows)),
            reasons=tuple(reasons or ()),
            topic=topic,
            thread_id=thread_id,
            delivery=delivery,
            outcome=outcome,
            created_at=created_at,
        )
    waiting_until = expires_at if expires_at is not None and expires_at > now else None
    return Status(profile, current, waiting_until, schedule_timezone)


def utc_offset_hours(timezone: str, at: datetime) -> float:
    offset = at.astimezone(ZoneInfo(timezone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def as_person(profile: PairProfile, at: datetime) -> Person:
    return Person(
        user_id=profile.user_id,
        level=LEVELS.index(profile.level),
        track=profile.track,
        utc_offset_hours=utc_offset_hours(profile.timezone, at),
        topics=frozenset(profile.topics or ()),
        trios=profile.trios,
        waiting=profile.waiting,
    )


async def own_profile(session: AsyncSession, guild_id: int, user_id: int) -> PairProfile:
    row = await session.get(PairProfile, (guild_id, user_id))
    if row is None or not row.active:
        raise NotJoined
    return row


class ProfileStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # One statement: no transaction around it on PostgreSQL.
        self._reads = in_place_reads(sessions.kw["bind"])

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
        async with in_place_writes(self._sessions).session() as session:
            row = await session.get(PairProfile, (guild_id, user_id))
            created = row is None
            if row is None:
                row = PairProfile(guild_id=guild_id, user_id=user_id, trios=0, waiting=0)
                row.joined_at = self._clock.now()
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
            return JoinResult(profile_record(row), created)

    async def leave(self, guild_id: int, user_id: int) -> None:
        async with in_place_writes(self._sessions).session() as session:
            row = await own_profile(session, guild_id, user_id)
            row.active = False
            row.paused_until = None
            await session.execute(
                delete(PairQueueEntry).where(
                    PairQueueEntry.guild_id == guild_id, PairQueueEntry.user_id == user_id
                )
            )

    async def pause(self, guild_id: int, user_id: int, until_text: str) -> datetime:
        async with in_place_writes(self._sessions).session() as session:
            row = await own_profile(session, guild_id, user_id)
            until = parse_until(until_text, row.timezone, self._clock.now())
            row.paused_until = until
            row.pause_reason = None
            return until

    async def skip_round(self, guild_id: int, user_id: int, round_at: datetime) -> None:
        """Leave the member out of the round at `round_at` (and any run before it), only."""
        async with in_place_writes(self._sessions).session() as session:
            row = await own_profile(session, guild_id, user_id)
            if round_at <= self._clock.now():
                raise PairingError("That round has already started; the next one has a notice.")
            row.skip_until = round_at

    async def resume(self, guild_id: int, user_id: int) -> None:
        async with in_place_writes(self._sessions).session() as session:
            row = await own_profile(session, guild_id, user_id)
            if row.paused_until is None or row.paused_until <= self._clock.now():
                raise PairingError("You're not paused: you're in the next round already.")
            row.paused_until = None
            row.pause_reason = None

    async def status(self, guild_id: int, user_id: int) -> Status:
        rows = await self._reads.rows(STATUS_READ, {"guild_id": guild_id, "user_id": user_id})
        if not rows or not rows[0][4]:  # no profile, or not active
            raise NotJoined
        return status_of(rows, guild_id, user_id, self._clock.now())
