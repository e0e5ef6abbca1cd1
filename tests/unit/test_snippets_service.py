"""Snippets' parts (store, search, listings, choices, member data) against a real, migrated
SQLite file: storage, limits, ranking, filters, cursor pagination, stars, permissions, forget
and stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.db import Database, sqlite_path
from bot.errors import NotFoundError, UserFacingError
from cogs.snippets.drafts import SnippetDraft, build_draft
from cogs.snippets.fts5_query import SearchQueryError
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.parts import SnippetParts, build_parts
from cogs.snippets.rules import PAGE_SIZE, RateLimitedError, SnippetPermissionError

GUILD = 1001
OTHER_GUILD = 2002
ALICE, BOB, CAROL, MOD = 11, 12, 13, 99
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def snippets(database: Database, clock: FrozenClock) -> SnippetParts:
    return build_parts(
        database.sessions,
        dialect=database.dialect,
        clock=clock,
        audit=AuditService(database.sessions),
    )


def draft(
    title: str = "Retry with backoff",
    code: str = "def retry(fn):\n    return fn()\n",
    language: str | None = "python",
    tags: str | None = None,
    description: str | None = None,
) -> SnippetDraft:
    return build_draft(
        title=title,
        code=code,
        language=language,
        tags=tags,
        description=description,
        max_bytes=100_000,
    )


async def share(
    snippets: SnippetParts,
    clock: FrozenClock,
    author: int = ALICE,
    guild: int = GUILD,
    **fields: Any,
) -> int:
    # Each share a little later than the last: ids and times both grow, as in real use.
    clock.advance(timedelta(seconds=61))
    record = await snippets.store.share(guild, author, draft(**fields), shares_per_minute=100)
    return record.id


async def count(database: Database, model: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_share_stores_the_code_verbatim_and_indexes_it(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    code = "x = '```'\n# @everyone <@&123> <@456>\r\n\ttrailing   \n"
    snippet_id = await share(snippets, clock, code=code, tags="API, Async api")
    stored = await snippets.store.get(GUILD, snippet_id)
    assert stored.code == code
    assert stored.tags == ("api", "async")
    assert stored.author_id == ALICE
    page = await snippets.snippet_search.search(GUILD, "backoff")
    assert [item.id for item in page.items] == [snippet_id]


async def test_rate_limit_refuses_the_extra_share_and_says_how_long_to_wait(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    for _ in range(3):
        await snippets.store.share(GUILD, ALICE, draft(), shares_per_minute=3)
        clock.advance(timedelta(seconds=10))
    with pytest.raises(RateLimitedError) as refused:
        await snippets.store.share(GUILD, ALICE, draft(), shares_per_minute=3)
    assert refused.value.wait_seconds == 30
    assert "30 s" in refused.value.message
    assert await count(database, Snippet) == 3
    # Another member is not limited by Alice's shares.
    await snippets.store.share(GUILD, BOB, draft(), shares_per_minute=3)
    clock.advance(timedelta(seconds=31))
    await snippets.store.share(GUILD, ALICE, draft(), shares_per_minute=3)
    assert await count(database, Snippet) == 5


async def test_unknown_id_and_other_guilds_snippet_are_not_found(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock, guild=OTHER_GUILD)
    with pytest.raises(NotFoundError):
        await snippets.store.get(GUILD, snippet_id)
    with pytest.raises(NotFoundError):
        await snippets.store.get(GUILD, 424242)


async def test_ranking_prefers_a_title_match_over_a_code_match(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    in_title = await share(snippets, clock, title="Pagination helper", code="x = 1\n")
    in_code = await share(snippets, clock, title="Misc", code="# pagination here\nx = 2\n")
    page = await snippets.snippet_search.search(GUILD, "pagination")
    assert [item.id for item in page.items] == [in_title, in_code]
    assert page.order == "ranked"


async def test_filters_combine_inside_the_search(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    wanted = await share(snippets, clock, title="Cache decorator", tags="cache, perf")
    await share(snippets, clock, title="Cache in Go", language="go", code="func main() {}")
    await share(snippets, clock, author=BOB, title="Cache decorator too", tags="cache")
    await share(snippets, clock, title="Cache notes", tags="other")
    await share(snippets, clock, guild=OTHER_GUILD, title="Cache decorator", tags="cache")
    page = await snippets.snippet_search.search(
        GUILD, "cache", language="python", tag="Cache", author_id=ALICE
    )
    assert [item.id for item in page.items] == [wanted]
    only_filters = await snippets.snippet_search.search(GUILD, None, tag="cache")
    assert len(only_filters.items) == 2
    assert only_filters.order == "newest"


async def test_words_spelling_a_filter_token_never_reach_another_guilds_search(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    # The filter tokens live in the index next to the text (FTS5 column / tsvector lexemes).
    await share(
        snippets, clock, guild=OTHER_GUILD, title="Cache", code=f"g {GUILD} xg{GUILD} l python"
    )
    mine = await share(snippets, clock, title="Cache")
    page = await snippets.snippet_search.search(GUILD, "cache", language="python")
    assert [item.id for item in page.items] == [mine]


async def test_words_prefixes_and_phrases_find_the_searching_guilds_snippets_only(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    # The index spells each word with its guild in front (`1001:retry`); a snippet of another
    # guild that writes that spelling out is still cut into that guild's own words.
    mine = await share(snippets, clock, title="Retry loop", code="retry_loop()\n")
    theirs = await share(
        snippets, clock, guild=OTHER_GUILD, title="Retry loop", code=f"{GUILD}:retry\n"
    )
    for query in ("retry", "retr*", "retry loop", "retryLoop", "loop retr*"):
        page = await snippets.snippet_search.search(GUILD, query)
        assert [item.id for item in page.items] == [mine], query
        page = await snippets.snippet_search.search(OTHER_GUILD, query)
        assert [item.id for item in page.items] == [theirs], query
    assert not (await snippets.snippet_search.search(GUILD, str(OTHER_GUILD))).items


async def test_a_tag_with_quotes_and_backslashes_filters_search(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    tagged = await share(snippets, clock, title="Cache", tags="it's\\odd, c++")
    await share(snippets, clock, title="Cache", tags="c")
    page = await snippets.snippet_search.search(GUILD, "cache", tag="it's\\odd")
    assert [item.id for item in page.items] == [tagged]
    assert [
        item.id for item in (await snippets.snippet_search.search(GUILD, "cache", tag="c++")).items
    ] == [tagged]


async def test_words_and_tags_longer_than_any_stored_one_find_nothing_on_every_backend(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    await share(snippets, clock, title="Cache", tags="c")
    # PostgreSQL refuses a tsquery lexeme over 2,047 bytes; no stored tag or word is that long.
    assert not (await snippets.snippet_search.search(GUILD, "cache", tag="0" * 6000)).items
    assert not (await snippets.snippet_search.search(GUILD, "a" * 6000)).items
    assert not (await snippets.snippet_search.search(GUILD, "cache " + "ß" * 3000)).items


async def test_operators_and_quotes_are_searched_as_words_never_as_syntax(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock, title="NEAR OR AND NOT helper", code="a(b)")
    for query in ['"', "NEAR(", "OR", "a:b", "-x", "^title", "(((", "*", "' OR 1=1 --", "{x}:y"]:
        await snippets.snippet_search.search(GUILD, query)  # never raises
    page = await snippets.snippet_search.search(GUILD, 'helper OR "near')
    assert [item.id for item in page.items] == [snippet_id]


async def test_prefix_search_needs_three_characters(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock, title="Retrying requests")
    assert [item.id for item in (await snippets.snippet_search.search(GUILD, "retr*")).items] == [
        snippet_id
    ]
    with pytest.raises(SearchQueryError):
        await snippets.snippet_search.search(GUILD, "re*")


async def test_identifiers_are_found_by_their_camel_and_snake_case_parts(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    camel = await share(snippets, clock, title="Lookup", code="user = getUserById(7)\n")
    snake = await share(snippets, clock, title="Lookup 2", code="user = fetch_account_row(7)\n")
    assert [item.id for item in (await snippets.snippet_search.search(GUILD, "byid")).items] == []
    assert [item.id for item in (await snippets.snippet_search.search(GUILD, "ById")).items] == [
        camel
    ]
    assert [
        item.id for item in (await snippets.snippet_search.search(GUILD, "getUserById")).items
    ] == [camel]
    assert [item.id for item in (await snippets.snippet_search.search(GUILD, "getUser")).items] == [
        camel
    ]
    assert [item.id for item in (await snippets.snippet_search.search(GUILD, "account")).items] == [
        snake
    ]
    assert [
        item.id for item in (await snippets.snippet_search.search(GUILD, "fetch_account")).items
    ] == [snake]


async def test_search_pages_by_cursor_without_repeats_or_gaps(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    ids = {await share(snippets, clock, title=f"Queue worker {n}") for n in range(25)}
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = await snippets.snippet_search.search(GUILD, "queue", cursor=cursor)
        pages += 1
        assert len(page.items) <= PAGE_SIZE
        seen.extend(item.id for item in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


async def test_the_databases_bounded_ranking_scores_only_the_newest_candidates(
    database: Database, clock: FrozenClock
) -> None:
    # The database's own index: it answers while the Tantivy index is being built.
    bounded = build_parts(
        database.sessions,
        dialect=database.dialect,
        clock=clock,
        rank_candidates=3,
        ranked_by_tantivy=False,
    )
    old_best = await share(bounded, clock, title="Socket socket socket")
    newer = [await share(bounded, clock, title="Misc", code=f"socket {n}") for n in range(3)]
    page = await bounded.snippet_search.search(GUILD, "socket")
    assert old_best not in [item.id for item in page.items]
    assert sorted(item.id for item in page.items) == sorted(newer)
    bounded.search_engine.rank_candidates = None  # exact bm25 over every match
    exact = await bounded.snippet_search.search(GUILD, "socket")
    assert exact.items[0].id == old_best


@pytest.mark.sqlite_only
async def test_past_the_count_budget_the_newest_matches_are_ranked_title_first(
    database: Database, clock: FrozenClock
) -> None:
    approximate = build_parts(
        database.sessions, dialect="sqlite", clock=clock, idf_budget=2, ranked_by_tantivy=False
    )
    in_title = await share(approximate, clock, title="Socket pool", code="x = 1")
    in_code = [await share(approximate, clock, title="Misc", code=f"socket({n})") for n in range(3)]
    other_guild = await share(approximate, clock, guild=OTHER_GUILD, title="Socket", code="y")
    first = await approximate.snippet_search.search(GUILD, "socket")
    assert first.order == "ranked"
    assert first.items[0].id == in_title
    assert sorted(item.id for item in first.items[1:]) == sorted(in_code)
    assert other_guild not in [item.id for item in first.items]
    paged = await approximate.snippet_search.search(
        GUILD, "socket", cursor=(first.items[1].score, first.items[1].id)
    )
    assert [item.id for item in paged.items] == [item.id for item in first.items[2:]]


async def test_star_toggles_and_counts(snippets: SnippetParts, clock: FrozenClock) -> None:
    snippet_id = await share(snippets, clock)
    result = await snippets.store.toggle_star(GUILD, snippet_id, BOB)
    assert (result.starred, result.star_count) == (True, 1)
    result = await snippets.store.toggle_star(GUILD, snippet_id, CAROL)
    assert (result.starred, result.star_count) == (True, 2)
    result = await snippets.store.toggle_star(GUILD, snippet_id, BOB)
    assert (result.starred, result.star_count) == (False, 1)
    assert (await snippets.store.get(GUILD, snippet_id)).star_count == 1
    with pytest.raises(UserFacingError, match="your own"):
        await snippets.store.toggle_star(GUILD, snippet_id, ALICE)


async def test_top_orders_by_stars_all_time_and_this_month(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    old = await share(snippets, clock, title="Old favourite")
    for user in (BOB, CAROL, MOD):
        await snippets.store.toggle_star(GUILD, old, user)
    clock.set(datetime(2026, 12, 3, tzinfo=UTC))
    new = await share(snippets, clock, title="New hit")
    for user in (BOB, CAROL):
        await snippets.store.toggle_star(GUILD, new, user)
    await share(snippets, clock, title="Nobody starred me")
    all_time = await snippets.listings.top(GUILD, "all")
    assert [(item.id, item.star_count) for item in all_time.items] == [(old, 3), (new, 2)]
    month = await snippets.listings.top(GUILD, "month")
    assert [(item.id, item.score) for item in month.items] == [(new, 2.0)]


async def test_top_and_mine_page_by_cursor(snippets: SnippetParts, clock: FrozenClock) -> None:
    ids = [await share(snippets, clock, title=f"Snippet {n}") for n in range(12)]
    for snippet_id in ids:
        await snippets.store.toggle_star(GUILD, snippet_id, BOB)
    first = await snippets.listings.top(GUILD)
    second = await snippets.listings.top(GUILD, cursor=first.next_cursor)
    assert len(first.items) == PAGE_SIZE
    assert [item.id for item in first.items + second.items] == list(reversed(ids))
    assert second.next_cursor is None
    mine_first = await snippets.listings.mine(GUILD, ALICE)
    mine_second = await snippets.listings.mine(GUILD, ALICE, mine_first.next_cursor)
    assert [item.id for item in mine_first.items + mine_second.items] == list(reversed(ids))
    assert (await snippets.listings.mine(GUILD, BOB)).items == ()


async def test_edit_reindexes_and_refuses_someone_elses_snippet(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock, title="Before title")
    with pytest.raises(SnippetPermissionError):
        await snippets.store.edit(
            GUILD, snippet_id, BOB, draft(title="Hijacked"), is_moderator=False
        )
    await snippets.store.edit(
        GUILD, snippet_id, ALICE, draft(title="After title"), is_moderator=False
    )
    assert (await snippets.store.get(GUILD, snippet_id)).title == "After title"
    assert (await snippets.snippet_search.search(GUILD, "before")).items == ()
    assert [i.id for i in (await snippets.snippet_search.search(GUILD, "after")).items] == [
        snippet_id
    ]


async def test_moderator_deletion_is_audited_and_removes_stars_and_index(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock, title="Doomed snippet")
    await snippets.store.toggle_star(GUILD, snippet_id, BOB)
    with pytest.raises(SnippetPermissionError):
        await snippets.store.delete(GUILD, snippet_id, BOB, is_moderator=False)
    deleted = await snippets.store.delete(GUILD, snippet_id, MOD, is_moderator=True)
    assert deleted.by_moderator
    assert await count(database, Snippet) == 0
    assert await count(database, SnippetStar) == 0
    assert (await snippets.snippet_search.search(GUILD, "doomed")).items == ()
    audit = await AuditService(database.sessions).list(GUILD)
    assert [(r.action, r.actor_id, r.target) for r in audit.records] == [
        ("snippet.delete", MOD, f"snippet #{snippet_id}")
    ]


async def test_author_deletion_is_not_audited(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    snippet_id = await share(snippets, clock)
    await snippets.store.delete(GUILD, snippet_id, ALICE, is_moderator=False)
    assert (await AuditService(database.sessions).list(GUILD)).records == []
    assert await count(database, Snippet) == 0


async def test_forget_anonymises_snippets_and_removes_stars(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    mine = await share(snippets, clock, title="Alice's helper")
    bobs = await share(snippets, clock, author=BOB, title="Bob's helper")
    await snippets.store.toggle_star(GUILD, bobs, ALICE)
    report = await snippets.member_data.forget(GUILD, ALICE, "anonymise")
    assert report == {"snippets anonymised": 1, "snippet stars removed": 1}
    assert (await snippets.store.get(GUILD, mine)).author_id is None
    assert (await snippets.store.get(GUILD, bobs)).star_count == 0
    assert (await snippets.snippet_search.search(GUILD, "helper", author_id=ALICE)).items == ()
    assert [i.id for i in (await snippets.snippet_search.search(GUILD, "alice")).items] == [mine]
    assert await snippets.member_data.stats(GUILD) == {"snippets": 2, "stars": 0}


async def test_forget_with_delete_removes_the_members_snippets(
    snippets: SnippetParts, database: Database, clock: FrozenClock
) -> None:
    await share(snippets, clock, title="Alice's helper")
    kept = await share(snippets, clock, author=BOB, title="Bob's helper")
    report = await snippets.member_data.forget(GUILD, ALICE, "delete")
    assert report == {"snippets deleted": 1}
    assert [i.id for i in (await snippets.snippet_search.search(GUILD, "helper")).items] == [kept]
    assert await count(database, Snippet) == 1


async def test_autocomplete_finds_by_title_and_by_id(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    retry = await share(snippets, clock, title="Retry with backoff")
    other = await share(snippets, clock, author=BOB, title="Parse JSON safely")
    by_title = await snippets.choices.autocomplete(GUILD, "backo")
    assert [(c.id, c.title) for c in by_title] == [(retry, "Retry with backoff")]
    by_id = await snippets.choices.autocomplete(GUILD, str(other))
    assert by_id[0].id == other
    assert [c.id for c in await snippets.choices.autocomplete(GUILD, "", author_id=BOB)] == [other]
    assert await snippets.choices.tags_in_use(GUILD, "") == []


@pytest.mark.sqlite_only
async def test_point_reads_see_every_committed_change(
    database: Database, clock: FrozenClock, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = sqlite_path(settings.database.url)
    assert path is not None
    pooled = build_parts(database.sessions, dialect="sqlite", clock=clock)
    direct = build_parts(database.sessions, dialect="sqlite", clock=clock, sqlite_file=path)
    snippet_id = await share(pooled, clock, title="First title")
    assert await direct.store.get(GUILD, snippet_id) == await pooled.store.get(GUILD, snippet_id)
    await pooled.store.edit(
        GUILD, snippet_id, ALICE, draft(title="Second title"), is_moderator=False
    )
    assert (await direct.store.get(GUILD, snippet_id)).title == "Second title"
    assert (await direct.store.get(GUILD, snippet_id)).updated_at == clock.now()
    with pytest.raises(NotFoundError):
        await direct.store.get(OTHER_GUILD, snippet_id)
    assert "point read" not in caplog.text  # answered in place, not by the fallback
    direct.store.close()


async def test_a_snippet_read_by_its_number_is_the_stored_one_on_every_backend(
    snippets: SnippetParts, clock: FrozenClock
) -> None:
    # SQLite: the pooled path (the point reader is the commands' only); PostgreSQL: the point
    # reader, which build_parts always gives it.
    snippet_id = await share(snippets, clock, title="First title", tags="retry http")
    first = await snippets.store.get(GUILD, snippet_id)
    assert (first.title, first.tags, first.created_at, first.updated_at) == (
        "First title", ("retry", "http"), clock.now(), None,
    )  # fmt: skip
    clock.advance(timedelta(seconds=60))
    await snippets.store.edit(
        GUILD, snippet_id, ALICE, draft(title="Second title"), is_moderator=False
    )
    second = await snippets.store.get(GUILD, snippet_id)
    assert (second.title, second.updated_at) == ("Second title", clock.now())
    assert second.created_at.utcoffset() == timedelta(0)
    with pytest.raises(NotFoundError):
        await snippets.store.get(OTHER_GUILD, snippet_id)
