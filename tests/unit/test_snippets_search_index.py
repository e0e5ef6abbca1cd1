"""The Tantivy search index against a real, migrated database (SQLite file or PostgreSQL): it
finds what the table holds at once, across restarts and processes, rebuilds itself when the
data was replaced, and lets the database's own index answer whenever it cannot."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from bot.clock import FrozenClock
from bot.db import Database
from cogs.snippets import tantivy_index
from cogs.snippets.drafts import build_draft
from cogs.snippets.models import Snippet, SnippetSearchChange
from cogs.snippets.parts import SnippetParts, build_parts
from cogs.snippets.rules import RateLimitedError
from cogs.snippets.search_index import rebuild_search_index
from cogs.snippets.tantivy_engine import TantivySearchEngine
from tests.conftest import BACKEND

GUILD = 1001
OTHER_GUILD = 2002
ALICE, BOB = 11, 12
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BUILDING = "Building the snippet search index"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def parts_at(database: Database, clock: FrozenClock, directory: Path | None) -> SnippetParts:
    return build_parts(
        database.sessions, dialect=database.dialect, clock=clock, search_directory=directory
    )


def index_of(parts: SnippetParts) -> tantivy_index.SearchIndex:
    engine = parts.search_engine
    assert isinstance(engine, TantivySearchEngine)
    return engine.index


async def share(parts: SnippetParts, clock: FrozenClock, title: str, **fields: Any) -> int:
    clock.advance(timedelta(seconds=61))
    draft = build_draft(
        title=title,
        code=fields.get("code", "x = 1\n"),
        language="python",
        tags=None,
        description=None,
        max_bytes=100_000,
    )
    record = await parts.store.share(
        GUILD, fields.get("author", ALICE), draft, shares_per_minute=fields.get("limit", 100)
    )
    return record.id


async def found(parts: SnippetParts, query: str) -> list[int]:
    page = await parts.snippet_search.search(GUILD, query)
    return [item.id for item in page.items]


async def test_an_index_on_disk_keeps_its_place_and_catches_up_with_writes_made_while_closed(
    database: Database, clock: FrozenClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "index"
    first = parts_at(database, clock, directory)
    kept = await share(first, clock, "Walrus operator tricks")
    renamed = await share(first, clock, "Binary search bounds")
    gone = await share(first, clock, "Walrus in comprehensions")
    assert sorted(await found(first, "walrus")) == sorted([kept, gone])
    await first.close_search()

    # Another process (its own index elsewhere) changes the table meanwhile.
    other = parts_at(database, clock, tmp_path / "other")
    added = await share(other, clock, "Walrus and the carpenter", author=BOB)
    await other.store.edit(
        GUILD,
        renamed,
        ALICE,
        build_draft(
            title="Walrus bisect",
            code="x = 1\n",
            language="python",
            tags=None,
            description=None,
            max_bytes=100_000,
        ),
        is_moderator=False,
    )
    await other.store.delete(GUILD, gone, ALICE, is_moderator=False)
    await other.close_search()

    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    caplog.clear()
    again = parts_at(database, clock, directory)
    assert sorted(await found(again, "walrus")) == sorted([kept, renamed, added])
    assert await found(again, "binary") == []
    assert BUILDING not in caplog.text  # caught up from the change log, not rebuilt
    await again.close_search()


async def test_each_process_finds_what_another_just_wrote(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    one = parts_at(database, clock, tmp_path / "one")
    two = parts_at(database, clock, tmp_path / "two")
    assert await found(two, "kraken") == []
    snippet_id = await share(one, clock, "Kraken release notes")
    assert await found(two, "kraken") == [snippet_id]
    await two.store.delete(GUILD, snippet_id, ALICE, is_moderator=False)
    assert await found(one, "kraken") == []
    await one.close_search()
    await two.close_search()


async def test_a_restore_or_copy_makes_every_index_rebuild_from_the_table(
    database: Database, clock: FrozenClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    parts = parts_at(database, clock, tmp_path / "index")
    stays = await share(parts, clock, "Octopus arms")
    replaced = await share(parts, clock, "Octopus ink")
    assert sorted(await found(parts, "octopus")) == sorted([stays, replaced])
    # A restore puts other rows in place without the change log knowing...
    async with database.sessions.begin() as session:
        await session.execute(delete(Snippet).where(Snippet.id == replaced))
    # ...and then rebuilds the derived data, as `python -m bot db restore` does.
    async with database.engine.begin() as connection:
        await rebuild_search_index(connection)
    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    await index_of(parts).wait_until_current()
    assert BUILDING in caplog.text
    assert await found(parts, "octopus") == [stays]
    await parts.close_search()


@pytest.mark.parametrize(
    "state",
    [
        {"version": 0, "generation": "", "applied": 0, "complete": True},
        {"version": tantivy_index.INDEX_VERSION, "generation": "", "applied": 0, "complete": False},
        "not json",
    ],
    ids=["another version", "an unfinished build", "an unreadable state"],
)
async def test_an_index_it_cannot_trust_is_built_again(
    database: Database,
    clock: FrozenClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    state: Any,
) -> None:
    directory = tmp_path / "index"
    parts = parts_at(database, clock, directory)
    snippet_id = await share(parts, clock, "Narwhal tusks")
    assert await found(parts, "narwhal") == [snippet_id]
    await parts.close_search()
    state_file = directory / tantivy_index.STATE_FILE
    state_file.write_text(state if isinstance(state, str) else json.dumps(state))
    caplog.set_level(logging.INFO, logger=tantivy_index.__name__)
    again = parts_at(database, clock, directory)
    assert await found(again, "narwhal") == [snippet_id]
    assert BUILDING in caplog.text
    await again.close_search()


async def test_while_a_build_runs_the_databases_index_answers(
    database: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = parts_at(database, clock, None)
    snippet_id = await share(writer, clock, "Manatee migration")
    monkeypatch.setattr(tantivy_index, "BUILD_WAIT_SECONDS", 0)
    fresh = parts_at(database, clock, None)
    assert not await index_of(fresh).current()  # the build has only just started
    page = await fresh.snippet_search.search(GUILD, "manatee")
    assert [item.id for item in page.items] == [snippet_id]
    await index_of(fresh).wait_until_current()
    assert await found(fresh, "manatee") == [snippet_id]


async def test_a_directory_another_process_holds_leaves_search_to_the_database(
    database: Database, clock: FrozenClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = parts_at(database, clock, tmp_path / "index")
    snippet_id = await share(holder, clock, "Dugong grazing")
    assert await found(holder, "dugong") == [snippet_id]
    second = parts_at(database, clock, tmp_path / "index")
    assert await found(second, "dugong") == [snippet_id]
    assert not await index_of(second).current()
    assert "cannot be opened" in caplog.text
    await holder.close_search()


async def test_the_change_log_is_written_with_the_snippet_and_only_then(
    database: Database, clock: FrozenClock
) -> None:
    parts = parts_at(database, clock, None)
    first = await share(parts, clock, "Beluga", limit=1)
    again = build_draft(
        title="Beluga two", code="y", language="python", tags=None, description=None, max_bytes=99
    )
    with pytest.raises(RateLimitedError):
        await parts.store.share(GUILD, ALICE, again, shares_per_minute=1)
    async with database.sessions() as session:
        logged = (await session.scalars(select(SnippetSearchChange.snippet_id))).all()
        assert list(logged) == [first]
        count = await session.scalar(select(func.count()).select_from(SnippetSearchChange))
    assert count == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite commits writes in their order")
async def test_a_write_that_commits_after_a_later_one_is_still_found(
    database: Database, clock: FrozenClock
) -> None:
    parts = parts_at(database, clock, None)
    await index_of(parts).wait_until_current()
    # PostgreSQL numbers the slow write's change first, but it commits last. (Another guild:
    # the two writes must not wait for each other's guild counters.)
    async with database.sessions.begin() as slow:
        slow_row = Snippet(
            guild_id=OTHER_GUILD, author_id=ALICE, title="Capybara bath", language="python",
            tags="", code="x", star_count=0, created_at=START,
        )  # fmt: skip
        slow.add(slow_row)
        await slow.flush()
        await parts.search_engine.index_insert(slow, slow_row)
        quick = await share(parts, clock, "Capybara nap")
        assert await found(parts, "capybara") == [quick]  # applied past the slow one's number
    page = await parts.snippet_search.search(OTHER_GUILD, "capybara")
    assert [item.id for item in page.items] == [slow_row.id]
