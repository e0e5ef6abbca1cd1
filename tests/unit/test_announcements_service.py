"""The announcements store and dispatcher on a real SQLite file (no Discord)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import NotFoundError, UserFacingError
from bot.models import AuditEntry
from cogs.announcements.dispatcher import Dispatcher
from cogs.announcements.file_sync import sync_file
from cogs.announcements.member_data import AnnouncementMemberData
from cogs.announcements.models import Announcement, AnnouncementOccurrence
from cogs.announcements.records import Delivery, Draft, Edit, PostResult
from cogs.announcements.store import AnnouncementStore

GUILD = 111
CHANNEL = 222
UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 26, 8, tzinfo=UTC)


class RecordingPoster:
    """The Discord side, replaced by a list: what would have been posted, and when."""

    def __init__(self, fail_with: PostResult | None = None, delay: float = 0.0) -> None:
        self.posted: list[Delivery] = []
        self.fail_with = fail_with
        self.delay = delay
        self.notices: list[str] = []

    async def post(self, delivery: Delivery) -> PostResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            return self.fail_with
        self.posted.append(delivery)
        return PostResult(message_id=10_000 + len(self.posted))

    async def notify(self, guild_id: int, text: str) -> None:
        self.notices.append(text)


def make_dispatcher(database: Database, clock: FrozenClock, poster: RecordingPoster) -> Dispatcher:
    return Dispatcher(
        database.sessions,
        AuditService(database.sessions),
        clock,
        poster.post,
        poster.notify,
        grace=timedelta(hours=6),
        dialect=database.dialect,
    )


@pytest.fixture
def store(database: Database) -> AnnouncementStore:
    return AnnouncementStore(database.sessions, AuditService(database.sessions))


async def rows(database: Database, model: Any) -> list[Any]:
    async with database.sessions() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


def draft(**overrides: Any) -> Draft:
    values: dict[str, Any] = {"channel_id": CHANNEL, "when": "in 1h", "body": "hello"}
    values.update(overrides)
    return Draft(**values)


async def test_create_stores_next_run_and_audits(
    store: AnnouncementStore, database: Database
) -> None:
    info = await store.create(GUILD, 7, draft(repeat="daily"), UTC_ZONE, NOW)
    assert info.next_run_at == NOW + timedelta(hours=1)
    assert info.next_runs(3)[-1] == NOW + timedelta(days=2, hours=1)
    [entry] = await rows(database, AuditEntry)
    assert (entry.action, entry.actor_id) == ("announcement.create", 7)


async def test_bad_draft_stores_nothing(store: AnnouncementStore, database: Database) -> None:
    for bad in (
        draft(when="yesterday"),
        draft(repeat="0 99 * * *"),
        draft(body="  "),
        draft(timezone="Nowhere/Land"),
        draft(missed="later"),
    ):
        with pytest.raises(UserFacingError):
            await store.create(GUILD, 7, bad, UTC_ZONE, NOW)
    assert await rows(database, Announcement) == []
    assert await rows(database, AuditEntry) == []


async def test_other_guilds_ids_are_not_found(store: AnnouncementStore) -> None:
    info = await store.create(GUILD, 7, draft(), UTC_ZONE, NOW)
    with pytest.raises(NotFoundError):
        await store.get(GUILD + 1, info.id)


async def test_cancel_changes_the_guilds_row_once_and_audits_it(
    store: AnnouncementStore, database: Database
) -> None:
    info = await store.create(GUILD, 7, draft(repeat="daily"), UTC_ZONE, NOW)
    with pytest.raises(NotFoundError):
        await store.cancel(GUILD + 1, 7, info.id, NOW)  # another guild's number
    with pytest.raises(NotFoundError):
        await store.cancel(GUILD, 7, info.id + 1, NOW)
    cancelled = await store.cancel(GUILD, 8, info.id, NOW + timedelta(minutes=5))
    assert (cancelled.status, cancelled.next_run_at) == ("cancelled", None)
    with pytest.raises(UserFacingError, match="already cancelled"):
        await store.cancel(GUILD, 8, info.id, NOW)
    [row] = await rows(database, Announcement)
    assert (row.status, row.next_run_at, row.updated_at) == (
        "cancelled",
        None,
        NOW + timedelta(minutes=5),
    )
    entries = [(e.action, e.actor_id, e.target) for e in await rows(database, AuditEntry)]
    assert entries == [
        ("announcement.create", 7, f"announcement #{info.id}"),
        ("announcement.cancel", 8, f"announcement #{info.id}"),
    ]


async def test_search_takes_percent_and_underscore_literally(store: AnnouncementStore) -> None:
    sale = await store.create(GUILD, 7, draft(title="50% off"), UTC_ZONE, NOW)
    snake = await store.create(GUILD, 7, draft(body="use snake_case"), UTC_ZONE, NOW)
    await store.create(GUILD, 7, draft(title="500 members", body="snakeXcase"), UTC_ZONE, NOW)

    assert [info.id for info in await store.search(GUILD, "50%")] == [sale.id]
    assert [info.id for info in await store.search(GUILD, "snake_case")] == [snake.id]


async def test_edit_of_the_schedule_recomputes_and_audits_the_change(
    store: AnnouncementStore, database: Database
) -> None:
    info = await store.create(GUILD, 7, draft(repeat="daily"), UTC_ZONE, NOW)
    edited = await store.edit(
        GUILD, 7, info.id, Edit(body="new", when="2026-12-24 18:00", repeat="weekly"), NOW
    )
    assert (edited.body, edited.repeat) == ("new", "weekly")
    assert edited.next_run_at == datetime(2026, 12, 24, 18, tzinfo=UTC)
    entry = (await rows(database, AuditEntry))[-1]
    assert entry.action == "announcement.edit"
    assert set(entry.details["changed"]) >= {"body", "repeat", "next_run_at"}


async def test_resume_of_a_one_off_whose_time_passed_is_refused(
    store: AnnouncementStore,
) -> None:
    info = await store.create(GUILD, 7, draft(), UTC_ZONE, NOW)
    await store.pause(GUILD, 7, info.id, NOW)
    with pytest.raises(UserFacingError, match="one-off"):
        await store.resume(GUILD, 7, info.id, NOW + timedelta(hours=2))


async def test_two_dispatchers_on_one_database_post_each_occurrence_once(
    store: AnnouncementStore, database: Database
) -> None:
    for n in range(50):
        await store.create(GUILD, 7, draft(body=f"n{n}", repeat="daily"), UTC_ZONE, NOW)
    clock = FrozenClock(NOW + timedelta(hours=1))
    first, second = RecordingPoster(delay=0.001), RecordingPoster(delay=0.001)
    one, two = make_dispatcher(database, clock, first), make_dispatcher(database, clock, second)
    await one.rebuild()
    await two.rebuild()
    await asyncio.gather(one.run_due(), two.run_due())
    posted = [d.announcement_id for d in first.posted + second.posted]
    assert sorted(posted) == list(range(1, 51))
    occurrences = await rows(database, AnnouncementOccurrence)
    assert len(occurrences) == 50
    assert {o.status for o in occurrences} == {"posted"}
    # Both now wait for tomorrow's run, which the loser computed itself.
    assert one.next_due() == two.next_due() == NOW + timedelta(days=1, hours=1)


async def test_a_transient_error_fails_that_run_only(
    store: AnnouncementStore, database: Database
) -> None:
    await store.create(GUILD, 7, draft(repeat="daily"), UTC_ZONE, NOW)
    clock = FrozenClock(NOW + timedelta(hours=1))
    poster = RecordingPoster(fail_with=PostResult(None, "Discord answered 503"))
    dispatcher = make_dispatcher(database, clock, poster)
    await dispatcher.rebuild()
    await dispatcher.run_due()
    [row] = await rows(database, Announcement)
    assert (row.status, row.next_run_at) == ("active", NOW + timedelta(days=1, hours=1))
    [occurrence] = await rows(database, AnnouncementOccurrence)
    assert (occurrence.status, occurrence.error) == ("failed", "Discord answered 503")
    assert "schedule goes on" in poster.notices[0]


FILE = """
announcements:
  - key: demo
    guild_id: {guild}
    channel_id: {channel}
    when: 2026-12-04 16:00:00
    repeat: weekly
    message: {message}
"""


async def test_file_sync_is_idempotent_and_follows_the_file(
    store: AnnouncementStore, database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"

    async def utc_zone(guild_id: int) -> ZoneInfo:
        return UTC_ZONE

    path.write_text(FILE.format(guild=GUILD, channel=CHANNEL, message="one"))
    first = await sync_file(store, path, utc_zone, NOW)
    again = await sync_file(store, path, utc_zone, NOW)
    assert (len(first.created), again.unchanged, again.changed) == (1, 1, [])

    later = NOW + timedelta(days=30)  # the series started in the past: next run after now
    path.write_text(FILE.format(guild=GUILD, channel=CHANNEL, message="two"))
    changed = await sync_file(store, path, utc_zone, later)
    [info] = changed.updated
    assert info.body == "two"
    assert info.next_run_at == datetime(2027, 1, 1, 16, tzinfo=UTC)

    path.write_text("announcements:\n  - key: broken\n    guild_id: 1\n")
    broken = await sync_file(store, path, utc_zone, later)
    assert broken.errors and broken.removed == []  # a broken file changes nothing

    path.write_text("announcements: []\n")
    removed = await sync_file(store, path, utc_zone, later)
    assert [r.status for r in removed.removed] == ["cancelled"]


async def test_a_past_one_off_in_the_file_is_reported_not_created(
    store: AnnouncementStore, database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        FILE.format(guild=GUILD, channel=CHANNEL, message="x").replace("weekly", "none")
    )

    async def utc_zone(guild_id: int) -> ZoneInfo:
        return UTC_ZONE

    report = await sync_file(store, path, utc_zone, NOW + timedelta(days=30))
    assert "in the past" in report.errors[0]
    assert await rows(database, Announcement) == []


async def test_forget_anonymises_the_creator(store: AnnouncementStore, database: Database) -> None:
    await store.create(GUILD, 7, draft(), UTC_ZONE, NOW)
    member_data = AnnouncementMemberData(database.sessions)
    report = await member_data.forget(GUILD, 7)
    assert report == {"announcements anonymised": 1}
    [row] = await rows(database, Announcement)
    assert row.created_by is None
    assert await member_data.stats(GUILD) == {
        "active announcements": 1,
        "paused announcements": 0,
    }


async def test_a_failed_claim_keeps_the_runs_scheduled_for_a_retry(
    store: AnnouncementStore, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.create(GUILD, 7, draft(repeat="daily"), UTC_ZONE, NOW)
    clock = FrozenClock(NOW + timedelta(hours=1))
    poster = RecordingPoster()
    dispatcher = make_dispatcher(database, clock, poster)
    await dispatcher.rebuild()

    async def database_down(*args: Any) -> dict[int, int]:
        raise OSError("disk I/O error")

    with monkeypatch.context() as patch:
        patch.setattr(dispatcher.claims, "insert", database_down)
        await dispatcher.run_due()
    assert poster.posted == []
    assert dispatcher.next_due() == clock.now() + timedelta(seconds=5)

    clock.advance(timedelta(seconds=5))
    await dispatcher.run_due()
    [delivery] = poster.posted
    assert delivery.scheduled_for == NOW + timedelta(hours=1)
    [occurrence] = await rows(database, AnnouncementOccurrence)
    assert (occurrence.status, occurrence.delayed) == ("posted", False)


async def test_two_processes_post_every_guild_and_each_occurrence_once(
    store: AnnouncementStore, database: Database
) -> None:
    # Two dispatchers (two sharded processes) race for the same due runs of two guilds: each
    # can post any guild (REST needs no gateway cache), the claim lets one of them win.
    for n in range(10):
        await store.create(GUILD + n % 2, 7, draft(body=f"n{n}"), UTC_ZONE, NOW)
    clock = FrozenClock(NOW + timedelta(hours=1))
    first, second = RecordingPoster(), RecordingPoster()
    dispatchers = [make_dispatcher(database, clock, p) for p in (first, second)]
    for dispatcher in dispatchers:
        assert await dispatcher.rebuild() == 10
    await asyncio.gather(*(d.run_due() for d in dispatchers))
    posted = sorted(d.body for d in first.posted + second.posted)
    assert posted == sorted(f"n{n}" for n in range(10))
    occurrences = await rows(database, AnnouncementOccurrence)
    assert len(occurrences) == 10
    assert {o.status for o in occurrences} == {"posted"}


async def test_the_refresh_learns_of_rows_another_process_created_or_moved_earlier(
    store: AnnouncementStore, database: Database
) -> None:
    clock = FrozenClock(NOW)
    poster = RecordingPoster()
    dispatcher = make_dispatcher(database, clock, poster)
    await dispatcher.rebuild()
    # "Another process" writes: one row due soon, one due far beyond the refresh horizon.
    soon = await store.create(GUILD, 7, draft(when="in 1 minute"), UTC_ZONE, NOW)
    later = await store.create(GUILD, 7, draft(when="in 3h"), UTC_ZONE, NOW)
    assert await dispatcher.refresh(NOW) == 1
    assert dispatcher.next_due() == soon.next_run_at
    assert len(dispatcher) == 1
    clock.set(soon.next_run_at)
    await dispatcher.run_due()
    # Nearer than the horizon now: learnt by a later refresh, and posted once when due.
    clock.set(NOW + timedelta(hours=3) - timedelta(seconds=30))
    assert await dispatcher.refresh(clock.now()) == 1
    clock.set(NOW + timedelta(hours=3))
    await dispatcher.run_due()
    assert [d.announcement_id for d in poster.posted] == [soon.id, later.id]
    # A refresh right after the claims adds nothing back (their next runs are gone).
    assert await dispatcher.refresh(clock.now()) == 0
    assert len(await rows(database, AnnouncementOccurrence)) == 2


class RateLimitedPoster(RecordingPoster):
    """Discord answering 429 to the first attempts, as under a burst: nothing was posted."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals

    async def post(self, delivery: Delivery) -> PostResult:
        if self.refusals > 0:
            self.refusals -= 1
            return PostResult(None, "rate limited by Discord", retry_after=0.01)
        return await super().post(delivery)


async def test_rate_limited_posts_are_retried_and_posted_once(
    store: AnnouncementStore, database: Database
) -> None:
    for n in range(5):
        await store.create(GUILD, 7, draft(body=f"n{n}"), UTC_ZONE, NOW)
    clock = FrozenClock(NOW + timedelta(hours=1))
    poster = RateLimitedPoster(refusals=8)
    dispatcher = make_dispatcher(database, clock, poster)
    await dispatcher.rebuild()
    await dispatcher.run_due()
    assert sorted(d.body for d in poster.posted) == [f"n{n}" for n in range(5)]
    assert {o.status for o in await rows(database, AnnouncementOccurrence)} == {"posted"}
