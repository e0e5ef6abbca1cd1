"""Pairing profiles: joining, leaving, pausing, and a member's own status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from bot.timezones import resolve_timezone
from cogs.pairing.groups import latest_group_of
from cogs.pairing.models import PairGuildState, PairProfile, PairQueueEntry
from cogs.pairing.records import JoinResult, Profile, Status
from cogs.pairing.round_model import LEVELS, TRACKS, Person
from cogs.pairing.rules import NotJoined, PairingError, parse_until
from cogs.pairing.topics import parse_topics

if TYPE_CHECKING:
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
        async with self._sessions.begin() as session:
            row = await own_profile(session, guild_id, user_id)
            row.active = False
            row.paused_until = None
            await session.execute(
                delete(PairQueueEntry).where(
                    PairQueueEntry.guild_id == guild_id, PairQueueEntry.user_id == user_id
                )
            )

    async def pause(self, guild_id: int, user_id: int, until_text: str) -> datetime:
        async with self._sessions.begin() as session:
            row = await own_profile(session, guild_id, user_id)
            until = parse_until(until_text, row.timezone, self._clock.now())
            row.paused_until = until
            row.pause_reason = None
            return until

    async def skip_round(self, guild_id: int, user_id: int, round_at: datetime) -> None:
        """Leave the member out of the round at `round_at` (and any run before it), only."""
        async with self._sessions.begin() as session:
            row = await own_profile(session, guild_id, user_id)
            if round_at <= self._clock.now():
                raise PairingError("That round has already started; the next one has a notice.")
            row.skip_until = round_at

    async def resume(self, guild_id: int, user_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await own_profile(session, guild_id, user_id)
            if row.paused_until is None or row.paused_until <= self._clock.now():
                raise PairingError("You're not paused: you're in the next round already.")
            row.paused_until = None
            row.pause_reason = None

    async def status(self, guild_id: int, user_id: int) -> Status:
        async with self._sessions() as session:
            # The profile, its place in the queue and the guild's schedule zone in one read.
            found = (
                await session.execute(
                    select(PairProfile, PairQueueEntry.expires_at, PairGuildState.schedule_timezone)
                    .outerjoin(
                        PairQueueEntry,
                        (PairQueueEntry.guild_id == PairProfile.guild_id)
                        & (PairQueueEntry.user_id == PairProfile.user_id),
                    )
                    .outerjoin(PairGuildState, PairGuildState.guild_id == PairProfile.guild_id)
                    .where(PairProfile.guild_id == guild_id, PairProfile.user_id == user_id)
                )
            ).first()
            if found is None or not found[0].active:
                raise NotJoined
            row, expires_at, schedule_timezone = found
            current = await latest_group_of(session, guild_id, user_id)
            waiting_until = (
                expires_at if expires_at is not None and expires_at > self._clock.now() else None
            )
            return Status(profile_record(row), current, waiting_until, schedule_timezone)
