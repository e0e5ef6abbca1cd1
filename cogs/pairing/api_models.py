"""Pairing's HTTP shapes: what a request may send (the limits of /pair join's options) and what
the API answers (ids as strings, times in RFC 3339 UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from bot.timezones import TIMEZONE_OPTION_MAX
from bot.web.fields import UtcTime

if TYPE_CHECKING:
    from cogs.pairing.records import GroupInfo, HistoryEntry, Status
    from cogs.pairing.round_reports import RoundDetail, RoundReport

Level = Literal["beginner", "intermediate", "advanced"]
Track = Literal["backend", "frontend", "fullstack"]
Outcome = Literal["met", "not_met"]


class ProfileIn(BaseModel):
    """The options of `/pair join`, with the same limits."""

    level: Level = Field(description="your experience")
    timezone: str = Field(
        min_length=1,
        max_length=TIMEZONE_OPTION_MAX,
        description="your time zone, an IANA name like Europe/Berlin",
        examples=["Europe/Berlin"],
    )
    track: Track | None = Field(None, description="what you're learning")
    topics: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="up to 5 topics, separated by commas; left out, your topics stay as they are",
        examples=["python, sql, react"],
    )


class PauseIn(BaseModel):
    until: str = Field(
        min_length=1,
        max_length=64,
        description="a date (2026-12-24) or a phrase like 'in 2 weeks', in your time zone",
        examples=["in 2 weeks"],
    )


class GroupOut(BaseModel):
    id: str
    members: list[str] = Field(description="every member of the pair or trio, by id")
    topic: str | None
    thread_id: str | None = Field(description="the private thread the group was introduced in")
    outcome: Outcome | None = Field(description="what the group answered; null: no answer yet")
    created_at: UtcTime


class ProfileOut(BaseModel):
    """What `/pair status` shows: the profile, the next round, the current group, the queue."""

    user_id: str
    level: Level
    timezone: str
    track: Track | None
    topics: list[str]
    paused_until: UtcTime | None = Field(description="set while a pause lasts")
    trios: int = Field(description="trios had so far (fairness counter)")
    joined_at: UtcTime
    next_round_at: UtcTime | None = Field(description="null: no round is scheduled")
    current_group: GroupOut | None = Field(description="the latest pair or trio")
    waiting_until: UtcTime | None = Field(description="set while waiting in `/pair now`")


class HistoryEntryOut(BaseModel):
    group_id: str
    round_number: int | None = Field(description="null for a `/pair now` session")
    created_at: UtcTime
    partners: list[str] = Field(description="empty when the partners' data was erased")
    outcome: Outcome | None
    thread_id: str | None


class AnswersOut(BaseModel):
    met: int = Field(description="groups that said they met")
    not_met: int = Field(description="groups that said they couldn't meet")
    unanswered: int


class RoundOut(BaseModel):
    number: int
    scheduled_for: UtcTime
    ran_at: UtcTime
    trigger: str = Field(description="schedule, or manual (`/pair round run`)")
    started_by: str | None = Field(description="the moderator who ran it by hand")
    mode: str = Field(description="the guild's pairing.mode when the round ran")
    seed: int
    participants: int = Field(description="the round's size: members matched")
    pairs: int
    trios: int
    repeats: int = Field(description="groups whose members met within the last rounds")
    sat_out: int
    cross_track: int = Field(description="groups spanning two tracks")
    cross_track_share: float | None = Field(description="cross-track groups / groups")
    distinct_partners_mean: float
    distinct_partners_min: int
    previous_met_rate: float | None = Field(description="the previous round's share that met")
    answers: AnswersOut


class RoundDetailOut(RoundOut):
    groups: list[GroupOut]


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def group_out(group: GroupInfo) -> GroupOut:
    return GroupOut(
        id=str(group.id),
        members=[str(member) for member in group.members],
        topic=group.topic,
        thread_id=_id(group.thread_id),
        outcome=group.outcome,
        created_at=group.created_at,
    )


def profile_out(status: Status, next_round: datetime | None, now: datetime) -> ProfileOut:
    profile = status.profile
    pause = profile.paused_until
    return ProfileOut(
        user_id=str(profile.user_id),
        level=profile.level,
        timezone=profile.timezone,
        track=profile.track,
        topics=list(profile.topics),
        paused_until=pause if pause is not None and pause > now else None,
        trios=profile.trios,
        joined_at=profile.joined_at,
        next_round_at=next_round,
        current_group=None if status.current is None else group_out(status.current),
        waiting_until=status.waiting_until,
    )


def history_out(entry: HistoryEntry) -> HistoryEntryOut:
    return HistoryEntryOut(
        group_id=str(entry.group_id),
        round_number=entry.round_number,
        created_at=entry.created_at,
        partners=[str(partner) for partner in entry.partners],
        outcome=entry.outcome,
        thread_id=_id(entry.thread_id),
    )


def _round_fields(report: RoundReport) -> dict[str, object]:
    return {
        "number": report.number,
        "scheduled_for": report.scheduled_for,
        "ran_at": report.ran_at,
        "trigger": report.trigger,
        "started_by": _id(report.started_by),
        "mode": report.mode,
        "seed": report.seed,
        "participants": report.participants,
        "pairs": report.pairs,
        "trios": report.trios,
        "repeats": report.repeats,
        "sat_out": report.sat_out,
        "cross_track": report.cross_track,
        "cross_track_share": report.cross_track_share,
        "distinct_partners_mean": report.distinct_partners_mean,
        "distinct_partners_min": report.distinct_partners_min,
        "previous_met_rate": report.previous_met_rate,
        "answers": AnswersOut(
            met=report.answers.met,
            not_met=report.answers.not_met,
            unanswered=report.answers.unanswered,
        ),
    }


def round_out(report: RoundReport) -> RoundOut:
    return RoundOut.model_validate(_round_fields(report))


def round_detail_out(detail: RoundDetail) -> RoundDetailOut:
    groups = [group_out(group) for group in detail.groups]
    return RoundDetailOut.model_validate({**_round_fields(detail.report), "groups": groups})
