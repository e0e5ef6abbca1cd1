"""What the pairing stores hand out: small frozen records, plain ids and values, no rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

# Whether a member can be matched now (still in the guild, a person, not blocked); the Discord
# side answers it, the stores ask it.
IsEligible = Callable[[int], Awaitable[bool]]


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
    cross_track: bool = False


@dataclass(frozen=True)
class LeftOut:
    """Someone a round could not match, and why (explanations.py's codes)."""

    user_id: int
    reason: str


@dataclass(frozen=True)
class AutoPause:
    """A member the round paused for their attendance (attendance.py says when, and why)."""

    user_id: int
    reason: str  # no_show, no_answer


@dataclass(frozen=True)
class RoundPreview:
    number: int
    seed: int
    participants: int
    groups: tuple[PlannedGroup, ...]
    repeats: int
    sat_out: tuple[int, ...]
    mode: str = "mixed"
    left_out: tuple[LeftOut, ...] = ()
    # Members this round pauses before matching (not in `participants`).
    paused: tuple[AutoPause, ...] = ()

    @property
    def cross_track(self) -> int:
        return sum(1 for g in self.groups if g.cross_track)

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
    mode: str = "mixed"
    cross_track: int = 0
    left_out: tuple[LeftOut, ...] = ()
    paused: tuple[AutoPause, ...] = ()


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
