"""What a pairing round is made of and what it gives: the people, the matching's settings, the
groups and the plan, and the codes for why someone sat out.

Plain data with no numpy or rustworkx, so the pairing cog loads without the matching's
libraries; they are imported when a round is matched (in the worker process) or a `/pair now`
partner is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
TRACKS: tuple[str, ...] = ("backend", "frontend", "fullstack")

MODES: tuple[str, ...] = ("mixed", "cross-track", "same-track")

# A working day, in hours from its UTC start: what shared-hours weights and reasons count.
WORKDAY_START_HOUR = 9.0
WORKDAY_HOURS = 8.0


@dataclass(frozen=True)
class Person:
    """One participant as matching sees them."""

    user_id: int
    level: int  # index into LEVELS
    track: str | None
    # UTC offset at the round's time, in hours (DST already applied by the caller).
    utc_offset_hours: float
    topics: frozenset[str] = frozenset()
    trios: int = 0
    # Rounds sat out or waited for; earns a bonus, capped at WAIT_ROUNDS_COUNTED.
    waiting: int = 0


@dataclass(frozen=True)
class MatchConfig:
    top_k: int = 20
    region_size: int = 2500
    recent_rounds: int = 4
    allow_trio: bool = True
    # Up to this many people, a trio that forces a repeat is searched exhaustively.
    exhaustive_trio_max: int = 16
    trio_attempts: int = 3
    # The guild's `pairing.mode` (one of MODES): which track pairs earn the track bonus.
    mode: str = "mixed"


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]
    weight: int
    reasons: tuple[str, ...]
    shared_topics: tuple[str, ...]
    # Pairs inside the group that met within the last `recent_rounds` rounds.
    repeats: int
    # Members on two different tracks (the share `pairing.mode: cross-track` raises).
    cross_track: bool = False


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    sat_out: tuple[int, ...]
    seed: int
    total_weight: int
    repeats: int
    trio_member: int | None = None
    # Why each of `sat_out` was left out (explanations.sat_out_reason), in the same order.
    sat_out_reasons: tuple[str, ...] = ()

    @property
    def cross_track(self) -> int:
        return sum(1 for group in self.groups if group.cross_track)

    @property
    def pairs(self) -> int:
        return sum(1 for group in self.groups if len(group.members) == 2)

    @property
    def trios(self) -> int:
        return sum(1 for group in self.groups if len(group.members) == 3)


# What crosses the process boundary: (user_id, level, track, utc offset hours, topics, trios,
# waiting). Plain tuples pickle far faster than dataclasses holding frozensets, and pickling
# runs on the bot's event loop.
PersonRow = tuple[int, int, str | None, float, tuple[str, ...], int, int]


# Why someone was left unmatched, as a code the Discord side words (render.py).
ALONE = "alone"  # nobody else could be paired this round
RECENT = "recent"  # everyone else available was a recent partner
TIME_ZONE = "time_zone"  # nobody else available shares any working hour
ODD = "odd"  # an odd number of people and no trio to join
