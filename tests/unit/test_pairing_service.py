"""PairingService on a real SQLite file: profiles, input parsing, rounds, history and the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.db import Database
from cogs.pairing.models import PairGroup, PairGuildState, PairMember, PairProfile, PairRound
from cogs.pairing.records import PlannedGroup, QueueMatch, QueueWait
from cogs.pairing.reminders import reminder_time
from cogs.pairing.rules import AlreadyWaiting, PairingError, parse_until, round_seed
from cogs.pairing.service import PairingService
from cogs.pairing.topics import FALLBACK_TOPICS, parse_topics, suggest_topic

GUILD = 42
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def inline(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)


async def everyone(_: int) -> bool:
    return True


async def first_topic(group: PlannedGroup) -> str:
    return group.shared_topics[0] if group.shared_topics else "anything"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def service(database: Database, clock: FrozenClock) -> PairingService:
    return PairingService(database.sessions, clock, inline)


async def join(service: PairingService, user_id: int, **options: Any) -> None:
    options.setdefault("level", "intermediate")
    options.setdefault("timezone", "Europe/Berlin")
    options.setdefault("track", None)
    options.setdefault("topics", None)
    await service.profiles.join(GUILD, user_id, **options)


async def run(service: PairingService, clock: FrozenClock) -> Any:
    clock.advance(timedelta(days=7))
    return await service.rounds.run_round(
        GUILD,
        everyone,
        scheduled_for=clock.now(),
        trigger="manual",
        started_by=None,
        next_round_at=clock.now() + timedelta(days=7),
        topic_for=first_topic,
    )


# ---- parsing ---------------------------------------------------------------------------------


def test_topics_are_normalised_deduplicated_and_bounded() -> None:
    assert parse_topics(" Python,  SQL ,python,, React  Native ") == (
        "python",
        "sql",
        "react native",
    )
    with pytest.raises(PairingError, match="at most 5"):
        parse_topics("a,b,c,d,e,f")
    with pytest.raises(PairingError, match="32 characters"):
        parse_topics("x" * 33)


async def test_a_group_is_given_its_shared_topic_else_an_open_one_else_a_fallback() -> None:
    asked: list[int] = []

    async def open_topics() -> list[str]:
        asked.append(1)
        return ["FB-7 GET /api/jobs", "FB-9 POST /api/users"]

    async def none_open() -> list[str]:
        return []

    def group(*shared: str) -> PlannedGroup:
        return PlannedGroup((1, 2), (), shared, 0, 0)

    assert await suggest_topic(group("sql", "go"), open_topics) == "sql"
    assert asked == []  # other features are asked only when the group shares nothing
    assert await suggest_topic(group(), open_topics) == "FB-9 POST /api/users"
    assert await suggest_topic(group(), none_open) == FALLBACK_TOPICS[3 % len(FALLBACK_TOPICS)]


def test_pause_dates_accept_phrases_and_refuse_the_past() -> None:
    assert parse_until("in 2 weeks", "UTC", NOW) == NOW + timedelta(weeks=2)
    assert parse_until("2026-12-24", "Europe/Berlin", NOW) == datetime(
        2026, 12, 23, 23, 0, tzinfo=UTC
    )
    with pytest.raises(PairingError, match="in the past"):
        parse_until("2020-01-01", "UTC", NOW)
    with pytest.raises(PairingError, match="couldn't read"):
        parse_until("whenever", "UTC", NOW)
    with pytest.raises(PairingError, match="at most a year"):
        parse_until("in 3 years", "UTC", NOW)


def test_reminders_come_two_days_before_the_next_round_or_halfway() -> None:
    assert reminder_time(NOW, NOW + timedelta(days=7)) == NOW + timedelta(days=5)
    assert reminder_time(NOW, NOW + timedelta(days=1)) == NOW + timedelta(hours=12)
    assert reminder_time(NOW, None) is None


def test_round_seeds_are_derived_and_stable() -> None:
    assert round_seed(GUILD, 3) == round_seed(GUILD, 3)
    assert round_seed(GUILD, 3) != round_seed(GUILD, 4)


# ---- profiles --------------------------------------------------------------------------------


async def test_join_twice_updates_the_profile_and_keeps_topics_unless_given(
    service: PairingService, database: Database
) -> None:
    await join(service, 1, topics="go, sql")
    await join(service, 1, level="advanced", timezone="asia/tokyo")
    async with database.sessions() as session:
        [row] = (await session.scalars(select(PairProfile))).all()
    assert (row.level, row.timezone, row.topics) == ("advanced", "Asia/Tokyo", ["go", "sql"])


async def test_leave_then_commands_ask_to_join_again(service: PairingService) -> None:
    await join(service, 1)
    await service.profiles.leave(GUILD, 1)
    with pytest.raises(PairingError, match="/pair join"):
        await service.profiles.status(GUILD, 1)
    with pytest.raises(PairingError, match="/pair join"):
        await service.profiles.pause(GUILD, 1, "in 2 weeks")


async def test_status_shows_the_wait_in_the_queue_until_it_ends_and_the_schedules_zone(
    service: PairingService, database: Database, clock: FrozenClock
) -> None:
    await join(service, 1)
    status = await service.profiles.status(GUILD, 1)
    assert (status.waiting_until, status.schedule_timezone, status.current) == (None, None, None)
    wait = await service.queue.queue_join(GUILD, 1, None, 7, everyone)
    assert isinstance(wait, QueueWait)
    async with database.sessions.begin() as session:
        session.add(PairGuildState(guild_id=GUILD, schedule_timezone="Asia/Tokyo"))
    status = await service.profiles.status(GUILD, 1)
    assert (status.waiting_until, status.schedule_timezone) == (wait.expires_at, "Asia/Tokyo")
    assert status.profile.timezone == "Europe/Berlin"
    clock.advance(wait.expires_at - clock.now())
    assert (await service.profiles.status(GUILD, 1)).waiting_until is None  # ended, not shown


# ---- rounds ----------------------------------------------------------------------------------


async def test_rounds_store_their_figures_and_avoid_recent_partners(
    service: PairingService, database: Database, clock: FrozenClock
) -> None:
    for user_id in range(1, 7):
        await join(service, user_id)
    seen: set[tuple[int, ...]] = set()
    # Six people always have a fresh perfect matching for three rounds (a fourth may not
    # exist: what is left of K6 can be two triangles).
    for number in range(1, 4):
        summary = await run(service, clock)
        pairs = {group.members for group in summary.groups}
        assert not pairs & seen, "no repeat within 4 rounds while a fresh matching exists"
        seen |= pairs
        assert summary.number == number
        assert (summary.pairs, summary.trios, summary.repeats) == (3, 0, 0)
        assert summary.distinct_partners_min == number
    async with database.sessions() as session:
        rounds = (await session.scalars(select(PairRound).order_by(PairRound.number))).all()
    assert [r.seed for r in rounds] == [round_seed(GUILD, n) for n in range(1, 4)]


async def test_met_rate_of_the_previous_round_is_stored(
    service: PairingService, database: Database, clock: FrozenClock
) -> None:
    for user_id in range(1, 5):
        await join(service, user_id)
    first = await run(service, clock)
    await service.groups.answer(first.groups[0].id, first.groups[0].members[0], "met")
    second = await run(service, clock)
    assert first.previous_met_rate is None
    assert second.previous_met_rate == 0.5


async def test_preview_is_what_the_run_then_does(
    service: PairingService, clock: FrozenClock
) -> None:
    for user_id in range(1, 10):
        await join(service, user_id, topics="rust" if user_id % 2 else "css")
    preview = await service.rounds.preview_round(GUILD, everyone)
    summary = await service.rounds.run_round(
        GUILD,
        everyone,
        scheduled_for=clock.now(),
        trigger="manual",
        started_by=None,
        next_round_at=None,
        topic_for=first_topic,
    )
    assert [g.members for g in preview.groups] == [g.members for g in summary.groups]
    assert preview.seed == summary.seed


async def test_paused_and_ineligible_members_are_left_out(
    service: PairingService, clock: FrozenClock
) -> None:
    for user_id in range(1, 6):
        await join(service, user_id)
    await service.profiles.pause(GUILD, 5, "in 2 weeks")

    async def not_four(user_id: int) -> bool:
        return user_id != 4

    preview = await service.rounds.preview_round(GUILD, not_four)
    assert sorted(m for g in preview.groups for m in g.members) == [1, 2, 3]


async def test_a_round_needs_two_people(service: PairingService, database: Database) -> None:
    await join(service, 1)
    with pytest.raises(PairingError, match="needs at least two"):
        await service.rounds.preview_round(GUILD, everyone)


async def test_answers_only_from_members(service: PairingService, clock: FrozenClock) -> None:
    for user_id in (1, 2):
        await join(service, user_id)
    summary = await run(service, clock)
    group_id = summary.groups[0].id
    with pytest.raises(PairingError, match="Only the members"):
        await service.groups.answer(group_id, 99, "met")
    assert (await service.groups.answer(group_id, 1, "met")).changed
    assert not (await service.groups.answer(group_id, 2, "met")).changed


async def test_history_pages_newest_first_by_keyset(
    service: PairingService, clock: FrozenClock
) -> None:
    for user_id in (1, 2):
        await join(service, user_id)
    for _ in range(5):
        summary = await run(service, clock)
        # They answer, so no round pauses them for silence (attendance.py).
        await service.groups.answer(summary.groups[0].id, 1, "met")
    history = service.partner_history
    first = await history.history(GUILD, 1, limit=2)
    assert [e.round_number for e in first.entries] == [5, 4]
    second = await history.history(GUILD, 1, before_id=first.next_before_id, limit=2)
    assert [e.round_number for e in second.entries] == [3, 2]
    last = await history.history(GUILD, 1, before_id=second.next_before_id, limit=2)
    assert [e.round_number for e in last.entries] == [1]
    assert last.next_before_id is None
    assert all(e.partners == (2,) for e in first.entries + second.entries + last.entries)


# ---- queue -----------------------------------------------------------------------------------


async def test_queue_matches_compatible_people_and_skips_distant_levels(
    service: PairingService, database: Database, clock: FrozenClock
) -> None:
    await join(service, 1, level="beginner")
    await join(service, 2, level="advanced")
    await join(service, 3, level="intermediate")
    assert isinstance(await service.queue.queue_join(GUILD, 1, None, 7, everyone), QueueWait)
    assert isinstance(await service.queue.queue_join(GUILD, 2, None, 7, everyone), QueueWait)
    with pytest.raises(AlreadyWaiting) as waiting:
        await service.queue.queue_join(GUILD, 2, None, 7, everyone)
    assert waiting.value.until == clock.now() + timedelta(minutes=15)
    matched = await service.queue.queue_join(GUILD, 3, "sql", 7, everyone)
    assert isinstance(matched, QueueMatch)
    # 3 is adjacent to both; 1 arrived first.
    assert matched.group.members == (1, 3)
    assert matched.group.topic == "sql"
    clock.advance(timedelta(minutes=16))
    expired = await service.queue.expire_queue()
    assert [(e.user_id, e.channel_id) for e in expired] == [(2, 7)]
    async with database.sessions() as session:
        groups = (await session.scalars(select(PairGroup))).all()
        members = (await session.scalars(select(PairMember))).all()
    assert [g.round_id for g in groups] == [None]
    assert sorted(m.user_id for m in members) == [1, 3]


async def test_forget_and_stats(service: PairingService, clock: FrozenClock) -> None:
    for user_id in (1, 2, 3):
        await join(service, user_id)
    await run(service, clock)
    assert await service.member_data.forget(GUILD, 3) == {
        "pair profiles deleted": 1,
        "pairing history entries deleted": 1,
    }
    assert await service.member_data.stats(GUILD) == {
        "pairing members": 2,
        "pairing rounds": 1,
        "pairings": 1,
    }
    assert await service.member_data.forget(GUILD, 3) == {
        "pair profiles deleted": 0,
        "pairing history entries deleted": 0,
    }
