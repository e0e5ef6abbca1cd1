"""Feedback's stores and services (its parts) against a real, migrated SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import NotFoundError
from bot.models import AuditEntry
from cogs.feedback.models import FeedbackHistory, FeedbackItem, FeedbackOperation, FeedbackVote
from cogs.feedback.parts import FeedbackParts, build_parts
from cogs.feedback.queries import list_filters
from cogs.feedback.records import ListFilters
from cogs.feedback.rules import FeedbackError
from cogs.feedback.spec_parser import parse_spec

GUILD, OTHER_GUILD = 1001, 2002
ALICE, BOB, TRIAGER = 11, 12, 13
DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


@pytest.fixture
def feedback(database: Database, clock: FrozenClock) -> FeedbackParts:
    return build_parts(database.sessions, AuditService(database.sessions), clock=clock)


async def log(
    feedback: FeedbackParts,
    title: str = "Jobs list returns 500",
    endpoint: str = "GET /api/jobs",
    *,
    guild: int = GUILD,
    reporter: int = ALICE,
    severity: str = "bug",
) -> int:
    draft = feedback.intake.draft(
        guild,
        reporter,
        endpoint=endpoint,
        severity=severity,
        title=title,
        details="It fails every time.",
        expected="200 with a list",
        actual="500",
    )
    return (await feedback.intake.create(draft)).number


async def count(database: Database, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    async with database.sessions() as session:
        return int(await session.scalar(query) or 0)


async def test_numbers_count_up_per_guild(feedback: FeedbackParts) -> None:
    assert [await log(feedback), await log(feedback, "Second one")] == [1, 2]
    assert await log(feedback, guild=OTHER_GUILD) == 1
    item = await feedback.queries.get(GUILD, 2)
    assert (item.ref, item.endpoint, item.status, item.in_spec) == (
        "FB-2",
        "GET /api/jobs",
        "open",
        None,
    )


async def test_creation_writes_a_history_row(feedback: FeedbackParts) -> None:
    number = await log(feedback)
    history = await feedback.queries.history(GUILD, number)
    assert [(h.action, h.actor_id, h.to_value) for h in history] == [("created", ALICE, "open")]


async def test_bad_drafts_are_refused(feedback: FeedbackParts) -> None:
    with pytest.raises(FeedbackError, match="Severity"):
        feedback.intake.draft(
            GUILD, ALICE, endpoint="GET /x", severity="urgent", title="abc", details="d"
        )
    with pytest.raises(FeedbackError, match="title"):
        feedback.intake.draft(
            GUILD, ALICE, endpoint="GET /x", severity="bug", title="a", details="d"
        )
    with pytest.raises(FeedbackError, match="details"):
        feedback.intake.draft(
            GUILD, ALICE, endpoint="GET /x", severity="bug", title="abc", details=" "
        )


async def test_status_walks_the_transition_table(
    feedback: FeedbackParts, database: Database
) -> None:
    number = await log(feedback)
    change = await feedback.workflow.change_status(
        GUILD, number, TRIAGER, "acknowledged", note="on it"
    )
    assert (change.old_status, change.new_status, change.closes) == ("open", "acknowledged", False)
    await feedback.workflow.change_status(GUILD, number, TRIAGER, "in_progress")
    done = await feedback.workflow.change_status(GUILD, number, TRIAGER, "resolved")
    assert done.closes
    reopened = await feedback.workflow.change_status(
        GUILD, number, TRIAGER, "open", note="regressed"
    )
    assert reopened.reopens
    history = await feedback.queries.history(GUILD, number)
    assert [(h.action, h.from_value, h.to_value) for h in history][1:] == [
        ("status", "open", "acknowledged"),
        ("status", "acknowledged", "in_progress"),
        ("status", "in_progress", "resolved"),
        ("reopened", "resolved", "open"),
    ]
    assert history[1].note == "on it"
    assert await count(database, AuditEntry, action="feedback.status") == 4


async def test_senseless_transitions_change_nothing(
    feedback: FeedbackParts, database: Database
) -> None:
    number = await log(feedback)
    await feedback.workflow.change_status(GUILD, number, TRIAGER, "resolved")
    with pytest.raises(FeedbackError, match="can go to: `open`"):
        await feedback.workflow.change_status(GUILD, number, TRIAGER, "in_progress")
    with pytest.raises(FeedbackError, match="already"):
        await feedback.workflow.change_status(GUILD, number, TRIAGER, "resolved")
    with pytest.raises(FeedbackError, match="Status is one of"):
        await feedback.workflow.change_status(GUILD, number, TRIAGER, "done")
    with pytest.raises(NotFoundError):
        await feedback.workflow.change_status(GUILD, 99, TRIAGER, "open")
    assert (await feedback.queries.get(GUILD, number)).status == "resolved"
    assert await count(database, FeedbackHistory) == 2


async def test_duplicates_need_a_real_other_target(feedback: FeedbackParts) -> None:
    first = await log(feedback)
    second = await log(feedback, "Jobs list 500s")
    with pytest.raises(FeedbackError, match="Say which item"):
        await feedback.workflow.change_status(GUILD, second, TRIAGER, "duplicate")
    with pytest.raises(FeedbackError, match="itself"):
        await feedback.workflow.change_status(
            GUILD, second, TRIAGER, "duplicate", duplicate_of=second
        )
    with pytest.raises(NotFoundError):
        await feedback.workflow.change_status(GUILD, second, TRIAGER, "duplicate", duplicate_of=40)
    with pytest.raises(FeedbackError, match="only goes with"):
        await feedback.workflow.change_status(
            GUILD, second, TRIAGER, "resolved", duplicate_of=first
        )
    change = await feedback.workflow.change_status(
        GUILD, second, TRIAGER, "duplicate", duplicate_of=first
    )
    assert change.item.duplicate_of_number == first
    assert [h.action for h in await feedback.queries.history(GUILD, first)] == [
        "created",
        "duplicate_linked",
    ]
    third = await log(feedback, "Third")
    with pytest.raises(FeedbackError, match="itself a duplicate of FB-1"):
        await feedback.workflow.change_status(
            GUILD, third, TRIAGER, "duplicate", duplicate_of=second
        )
    reopened = await feedback.workflow.change_status(GUILD, second, TRIAGER, "open")
    assert reopened.item.duplicate_of_number is None


async def test_only_the_reporter_withdraws_and_only_while_open(feedback: FeedbackParts) -> None:
    number = await log(feedback)
    with pytest.raises(FeedbackError, match="Only the person"):
        await feedback.workflow.withdraw(GUILD, number, BOB)
    change = await feedback.workflow.withdraw(GUILD, number, ALICE)
    assert (change.new_status, change.closes) == ("withdrawn", True)
    other = await log(feedback, "Other")
    await feedback.workflow.change_status(GUILD, other, TRIAGER, "acknowledged")
    with pytest.raises(FeedbackError, match="only open items"):
        await feedback.workflow.withdraw(GUILD, other, ALICE)
    with pytest.raises(FeedbackError, match="Only the reporter"):
        await feedback.workflow.change_status(GUILD, other, TRIAGER, "withdrawn")


async def test_assign_records_history_and_audit(
    feedback: FeedbackParts, database: Database
) -> None:
    number = await log(feedback)
    assignment = await feedback.workflow.assign(GUILD, number, TRIAGER, BOB)
    assert assignment.item.assignee_id == BOB
    with pytest.raises(FeedbackError, match="already assigned"):
        await feedback.workflow.assign(GUILD, number, TRIAGER, BOB)
    history = await feedback.queries.history(GUILD, number)
    assert (history[-1].action, history[-1].to_value) == ("assigned", str(BOB))
    assert await count(database, AuditEntry, action="feedback.assign") == 1


async def test_add_details_counts_one_plus_one_per_member(
    feedback: FeedbackParts, database: Database
) -> None:
    number = await log(feedback)
    draft = feedback.intake.draft(
        GUILD, BOB, endpoint="GET /api/jobs", severity="bug", title="Same", details="Me too"
    )
    first = await feedback.intake.add_details(GUILD, number, draft)
    again = await feedback.intake.add_details(GUILD, number, draft)
    own = await feedback.intake.add_details(
        GUILD,
        number,
        feedback.intake.draft(
            GUILD, ALICE, endpoint="GET /api/jobs", severity="bug", title="Same", details="More"
        ),
    )
    assert (first.counted, again.counted, own.counted) == (True, False, False)
    assert (await feedback.queries.get(GUILD, number)).plus_ones == 1
    assert await count(database, FeedbackVote) == 1
    actions = [h.action for h in await feedback.queries.history(GUILD, number)]
    assert actions == ["created", "plus_one", "details_added", "details_added"]


async def test_duplicate_check_sees_only_open_items(feedback: FeedbackParts) -> None:
    number = await log(feedback, "Jobs list returns 500")
    draft = feedback.intake.draft(
        GUILD,
        BOB,
        endpoint="get /api/jobs/",
        severity="bug",
        title="500 when listing jobs",
        details="x",
    )
    assert [c.number for c in await feedback.intake.find_duplicates(draft)] == [number]
    await feedback.workflow.change_status(GUILD, number, TRIAGER, "resolved")
    assert await feedback.intake.find_duplicates(draft) == []
    # The cached index follows changes in place: a reopened item and a new one are found.
    await feedback.workflow.change_status(GUILD, number, TRIAGER, "open")
    newer = await log(feedback, "Listing jobs gives a 500")
    found = {c.number for c in await feedback.intake.find_duplicates(draft)}
    assert found == {number, newer}


async def test_changes_made_while_the_open_items_load_reach_the_loaded_index(
    feedback: FeedbackParts, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = await log(feedback, "Jobs list returns 500")
    indexes = feedback.open_items
    read = indexes._read
    read_done, go_on = asyncio.Event(), asyncio.Event()

    async def read_then_wait(guild_id: int) -> Any:
        rows = await read(guild_id)  # taken before the changes below commit
        read_done.set()
        await go_on.wait()
        return rows

    monkeypatch.setattr(indexes, "_read", read_then_wait)
    loading = asyncio.create_task(indexes.for_guild(GUILD))
    await read_done.wait()
    added = await log(feedback, "Listing jobs gives a 500")
    await feedback.workflow.change_status(GUILD, resolved, TRIAGER, "resolved")
    go_on.set()
    index = await loading
    # The read saw the resolved item open and missed the new one; the index has it right.
    found = index.find("GET", "/api/jobs", "500 when listing jobs")
    assert [c.number for c in found] == [added]


async def test_list_filters_and_keyset_pages(feedback: FeedbackParts, clock: FrozenClock) -> None:
    for index in range(25):
        clock.advance(timedelta(minutes=1))
        await log(
            feedback,
            f"Item {index}",
            "GET /api/jobs" if index % 2 == 0 else "POST /api/jobs",
            reporter=ALICE if index % 5 == 0 else BOB,
            severity="blocker" if index % 3 == 0 else "bug",
        )
    page = await feedback.queries.list_page(GUILD, ListFilters())
    assert [i.number for i in page.items] == list(range(25, 15, -1))
    second = await feedback.queries.list_page(GUILD, ListFilters(), page.next_cursor)
    third = await feedback.queries.list_page(GUILD, ListFilters(), second.next_cursor)
    assert [i.number for i in third.items] == [5, 4, 3, 2, 1]
    assert third.next_cursor is None
    posts = await feedback.queries.list_page(
        GUILD, list_filters(None, "POST /api/jobs/", None, None)
    )
    assert {i.method for i in posts.items} == {"POST"}
    every_method = await feedback.queries.list_page(
        GUILD, list_filters(None, "/api/jobs", None, None), limit=30
    )
    assert len(every_method.items) == 25
    mine = await feedback.queries.list_page(
        GUILD, list_filters(None, None, "blocker", ALICE), limit=30
    )
    assert [i.number for i in mine.items] == [16, 1]
    await feedback.workflow.change_status(GUILD, 3, TRIAGER, "resolved")
    resolved = await feedback.queries.list_page(GUILD, list_filters("resolved", None, None, None))
    assert [i.number for i in resolved.items] == [3]
    active = await feedback.queries.list_page(
        GUILD, list_filters("active", None, None, None), limit=30
    )
    assert len(active.items) == 24


async def test_most_plus_ones_first_pages_the_same_under_narrow_filters_and_by_assignee(
    feedback: FeedbackParts, clock: FrozenClock
) -> None:
    for index in range(12):
        clock.advance(timedelta(minutes=1))
        await log(feedback, f"Ranked item {index}", reporter=ALICE if index % 2 else BOB)
    for number, voters in {3: 3, 8: 2, 5: 1, 12: 1}.items():
        for voter in range(voters):
            await feedback.votes.plus_one(GUILD, number, 900 + voter)
    await feedback.workflow.assign(GUILD, 5, TRIAGER, TRIAGER)
    await feedback.workflow.assign(GUILD, 8, TRIAGER, TRIAGER)

    async def ranked(filters: ListFilters) -> list[int]:
        numbers, cursor = [], None
        while True:
            page = await feedback.queries.list_page(
                GUILD, filters, cursor, limit=2, by_plus_ones=True
            )
            numbers += [item.number for item in page.items]
            if page.next_cursor is None:
                return numbers
            cursor = page.next_cursor

    everything = await ranked(ListFilters())
    assert everything[:4] == [3, 8, 12, 5]
    # A member's items and an endpoint's are read through their own index, then sorted: the
    # order and the pages are the same as the whole list's, filtered.
    alices = [n for n in everything if n % 2 == 0]
    assert await ranked(list_filters(None, None, None, ALICE)) == alices
    assert await ranked(list_filters(None, "GET /api/jobs", None, None)) == everything
    assert await ranked(list_filters(None, None, None, None, assignee_id=TRIAGER)) == [8, 5]
    unassigned = [n for n in everything if n not in {5, 8}]
    assert await ranked(list_filters(None, None, None, None, unassigned=True)) == unassigned


async def test_specs_mark_endpoints_and_feed_autocomplete(
    feedback: FeedbackParts, database: Database
) -> None:
    parsed = parse_spec((DATA / "feedback_jobs_api.yaml").read_bytes())
    spec = await feedback.specs.add_spec(
        GUILD, "Jobs", "https://jobs.test/openapi.yaml", parsed, TRIAGER
    )
    assert (spec.name, spec.operation_count) == ("jobs", 8)
    with pytest.raises(FeedbackError, match="already registered"):
        await feedback.specs.add_spec(
            GUILD, "jobs", "https://jobs.test/openapi.yaml", parsed, TRIAGER
        )
    in_spec = await log(feedback, "One job 404s", "GET /api/jobs/42")
    off_spec = await log(feedback, "Salaries missing", "GET /api/salaries")
    assert (await feedback.queries.get(GUILD, in_spec)).in_spec is True
    assert (await feedback.queries.get(GUILD, off_spec)).in_spec is False
    choices = await feedback.specs.endpoint_choices(GUILD, "delet job")
    assert choices[0].value == "DELETE /api/jobs/{jobId}"
    assert len(await feedback.specs.endpoint_choices(GUILD, "")) <= 25
    removed = await feedback.specs.remove_spec(GUILD, "jobs", TRIAGER)
    assert removed.operation_count == 8
    # Without a spec nothing is "not in spec" any more; adding it back marks them again.
    assert (await feedback.queries.get(GUILD, off_spec)).in_spec is None
    await feedback.specs.add_spec(GUILD, "jobs", "https://jobs.test/openapi.yaml", parsed, TRIAGER)
    assert (await feedback.queries.get(GUILD, off_spec)).in_spec is False
    assert (await feedback.queries.get(GUILD, in_spec)).in_spec is True
    await feedback.specs.remove_spec(GUILD, "jobs", TRIAGER)
    assert await count(database, FeedbackOperation) == 0
    assert await count(database, AuditEntry, action="feedback.api_remove") == 2


async def test_forget_anonymises_reporter_assignee_and_history(
    feedback: FeedbackParts, database: Database
) -> None:
    number = await log(feedback, reporter=ALICE)
    await feedback.workflow.assign(GUILD, number, TRIAGER, ALICE)
    report = await feedback.member_data.forget(GUILD, ALICE)
    assert report["feedback items anonymised"] == 1
    item = await feedback.queries.get(GUILD, number)
    assert (item.reporter_id, item.assignee_id) == (None, None)
    assert await count(database, FeedbackHistory, actor_id=ALICE) == 0
    assert await count(database, FeedbackItem, reporter_id=ALICE) == 0
    history = await feedback.queries.history(GUILD, number)
    assert history[-1].to_value == "(forgotten member)"


async def test_stats_and_open_topics(feedback: FeedbackParts) -> None:
    await log(feedback, "Minor thing", severity="suggestion")
    await log(feedback, "Everything is down", severity="blocker")
    closed = await log(feedback, "Closed one")
    await feedback.workflow.change_status(GUILD, closed, TRIAGER, "wont_fix")
    stats = await feedback.member_data.stats(GUILD)
    assert stats["feedback open"] == 2
    assert stats["feedback won't fix"] == 1
    assert stats["feedback items"] == 3
    assert await feedback.member_data.open_topics(GUILD, 5) == [
        "FB-2 GET /api/jobs — Everything is down",
        "FB-1 GET /api/jobs — Minor thing",
    ]


async def test_item_autocomplete_by_number_and_title(feedback: FeedbackParts) -> None:
    for index in range(12):
        await log(feedback, f"Issue number {index}")
    by_number = await feedback.queries.item_choices(GUILD, "FB-1")
    assert [c.value for c in by_number] == ["FB-12", "FB-11", "FB-10", "FB-1"]
    by_title = await feedback.queries.item_choices(GUILD, "number 7")
    assert [c.value for c in by_title] == ["FB-8"]


async def test_a_saved_draft_is_used_once_and_only_by_its_reporter(
    feedback: FeedbackParts, clock: FrozenClock
) -> None:
    draft = feedback.intake.draft(
        GUILD, BOB, endpoint="GET /api/jobs", severity="bug", title="Jobs 500", details="Same"
    )
    draft_id = await feedback.intake.save_draft(draft)
    with pytest.raises(FeedbackError, match="Only the person"):
        await feedback.intake.load_draft(GUILD, draft_id, ALICE)
    loaded = await feedback.intake.load_draft(GUILD, draft_id, BOB)
    assert loaded == draft
    created = await feedback.intake.create(loaded, draft_id=draft_id)
    assert created.number == 1
    with pytest.raises(FeedbackError, match="already answered or has expired"):
        await feedback.intake.create(loaded, draft_id=draft_id)
    assert len((await feedback.queries.list_page(GUILD, ListFilters())).items) == 1
    stale = await feedback.intake.save_draft(draft)
    clock.advance(timedelta(days=2))
    with pytest.raises(FeedbackError, match="expired"):
        await feedback.intake.load_draft(GUILD, stale, BOB)
