"""The program dashboard over real HTTP against the running bot, with data made through the
commands: a moderator sees the whole server's numbers in every table, a member only their own
parts (never another member's name or data) and none of a feature they are blocked from, a
member of another server is refused, and a visitor who is not signed in is sent to sign in.
tests/browser drives the page in Chromium."""

from __future__ import annotations

import html

import pytest

from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import StartBot, World
from tests.e2e.dashboard_data import (
    BOB_TAG,
    HOSTILE_PATH,
    HOSTILE_TAG,
    START,
    last_week,
    make_announcements,
    make_feedback,
    make_rounds,
    make_snippets,
    start_dashboard_bot,
    tables_of,
)
from tests.e2e.page_visits import base, browser, sign_in_link, visit


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def test_the_dashboard_shows_a_moderator_the_servers_numbers_and_a_member_their_own(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    bot = await start_dashboard_bot(start_nexus, clock)
    await make_announcements(sandbox, world, bot, clock)
    await make_rounds(sandbox, world, clock)
    await make_snippets(sandbox, world, bot)
    await make_feedback(sandbox, world, clock)
    page = f"{base(bot)}/d/{world.guild.id}"

    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, world.mod, world.guild, world.general))
        status, headers, body = await visit(http, "GET", page)
    assert status == 200, body
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert body.count("<svg") == body.count("</svg>") >= 7
    tables = tables_of(body)

    people = tables["People and groups"]
    assert people[0] == ["Round", "Date", "Participants", "Pairs", "Trios", "Repeats"]
    assert [row[0] for row in people[1:]] == ["#1", "#2"]
    assert [row[2:] for row in people[1:]] == [["2", "1", "0", "0"], ["2", "1", "0", "1"]]
    answers = tables["Did they meet?"]
    assert answers[1:] == [["#1", "1", "0", "0"], ["#2", "0", "1", "0"]]
    assert tables["Across tracks"][1][0] == "#1"

    flow = last_week(tables["Opened and resolved a week"])
    assert (flow["Week of"], flow["Opened"], flow["Resolved"]) == ("Nov 30", "2", "1")
    assert len(tables["Opened and resolved a week"]) == 13  # a header and twelve weeks
    times = last_week(tables["Time to first response and to resolution"])
    assert times["First response (median h)"] == "1"
    assert times["Resolution (median h)"] == "3"
    endpoints = {row[0]: row[1:] for row in tables["By endpoint"][1:]}
    assert endpoints["GET /api/jobs"] == ["1", "1", "1", "3"]
    assert endpoints[f"POST {HOSTILE_PATH}"] == ["1", "0", "—", "—"]

    snippets = last_week(tables["Snippets a week"])
    assert (snippets["Shares"], snippets["Stars"], snippets["Searches"]) == ("3", "1", "3")
    tags = dict(tables["Top tags"][1:])
    assert tags == {"#sql": "2", f"#{HOSTILE_TAG}": "1", f"#{BOB_TAG}": "1"}

    posts = last_week(tables["Announcements a week"])
    assert [posts[name] for name in ("Posted on time", "Posted late", "Failed", "Skipped")] == [
        "1",
        "1",
        "1",
        "1",
    ]
    # Members' text is text: the hostile tag and endpoint never become markup.
    assert "<script>alert(1)" not in body
    assert html.escape(HOSTILE_TAG, quote=False) in body
    assert "x'onmouseover" not in body and "x&#39;onmouseover=alert(1)" in body

    async with browser() as http:
        await visit(
            http, "GET", await sign_in_link(sandbox, world.alice, world.guild, world.general)
        )
        status, _, mine = await visit(http, "GET", page)
    assert status == 200, mine
    own = tables_of(mine)
    assert set(own) == {
        "Your rounds",
        "Opened and resolved a week",
        "Time to first response and to resolution",
        "By endpoint",
        "Your snippets a week",
        "Your top tags",
    }
    assert own["Your rounds"][1:] == [["#1", "Dec 2", "Met"], ["#2", "Dec 2", "Couldn't meet"]]
    assert last_week(own["Opened and resolved a week"])["Opened"] == "1"
    assert [row[0] for row in own["By endpoint"][1:]] == ["GET /api/jobs"]
    week = last_week(own["Your snippets a week"])
    assert (week["Shares"], week["Stars received"], week["Stars given"]) == ("2", "1", "0")
    assert dict(own["Your top tags"][1:]) == {"#sql": "2", f"#{html.unescape(HOSTILE_TAG)}": "1"}
    # Nothing of anyone else: no partner, no other reporter's endpoint, no other's tags.
    for other in ("bob", "onmouseover", BOB_TAG, "Searches", "Announcements"):
        assert other not in mine.replace("Signed in as <strong>alice</strong>", "")


async def test_members_and_triagers_with_nothing_yet_see_empty_tables_and_outsiders_are_kept_out(
    start_nexus: StartBot,
    sandbox: SandboxServer,
    world: World,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = await start_dashboard_bot(start_nexus, clock)
    page = f"{base(bot)}/d/{world.guild.id}"
    async with browser() as http:
        status, headers, _ = await visit(http, "GET", page)
        assert status == 303
        assert headers["Location"].startswith(f"/signin?next=%2Fd%2F{world.guild.id}")

        await visit(
            http, "GET", await sign_in_link(sandbox, world.carol, world.guild, world.general)
        )
        status, _, body = await visit(http, "GET", page)
        assert status == 200, body
        tables = tables_of(body)
        assert tables["Your rounds"][1:] == [["Nothing yet."]]
        assert {row[1] for row in tables["Your snippets a week"][1:]} == {"0"}
        assert "Nothing to show yet" in body

        blocked = await sandbox.invoke(
            "/admin block", user=world.admin, guild=world.guild, channel=world.general,
            options={"user": world.carol, "feature": "snippets"},
        )  # fmt: skip
        assert not blocked.text.startswith("❌"), blocked.text
        _, _, after = await visit(http, "GET", page)
        assert "Your rounds" in tables_of(after)
        assert "Your snippets a week" not in tables_of(after) and ">Snippets</h2>" not in after

        # A feature whose part fails is named; the others still show.
        async def broken(guild_id: int, viewer: object) -> list[object]:
            raise RuntimeError("the pairing tables are unreadable")

        monkeypatch.setattr(bot.get_cog("PairingCog"), "dashboard_sections", broken)
        status, _, partial = await visit(http, "GET", page)
        assert status == 200, partial
        assert "Some parts could not be read just now: pairing." in partial
        assert "Your rounds" not in tables_of(partial)
        assert "Opened and resolved a week" in tables_of(partial)
        monkeypatch.undo()

        status, _, missing = await visit(http, "GET", f"{base(bot)}/d/424242")
        assert status == 404
        assert "Nexus is not in that server" in missing
        status, _, malformed = await visit(http, "GET", f"{base(bot)}/d/nope")
        assert (status, "There is no such page." in malformed) == (404, True)

    async with browser() as http:
        link = await sign_in_link(sandbox, world.triager, world.guild, world.general)
        await visit(http, "GET", link)
        status, _, triager = await visit(http, "GET", page)
    # Triagers see their own part, as members do: the whole server is for moderators.
    assert status == 200, triager
    assert "Your rounds" in tables_of(triager)
    assert "Announcements a week" not in tables_of(triager)

    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, stranger, other, lobby))
        status, _, refused = await visit(http, "GET", page)
    assert status == 403
    assert "You are signed in to another server." in refused
    assert "<table" not in refused
