"""The feedback board's pages over real HTTP against the running bot and the sandbox: the board
in columns with the filters of /feedback list (the same query as the API), an item with its
history and thread, triagers moving items through the flow of /feedback status (history, audit
entry, the Discord embed), and every refusal: members' forged posts, bad CSRF, stale moves,
other servers, unknown items, bad filters. tests/browser drives the same pages in Chromium."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from sqlalchemy import func, select

from bot.app import NexusBot
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from bot.web.pages.csrf import REFUSED
from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from cogs.feedback.models import FeedbackHistory
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, browser, sign_in_link, start_web, visit
from tests.e2e.test_feedback import (
    GOLD,
    LOCAL_SPECS,
    add_spec,
    feedback_parts,
    field,
    item,
    log,
    post_of,
    seed,
    spec_server,
    thread_of,
    triage,
)
from tests.e2e.test_feedback_forum import make_forum, until, use_forum

__all__ = ["spec_server"]  # the loopback spec server fixture, shared with test_feedback

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TRIAGERS_ONLY = "This command is for triagers only."


async def signed_in(sandbox: SandboxServer, world: World, user: Any) -> aiohttp.ClientSession:
    http = browser()
    status, _, _ = await visit(
        http, "GET", await sign_in_link(sandbox, user, world.guild, world.general)
    )
    assert status == 200
    return http


def board_url(bot: NexusBot, world: World, path: str = "") -> str:
    return f"{base(bot)}/f/{world.guild.id}{path}"


def column(body: str, status: str) -> list[int]:
    """The item numbers of one column, top to bottom."""
    found = re.search(
        rf'<section class="column status-{status}".*?</section>', body, flags=re.DOTALL
    )
    assert found is not None, f"no {status} column"
    return [int(n) for n in re.findall(r'<span class="ref">FB-(\d+)</span>', found.group(0))]


def move_forms(body: str) -> list[str]:
    return re.findall(r'<form class="move[^"]*" method="post" action="([^"]+)"', body)


def options_of(body: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}" name="status">(.*?)</select>', body, re.DOTALL)
    assert found is not None, select_id
    return re.findall(r'<option value="([a-z_]+)">', found.group(1))


def csrf_of(body: str) -> str:
    found = CSRF.search(body)
    assert found is not None
    return found.group(1)


async def audit_count(bot: NexusBot, action: str) -> int:
    async with bot.db.sessions() as session:
        query = select(func.count()).where(AuditEntry.action == action)
        return int(await session.scalar(query) or 0)


async def history_count(bot: NexusBot) -> int:
    async with bot.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(FeedbackHistory)) or 0)


async def post_form(
    http: aiohttp.ClientSession, url: str, fields: dict[str, str], **headers: str
) -> tuple[int, dict[str, str], str]:
    return await visit(http, "POST", url, data=fields, headers=headers)


# ---- the board ------------------------------------------------------------------------------


async def test_a_member_sees_every_status_as_a_column_of_cards_and_no_move_controls(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await log(sandbox, world, title="Jobs <b>list</b> returns 500", severity="blocker")
    await seed(bot, world, title="Login is slow", endpoint="POST /api/auth/login")
    await triage(sandbox, world, id="FB-2", status="resolved")
    async with await signed_in(sandbox, world, world.bob) as http:
        status, headers, body = await visit(http, "GET", board_url(bot, world))
    assert status == 200, body
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for label in ("Open", "Acknowledged", "In progress", "Resolved", "Won&#39;t fix"):
        assert f'>{label} <span class="count">' in body
    assert (column(body, "open"), column(body, "resolved")) == ([1], [2])
    assert "Jobs &lt;b&gt;list&lt;/b&gt; returns 500" in body and "<b>list" not in body
    assert "<code>GET /api/jobs</code>" in body
    assert '<dd class="severity severity-blocker">Blocker</dd>' in body
    assert '<dd class="plus-ones">0</dd>' in body
    assert '<dd class="assignee">nobody yet</dd>' in body
    assert f'href="/f/{world.guild.id}/1"' in body
    assert move_forms(body) == []


async def test_triagers_and_moderators_get_a_move_form_on_each_card_with_the_workflows_moves(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await seed(bot, world, title="Open one")
    await seed(bot, world, title="Closed one")
    await feedback_parts(bot).workflow.change_status(
        world.guild.id, 2, world.triager.id, "wont_fix"
    )
    for user in (world.triager, world.mod):
        async with await signed_in(sandbox, world, user) as http:
            _, _, body = await visit(http, "GET", board_url(bot, world))
        assert move_forms(body) == [f"/f/{world.guild.id}/1/move", f"/f/{world.guild.id}/2/move"]
        # A card offers the workflow's moves, less `duplicate` (it needs the original's id).
        assert options_of(body, "move-1") == ["acknowledged", "in_progress", "resolved", "wont_fix"]
        assert options_of(body, "move-2") == ["open"]
        assert 'name="from" value="open"' in body and 'name="from" value="wont_fix"' in body
        # The item page offers every move, Duplicate too, and taking the item.
        async with await signed_in(sandbox, world, user) as http:
            _, _, page = await visit(http, "GET", board_url(bot, world, "/2"))
            status, _, specs = await visit(http, "GET", board_url(bot, world, "/specs"))
        assert options_of(page, "move-status") == ["open"]
        assert "Assign FB-2 to me" in page
        assert (status, "No API specs are registered here yet." in specs) == (200, True)


async def test_the_filters_are_list_s_filters_and_give_what_the_api_gives(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    parts = feedback_parts(bot)
    await seed(bot, world, title="Alice jobs bug", reporter=world.alice)
    await seed(bot, world, title="Bob jobs blocker", severity="blocker")
    await seed(bot, world, title="Bob login bug", endpoint="POST /api/auth/login")
    await seed(bot, world, title="Bob jobs question", severity="question")
    await parts.votes.plus_one(world.guild.id, 3, world.carol.id)
    await parts.votes.plus_one(world.guild.id, 1, world.carol.id)
    await parts.votes.plus_one(world.guild.id, 1, world.mod.id)
    await parts.workflow.assign(world.guild.id, 2, world.triager.id, world.bob.id)
    cases = [
        ({}, [4, 3, 2, 1]),
        ({"sort": "plus_ones"}, [1, 3, 4, 2]),
        ({"sort": "plus_ones", "mine": "on"}, [3, 4, 2]),
        ({"sort": "plus_ones", "endpoint": "GET /api/jobs"}, [1, 4, 2]),
        ({"sort": "plus_ones", "assignee": "nobody"}, [1, 3, 4]),
        ({"endpoint": "GET /api/jobs"}, [4, 2, 1]),
        ({"endpoint": "/api/auth/login"}, [3]),
        ({"severity": "blocker"}, [2]),
        ({"mine": "on"}, [4, 3, 2]),
        ({"assignee": "me"}, [2]),
        ({"assignee": "nobody"}, [4, 3, 1]),
        ({"assignee": "me", "severity": "bug"}, []),
    ]
    api = f"{base(bot)}/api/v1/guilds/{world.guild.id}/feedback"
    async with await signed_in(sandbox, world, world.bob) as http:
        for params, expected in cases:
            status, _, body = await visit(http, "GET", board_url(bot, world), params=params)
            assert status == 200, (params, body)
            assert column(body, "open") == expected, params
            listed_params = {**params, "status": "open", "limit": "50"}
            if listed_params.get("mine"):
                listed_params["mine"] = "true"
            _, _, listed = await visit(http, "GET", api, params=listed_params)
            assert re.findall(r'"ref":"FB-(\d+)"', listed) == [str(n) for n in expected], params
        # The form keeps what was chosen.
        _, _, body = await visit(
            http, "GET", board_url(bot, world), params={"severity": "blocker", "mine": "on"}
        )
    assert '<option value="blocker" selected>' in body
    assert 'name="mine" value="on" checked' in body


async def test_a_column_pages_on_with_a_cursor_and_bad_filters_get_a_sentence_and_no_items(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    for n in range(23):
        await seed(bot, world, title=f"Item number {n + 1}")
    async with await signed_in(sandbox, world, world.bob) as http:
        _, _, body = await visit(http, "GET", board_url(bot, world))
        assert column(body, "open") == list(range(23, 3, -1))
        more = re.search(r'<p class="more"><a href="([^"]+)">More Open items</a>', body)
        assert more is not None
        _, _, rest = await visit(http, "GET", base(bot) + html.unescape(more.group(1)))
        assert column(rest, "open") == [3, 2, 1]
        assert '<section class="column status-resolved"' not in rest
        for params, said in (
            ({"severity": "nope"}, "Severity is one of: blocker, bug, suggestion, question."),
            ({"endpoint": "FETCH /x"}, "is not an HTTP method I track"),
            ({"assignee": "someone"}, "Assignee is `me`, `nobody` or a member&#39;s id."),
            ({"sort": "random"}, "Sort is `newest` or `plus_ones`."),
            ({"status": "lost"}, "Status is one of:"),
        ):
            status, _, refused = await visit(http, "GET", board_url(bot, world), params=params)
            assert status == 400, params
            assert said in refused, params
            assert '<p class="problem" role="alert">' in refused
            assert 'class="card"' not in refused
        status, _, refused = await visit(
            http, "GET", board_url(bot, world), params={"status": "open", "cursor": "!!"}
        )
    assert status == 400
    assert "That cursor is not one Nexus gave out" in refused


# ---- who may look ---------------------------------------------------------------------------


async def test_signed_out_visitors_sign_in_other_servers_and_blocked_members_are_refused(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await seed(bot, world, title="Private feedback")
    pages = ("", "/1", "/specs")
    async with browser() as http:
        for page in pages:
            status, headers, _ = await visit(http, "GET", board_url(bot, world, page))
            assert status == 303
            target = urlsplit(headers["Location"])
            assert target.path == "/signin"
            assert parse_qs(target.query)["next"] == [f"/f/{world.guild.id}{page}"]
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, stranger, other, lobby))
        for page in pages:
            status, _, refused = await visit(http, "GET", board_url(bot, world, page))
            assert status == 403
            assert "You are signed in to another server." in refused
            assert "Private feedback" not in refused
        # Their own server's board is theirs, and shows none of this server's items.
        status, _, own = await visit(http, "GET", f"{base(bot)}/f/{other.id}")
        assert status == 200
        assert "Private feedback" not in own and column(own, "open") == []
        status, _, missing = await visit(http, "GET", f"{base(bot)}/f/{other.id}/1")
        assert status == 404
        assert "There is no feedback item FB-1 in this server." in missing
    await bot.blocks.block(world.guild.id, world.carol.id, "feedback", world.mod.id)
    async with await signed_in(sandbox, world, world.carol) as http:
        status, _, refused = await visit(http, "GET", board_url(bot, world))
    assert status == 403
    assert "blocked you from using feedback" in html.unescape(refused)


# ---- an item ------------------------------------------------------------------------------


async def test_an_item_shows_its_facts_history_and_thread_and_an_unknown_one_is_a_404_page(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await log(sandbox, world, expected="A page of jobs", actual="A 500 error")
    await triage(sandbox, world, id="FB-1", status="acknowledged", note="Looking <now>")
    row = await item(bot, 1)
    async with await signed_in(sandbox, world, world.alice) as http:
        status, _, body = await visit(http, "GET", board_url(bot, world, "/1"))
        assert status == 200, body
        assert (
            '<h1 id="item-title"><span class="ref">FB-1</span> Jobs list returns 500</h1>' in body
        )
        assert '<dd class="status-label">Acknowledged</dd>' in body
        assert '<dd class="reporter">alice</dd>' in body
        assert '<code class="endpoint">GET /api/jobs</code>' in body
        assert "Calling it with page=2 fails." in body
        assert "A page of jobs" in body and "A 500 error" in body
        assert f'href="https://discord.com/channels/{world.guild.id}/{row.thread_id}"' in body
        history = re.findall(r'<span class="who">([^<]+)</span> ([^<]+)', body)
        assert history == [
            ("alice", "reported it"),
            ("triager", "changed the status: Open → Acknowledged — "),
        ]
        assert '<q class="note">Looking &lt;now&gt;</q>' in body
        # A member is offered no move.
        assert move_forms(body) == [] and "Assign FB-1 to me" not in body
        for path, code, said in (
            ("/999", 404, "There is no feedback item FB-999 in this server."),
            ("/FB-0", 400, "`FB-0` is not a feedback id; they look like `FB-12`."),
            ("/x1", 404, "There is no such page."),
        ):
            status, _, missing = await visit(http, "GET", board_url(bot, world, path))
            assert status == code, path
            assert said in missing, path
        # FB-1 is the same item as 1.
        status, _, same = await visit(http, "GET", board_url(bot, world, "/FB-1"))
    assert status == 200 and "Jobs list returns 500" in same


async def test_an_item_posted_in_the_forum_links_to_its_forum_post(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    forum = make_forum(world)
    await until(lambda: bot.get_channel(forum.id) is not None)
    await use_forum(bot, world, forum)
    await log(sandbox, world, title="Posted in the forum")
    row = await item(bot, 1)
    [post] = [thread for thread in forum.threads if thread.id == row.thread_id]
    async with await signed_in(sandbox, world, world.bob) as http:
        _, _, body = await visit(http, "GET", board_url(bot, world, "/1"))
    assert f'href="https://discord.com/channels/{world.guild.id}/{post.id}"' in body


# ---- moving items -----------------------------------------------------------------------------


async def test_a_triager_moves_an_item_as_feedback_status_does_embed_history_audit_and_watchers(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await log(sandbox, world)
    row = await item(bot, 1)
    page = board_url(bot, world, "/1")
    async with await signed_in(sandbox, world, world.triager) as http:
        _, _, body = await visit(http, "GET", page)
        assert options_of(body, "move-status") == [
            "acknowledged", "in_progress", "resolved", "wont_fix", "duplicate"
        ]  # fmt: skip
        fields = {
            "csrf_token": csrf_of(body),
            "from": "open",
            "status": "acknowledged",
            "note": "On it",
        }
        status, headers, _ = await post_form(http, f"{page}/move", fields, Origin=base(bot))
        assert status == 303
        assert headers["Location"] == f"/f/{world.guild.id}/1?moved=acknowledged"
        _, _, after = await visit(http, "GET", base(bot) + headers["Location"])
    assert '<p class="notice confirmation" role="status">Moved to Acknowledged.</p>' in after
    assert '<dd class="status-label">Acknowledged</dd>' in after
    assert "changed the status: Open → Acknowledged" in after
    assert (await item(bot, 1)).status == "acknowledged"
    embed = post_of(world, row).embeds[0]
    assert embed["color"] == GOLD
    assert field(embed, "Status") == "🟡 Acknowledged"
    # The reporter, a watcher, hears of it in the thread, as after /feedback status.
    told = thread_of(world, row).messages[-1]
    assert world.alice.id in told.pinged and "On it" in told.content
    async with bot.db.sessions() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.status"))
        ).all()
    assert (entry.actor_id, entry.target) == (world.triager.id, "FB-1")
    assert entry.details == {
        "from": "open",
        "to": "acknowledged",
        "note": "On it",
        "duplicate_of": None,
        "via": "web",
    }


async def test_a_triager_marks_a_duplicate_and_takes_an_item_from_its_page(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await seed(bot, world, title="The original")
    await seed(bot, world, title="The copy")
    page = board_url(bot, world, "/2")
    async with await signed_in(sandbox, world, world.triager) as http:
        _, _, body = await visit(http, "GET", page)
        token = csrf_of(body)
        fields = {
            "csrf_token": token,
            "from": "open",
            "status": "duplicate",
            "duplicate_of": "FB-1",
        }
        status, headers, _ = await post_form(http, f"{page}/move", fields)
        assert (status, headers["Location"]) == (303, f"/f/{world.guild.id}/2?moved=duplicate")
        status, headers, _ = await post_form(http, f"{page}/assign", {"csrf_token": token})
        assert (status, headers["Location"]) == (303, f"/f/{world.guild.id}/2?assigned=me")
        _, _, after = await visit(http, "GET", base(bot) + headers["Location"])
    assert "Assigned to you." in after
    assert f'Duplicate of <a href="/f/{world.guild.id}/1">FB-1</a>' in after
    assert '<dd class="assignee">triager</dd>' in after
    copy = await item(bot, 2)
    assert (copy.status, copy.assignee_id) == ("duplicate", world.triager.id)
    assert await audit_count(bot, "feedback.assign") == 1


async def test_a_members_forged_post_and_a_bad_csrf_token_are_refused_and_change_nothing(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await seed(bot, world, title="Leave me be")
    page = board_url(bot, world, "/1")
    before = await history_count(bot)
    async with await signed_in(sandbox, world, world.bob) as http:
        _, _, body = await visit(http, "GET", page)
        member_token = csrf_of(body)  # the sign-out form's: a valid token of bob's
        for action, fields in (
            ("move", {"csrf_token": member_token, "from": "open", "status": "resolved"}),
            ("assign", {"csrf_token": member_token}),
        ):
            status, _, refused = await post_form(http, f"{page}/{action}", fields)
            assert status == 403, action
            assert TRIAGERS_ONLY in refused
    async with await signed_in(sandbox, world, world.triager) as http:
        _, _, body = await visit(http, "GET", page)
        good = csrf_of(body)
        for fields, headers in (
            ({"from": "open", "status": "resolved"}, {}),
            ({"csrf_token": "1.forged", "from": "open", "status": "resolved"}, {}),
            ({"csrf_token": member_token, "from": "open", "status": "resolved"}, {}),
            (
                {"csrf_token": good, "from": "open", "status": "resolved"},
                {"Origin": "https://evil.example"},
            ),
        ):
            status, _, refused = await post_form(http, f"{page}/move", fields, **headers)
            assert status == 403, fields
            assert html.escape(REFUSED) in refused
    row = await item(bot, 1)
    assert (row.status, row.assignee_id) == ("open", None)
    assert await history_count(bot) == before
    assert await audit_count(bot, "feedback.status") == 0
    assert await audit_count(bot, "feedback.assign") == 0


async def test_a_stale_move_and_a_move_the_workflow_forbids_get_a_friendly_refusal(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    await seed(bot, world, title="Moved meanwhile")
    page = board_url(bot, world, "/1")
    async with await signed_in(sandbox, world, world.triager) as http:
        _, _, body = await visit(http, "GET", page)
        token = csrf_of(body)
        # Someone else acknowledges it from Discord while the page is open.
        await triage(sandbox, world, user=world.mod, id="FB-1", status="acknowledged")
        fields = {"csrf_token": token, "from": "open", "status": "resolved"}
        status, _, refused = await post_form(http, f"{page}/move", fields)
        assert status == 409
        assert "FB-1 was moved to Acknowledged in the meantime; nothing was changed." in refused
        # The page as it is now, offering the moves from there.
        assert options_of(refused, "move-status") == [
            "in_progress", "resolved", "wont_fix", "duplicate"
        ]  # fmt: skip
        assert (await item(bot, 1)).status == "acknowledged"
        for fields, said in (
            ({"from": "acknowledged", "status": "withdrawn"}, "Only the reporter can withdraw"),
            ({"from": "acknowledged", "status": "lost"}, "Status is one of:"),
            ({"from": "acknowledged", "status": "duplicate"}, "Say which item this duplicates"),
            (
                {"from": "acknowledged", "status": "duplicate", "duplicate_of": "FB-9"},
                "There is no feedback item FB-9 to point to.",
            ),
            ({"from": "acknowledged", "status": "acknowledged"}, "FB-1 is already Acknowledged."),
        ):
            status, _, refused = await post_form(
                http, f"{page}/move", {"csrf_token": token, **fields}
            )
            assert status in {400, 404}, fields
            assert said in html.unescape(refused), fields
        status, _, missing = await post_form(
            http,
            board_url(bot, world, "/77/move"),
            {"csrf_token": token, "from": "open", "status": "resolved"},
        )
    assert status == 404
    assert "There is no feedback item FB-77 in this server." in missing
    assert (await item(bot, 1)).status == "acknowledged"
    assert await audit_count(bot, "feedback.status") == 1  # the moderator's, from Discord


# ---- the specs ------------------------------------------------------------------------------


async def test_the_specs_page_lists_each_endpoint_with_its_open_items(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, spec_server: Any
) -> None:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0}, fetch=LOCAL_SPECS
    )
    async with await signed_in(sandbox, world, world.alice) as http:
        _, _, empty = await visit(http, "GET", board_url(bot, world, "/specs"))
        assert "No API specs are registered here yet." in empty
        added = await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml")
        assert "Registered **jobs**" in added.text
        await seed(bot, world, title="Job 12 is broken", endpoint="GET /api/jobs/12")
        await seed(bot, world, title="Job 12 again", endpoint="GET /api/jobs/12")
        await seed(bot, world, title="Job 7 too", endpoint="GET /api/jobs/7")
        await seed(bot, world, title="List fails", endpoint="GET /api/jobs")
        await seed(bot, world, title="Fixed already", endpoint="GET /api/jobs")
        await feedback_parts(bot).workflow.change_status(
            world.guild.id, 5, world.triager.id, "resolved"
        )
        status, _, body = await visit(http, "GET", board_url(bot, world, "/specs"))
    assert status == 200, body
    assert '<h2 id="spec-1">jobs</h2>' in body
    assert "ProDev Jobs API" in body
    rows = dict(
        re.findall(
            r'<td><code>([A-Z]+ [^<]+)</code></td>.*?<span class="open-count">(\d+)</span>',
            body,
            flags=re.DOTALL,
        )
    )
    assert rows["GET /api/jobs"] == "1"
    assert rows["GET /api/jobs/{jobId}"] == "3"
    assert rows["POST /api/jobs"] == "0"
    board = f"/f/{world.guild.id}?endpoint="
    assert f'<a href="{board}GET+%2Fapi%2Fjobs%2F12">GET /api/jobs/12</a> (2)' in body
    assert f'<a href="{board}GET+%2Fapi%2Fjobs%2F7">GET /api/jobs/7</a> (1)' in body
