"""+1s and watchers in feedback's parts, against a real migrated database: counted once, kept
through a merge, the list paged by +1s, a forgotten member's watching gone, and the revision
that made reporters and +1'ers of older items their watchers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.config import DatabaseSettings
from bot.db import Database, alembic_config
from cogs.feedback.models import FeedbackWatcher
from cogs.feedback.notices import USERS_PER_MESSAGE, mention_batches
from cogs.feedback.parts import FeedbackParts, build_parts
from cogs.feedback.records import ListFilters
from cogs.feedback.rules import FeedbackError

GUILD = 1001
ALICE, BOB, CAROL, TRIAGER = 11, 12, 13, 14
CREATED = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def feedback(database: Database) -> FeedbackParts:
    return build_parts(
        database.sessions, AuditService(database.sessions), clock=FrozenClock(CREATED)
    )


async def log(feedback: FeedbackParts, title: str, reporter: int = ALICE) -> int:
    draft = feedback.intake.draft(
        GUILD, reporter, endpoint=f"GET /api/{title}", severity="bug", title=title, details="d"
    )
    return (await feedback.intake.create(draft)).number


async def watching(database: Database, number: int) -> dict[int, bool]:
    query = text(
        "SELECT w.user_id, w.dm FROM feedback_watchers w JOIN feedback_items i "
        "ON i.id = w.item_id WHERE i.guild_id = :guild AND i.number = :number"
    )
    async with database.sessions() as session:
        rows = await session.execute(query, {"guild": GUILD, "number": number})
        return {int(user_id): bool(dm) for user_id, dm in rows.all()}


async def test_a_plus_one_counts_once_and_never_on_your_own_report(
    feedback: FeedbackParts, database: Database
) -> None:
    await log(feedback, "jobs")
    first = await feedback.votes.plus_one(GUILD, 1, BOB)
    again = await feedback.votes.plus_one(GUILD, 1, BOB)
    own = await feedback.votes.plus_one(GUILD, 1, ALICE)
    assert (first.counted, again.counted, own.counted) == (True, False, False)
    assert own.item.plus_ones == 1
    assert await watching(database, 1) == {ALICE: False, BOB: False}


async def test_the_dm_switch_starts_watching_and_flips_back(
    feedback: FeedbackParts, database: Database
) -> None:
    await log(feedback, "jobs")
    assert await feedback.watchers.toggle_dm(GUILD, 1, CAROL) is True
    assert await feedback.watchers.toggle_dm(GUILD, 1, CAROL) is False
    assert await feedback.watchers.toggle_dm(GUILD, 1, ALICE) is True
    assert await watching(database, 1) == {ALICE: True, CAROL: False}


async def test_a_status_change_names_its_audience_without_the_actor(
    feedback: FeedbackParts,
) -> None:
    await log(feedback, "jobs")
    await feedback.votes.plus_one(GUILD, 1, BOB)
    await feedback.watchers.toggle_dm(GUILD, 1, CAROL)
    await feedback.votes.plus_one(GUILD, 1, TRIAGER)
    change = await feedback.workflow.change_status(GUILD, 1, TRIAGER, "acknowledged")
    assert [(w.user_id, w.dm) for w in change.audience] == [
        (ALICE, False),
        (BOB, False),
        (CAROL, True),
    ]


async def test_a_merge_moves_plus_ones_once_each_and_copies_watchers(
    feedback: FeedbackParts, database: Database
) -> None:
    await log(feedback, "jobs")
    await log(feedback, "companies", reporter=BOB)
    await feedback.votes.plus_one(GUILD, 1, CAROL)
    await feedback.votes.plus_one(GUILD, 2, CAROL)
    await feedback.votes.plus_one(GUILD, 2, ALICE)  # the original's own reporter
    await feedback.watchers.toggle_dm(GUILD, 2, TRIAGER)
    change = await feedback.workflow.change_status(GUILD, 2, TRIAGER, "duplicate", duplicate_of=1)
    assert change.merge is not None
    assert (change.merge.votes_moved, change.merge.original.plus_ones) == (1, 2)  # BOB
    assert change.item.plus_ones == 0
    assert await watching(database, 1) == {ALICE: False, CAROL: False, BOB: False, TRIAGER: True}
    # The duplicate keeps its watchers, so reopening it still reaches them.
    assert set(await watching(database, 2)) == {ALICE, BOB, CAROL, TRIAGER}
    history = await feedback.queries.history(GUILD, 1)
    assert (history[-1].action, history[-1].from_value, history[-1].to_value) == (
        "duplicate_linked",
        "1",
        "FB-2",
    )


async def test_closed_items_refuse_a_plus_one(feedback: FeedbackParts) -> None:
    await log(feedback, "jobs")
    await feedback.workflow.change_status(GUILD, 1, TRIAGER, "wont_fix")
    with pytest.raises(FeedbackError, match="Won't fix, so it takes no more"):
        await feedback.votes.plus_one(GUILD, 1, BOB)


async def test_the_list_pages_by_plus_ones_then_newest(feedback: FeedbackParts) -> None:
    for name in ("aaa", "bbb", "ccc", "ddd", "eee"):
        await log(feedback, name)
    for number, voters in ((2, 3), (4, 3), (5, 1), (1, 1)):
        for voter in range(voters):
            await feedback.votes.plus_one(GUILD, number, 100 + voter)
    seen: list[int] = []
    cursor: Any = None
    while True:
        page = await feedback.queries.list_page(
            GUILD, ListFilters(), cursor, limit=2, by_plus_ones=True
        )
        seen += [item.number for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [4, 2, 5, 1, 3]
    active = await feedback.queries.list_page(
        GUILD, ListFilters(status="active"), (3, 4), by_plus_ones=True
    )
    assert [item.number for item in active.items] == [2, 5, 1, 3]


async def test_forgetting_a_member_stops_their_watching(
    feedback: FeedbackParts, database: Database
) -> None:
    await log(feedback, "jobs")
    await feedback.votes.plus_one(GUILD, 1, BOB)
    report = await feedback.member_data.forget(GUILD, BOB)
    assert report["feedback items no longer watched"] == 1
    assert await watching(database, 1) == {ALICE: False}


def test_mentions_are_batched_within_discords_limits() -> None:
    many = list(range(10**17, 10**17 + 250))
    batches = mention_batches(many, 500)
    assert [user for batch in batches for user in batch] == many
    assert sum(len(f"<@{u}> ") for u in batches[0]) <= 500
    assert all(len(batch) <= USERS_PER_MESSAGE for batch in batches)
    short = mention_batches(list(range(1, 300)), 1900)
    assert all(len(batch) <= USERS_PER_MESSAGE for batch in short)
    assert mention_batches([], 100) == [[]]


async def test_the_revision_makes_older_reporters_and_plus_ones_watchers(
    empty_database_url: str,
) -> None:
    database = Database(DatabaseSettings(url=empty_database_url))
    try:

        def upgrade(connection: Any, target: str) -> None:
            config = alembic_config(database.url)
            config.attributes["connection"] = connection
            command.upgrade(config, target)

        async with database.engine.begin() as connection:
            await connection.run_sync(upgrade, "feedback_0002")
            await connection.execute(
                text(
                    "INSERT INTO feedback_items (id, guild_id, number, reporter_id, method, path,"
                    " severity, title, details, status, plus_ones, created_at, updated_at) VALUES"
                    " (1, :g, 1, :alice, 'GET', '/x', 'bug', 'old', 'd', 'open', 2, :t, :t),"
                    " (2, :g, 2, NULL, 'GET', '/y', 'bug', 'forgotten', 'd', 'open', 0, :t, :t)"
                ),
                {"g": GUILD, "alice": ALICE, "t": CREATED},
            )
            await connection.execute(
                text(
                    "INSERT INTO feedback_votes (guild_id, item_id, user_id, created_at) VALUES"
                    " (:g, 1, :bob, :t), (:g, 1, NULL, :t)"
                ),
                {"g": GUILD, "bob": BOB, "t": CREATED},
            )
        async with database.engine.begin() as connection:
            await connection.run_sync(upgrade, "heads")
        async with database.sessions() as session:
            rows = await session.execute(
                select(FeedbackWatcher.item_id, FeedbackWatcher.user_id, FeedbackWatcher.dm)
            )
            assert sorted(rows.all()) == [(1, ALICE, False), (1, BOB, False)]
    finally:
        await database.close()
