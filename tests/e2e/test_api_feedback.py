"""Feedback over real HTTP against the running bot and the sandbox: a report from an app is
posted with its thread as from Discord and listed by /feedback list; triage through the API is
what /feedback show sees, and the other way round; filters, cursors, ETags, exports, the spec
registry; and every refusal in the commands' wording."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, get_args

from aiohttp import web
from openapi_spec_validator import validate
from sqlalchemy import select

from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from cogs.feedback import choices, rules
from cogs.feedback.api_models import ItemWritten
from cogs.feedback.models import FeedbackItem
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import WEB, base, make_token, start
from tests.e2e.test_feedback import log, triage
from tests.fetching import serve_on_loopback

SPEC_FILE = Path(__file__).parents[1] / "data" / "feedback_jobs_api.yaml"
REPORT = {
    "endpoint": "GET /api/jobs",
    "severity": "bug",
    "title": "Jobs list returns 500",
    "details": "Calling it with page=2 fails.",
}
TRIAGERS_ONLY = "This command is for triagers only."


def url_of(bot: Any, world: World, path: str = "") -> str:
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}/feedback{path}"


async def report(bot: Any, world: World, token: str, **fields: Any) -> dict[str, Any]:
    status, _, made = await call("POST", url_of(bot, world), token, {**REPORT, **fields})
    assert status == 201, made
    return made  # type: ignore[no-any-return]


async def audit_entries(bot: Any) -> list[AuditEntry]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


def test_the_apis_choices_are_the_rules_values() -> None:
    assert get_args(choices.Severity) == rules.SEVERITIES
    assert get_args(choices.Status) == rules.STATUSES
    assert set(get_args(choices.TriageStatus)) == set(rules.STATUSES) - {"withdrawn"}
    assert get_args(choices.StatusFilter) == ("active", *rules.STATUSES)


async def test_a_report_from_an_app_is_posted_with_its_thread_and_listed_in_discord(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    status, headers, made = await call(
        "POST", url_of(bot, world), token, {**REPORT, "expected": "a page of jobs"}
    )
    assert status == 201, made
    assert headers["Location"] == f"/api/v1/guilds/{world.guild.id}/feedback/1"
    assert (made["id"], made["ref"], made["status"], made["notes"]) == ("1", "FB-1", "open", [])
    assert (made["endpoint"], made["reporter_id"], made["expected"]) == (
        "GET /api/jobs",
        str(world.alice.id),
        "a page of jobs",
    )
    [post] = [m for m in world.feedback.messages if m.embeds]
    assert "Jobs list returns 500" in json.dumps(post.embeds[0])
    link = ItemWritten.model_validate(made).discord_url
    assert link is not None
    assert link.endswith(f"/{world.feedback.id}/{post.id}")
    [thread] = world.feedback.threads
    assert made["thread_id"] == str(thread.id)
    assert "this thread is the discussion for **FB-1**" in thread.messages[0].content

    listed = await sandbox.invoke("/feedback list", user=world.bob, channel=world.general)
    assert "FB-1" in listed.text
    assert "Jobs list returns 500" in listed.text
    status, _, one = await call("GET", url_of(bot, world, "/FB-1"), token)
    assert status == 200
    history = [(h["action"], h["actor_id"], h["to"]) for h in one["history"]]
    assert history == [("created", str(world.alice.id), "open")]


async def test_a_report_that_looks_already_reported_answers_409_with_the_duplicates(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await log(sandbox, world)  # FB-1, from Discord
    token = await make_token(sandbox, world, scope="write", user=world.bob)
    body = {**REPORT, "title": "Jobs list gives a 500", "details": "Mine fails on page 3."}
    status, headers, conflict = await call("POST", url_of(bot, world), token, body)
    assert (status, headers["Content-Type"]) == (409, "application/problem+json")
    assert conflict["detail"].startswith("This may already be reported.")
    assert conflict["duplicates"] == [
        {"id": "1", "ref": "FB-1", "endpoint": "GET /api/jobs", "title": "Jobs list returns 500"}
    ]
    async with bot.db.sessions() as session:
        assert len((await session.scalars(select(FeedbackItem))).all()) == 1

    status, _, added = await call("POST", url_of(bot, world, "/1/details"), token, body)
    assert status == 200, added
    assert (added["counted"], added["plus_ones"]) == (True, 1)
    # The item's thread is made after /feedback log answers; on a busy machine, wait for it.
    await sandbox.wait_for_message(
        predicate=lambda message: "Mine fails on page 3." in message.content,
        timeout=10,
        since=0.0,
    )
    [thread] = world.feedback.threads
    assert "Mine fails on page 3." in thread.messages[-1].content

    status, _, anyway = await call(
        "POST", url_of(bot, world), token, {**body, "create_anyway": True}
    )
    assert (status, anyway["ref"]) == (201, "FB-2")
    await triage(sandbox, world, id="FB-1", status="resolved")
    status, _, closed = await call("POST", url_of(bot, world, "/1/details"), token, body)
    assert (status, closed["detail"]) == (
        409,
        "FB-1 was closed (Resolved) in the meantime. Log yours with `create_anyway: true`.",
    )


async def test_the_list_takes_every_filter_of_feedback_list(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    alice = await make_token(sandbox, world, scope="write")
    bob = await make_token(sandbox, world, scope="write", user=world.bob)
    await report(bot, world, alice)  # FB-1
    await report(
        bot, world, bob, endpoint="POST /api/jobs", title="Posting a job", severity="blocker"
    )
    await report(bot, world, bob, endpoint="GET /api/companies", title="Companies are empty")
    await triage(sandbox, world, id="FB-3", status="resolved")
    await call("POST", url_of(bot, world, "/2/plus-ones"), alice)

    async def ids(query: str, token: str = alice) -> list[str]:
        status, _, page = await call("GET", url_of(bot, world, query), token)
        assert status == 200, page
        return [item["id"] for item in page["items"]]

    assert await ids("") == ["3", "2", "1"]
    assert await ids("?status=active") == ["2", "1"]
    assert await ids("?status=resolved") == ["3"]
    assert await ids("?severity=blocker") == ["2"]
    assert await ids("?endpoint=GET%20/api/jobs/") == ["1"]
    assert await ids("?endpoint=/api/jobs") == ["2", "1"]
    assert await ids("?mine=true", bob) == ["3", "2"]
    assert await ids("?sort=plus_ones") == ["2", "3", "1"]
    status, _, bad = await call("GET", url_of(bot, world, "?endpoint=jobs"), alice)
    assert (status, bad["detail"]) == (
        400,
        "Write the endpoint as a method and a path, like `GET /api/jobs` "
        "(methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS).",
    )
    status, _, bad = await call("GET", url_of(bot, world, "?severity=meh"), alice)
    assert (status, bad["errors"][0]["location"]) == (422, "query.severity")


async def test_pages_follow_next_and_stay_stable_while_reports_come_in(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    for number in range(7):
        await report(bot, world, token, title=f"Problem {number:02}", create_anyway=True)
    status, headers, first = await call("GET", url_of(bot, world, "?limit=3"), token)
    assert headers["Link"] == f'<{first["next"]}>; rel="next"'
    await report(bot, world, token, title="Inserted meanwhile", create_anyway=True)
    seen = [item["title"] for item in first["items"]]
    link = first["next"]
    while link is not None:
        status, _, page = await call("GET", base(bot) + link, token)
        assert status == 200
        seen += [item["title"] for item in page["items"]]
        link = page["next"]
    assert seen == [f"Problem {number:02}" for number in range(6, -1, -1)]

    # A cursor of the newest-first order means nothing to the +1s order.
    newest_cursor = first["next"].split("cursor=")[1]
    for wrong in ("!!", newest_cursor):
        status, _, bad = await call(
            "GET", url_of(bot, world, f"?sort=plus_ones&cursor={wrong}"), token
        )
        assert (status, bad["detail"]) == (
            400,
            "That cursor is not one Nexus gave out; start again without it.",
        )


async def test_reads_answer_304_until_the_item_changes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    await report(bot, world, token)
    for path in ("/1", "", "/export?format=csv"):
        status, headers, _ = await call("GET", url_of(bot, world, path), token)
        etag = headers["ETag"]
        status, again, body = await call("GET", url_of(bot, world, path), token, None,
                                         {"If-None-Match": etag})  # fmt: skip
        assert (status, again["ETag"], body) == (304, etag, "")
    status, headers, _ = await call("GET", url_of(bot, world, "/1"), token)
    await triage(sandbox, world, id="FB-1", status="acknowledged")
    status, changed, item = await call(
        "GET", url_of(bot, world, "/1"), token, None, {"If-None-Match": headers["ETag"]}
    )
    assert (status, item["status"]) == (200, "acknowledged")
    assert changed["ETag"] != headers["ETag"]


async def test_triage_through_the_api_is_what_discord_shows_and_the_other_way_round(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    reporter = await make_token(sandbox, world, scope="write")
    triager = await make_token(sandbox, world, scope="write", user=world.triager)
    await report(bot, world, reporter)
    await report(bot, world, reporter, title="Jobs list is slow", create_anyway=True)
    move = {"status": "acknowledged", "note": "Looking at it today"}
    status, _, moved = await call("POST", url_of(bot, world, "/1/status"), triager, move)
    assert (status, moved["status"], moved["notes"]) == (200, "acknowledged", [])
    shown = await sandbox.invoke("/feedback show", user=world.bob, channel=world.general, id="FB-1")
    assert "Acknowledged" in shown.text
    thread = next(t for t in world.feedback.threads if str(t.id) == moved["thread_id"])
    assert any("Looking at it today" in m.content for m in thread.messages)
    [entry] = [a for a in await audit_entries(bot) if a.action == "feedback.status"]
    assert (entry.actor_id, entry.target, entry.details["via"]) == (world.triager.id, "FB-1", "api")
    assert entry.details["to"] == "acknowledged"

    await triage(sandbox, world, id="FB-1", status="in_progress")
    status, _, item = await call("GET", url_of(bot, world, "/1"), reporter)
    assert item["status"] == "in_progress"
    assert [(h["action"], h["from"], h["to"]) for h in item["history"]][1:] == [
        ("status", "open", "acknowledged"),
        ("status", "acknowledged", "in_progress"),
    ]
    assert item["history"][1]["note"] == "Looking at it today"

    status, _, refused = await call(
        "POST", url_of(bot, world, "/1/status"), triager, {"status": "in_progress"}
    )
    assert (status, refused["detail"]) == (400, "FB-1 is already In progress.")
    duplicate = {"status": "duplicate", "duplicate_of": "FB-1"}
    status, _, merged = await call("POST", url_of(bot, world, "/2/status"), triager, duplicate)
    assert (status, merged["status"], merged["duplicate_of"]) == (200, "duplicate", "1")
    status, _, refused = await call(
        "POST", url_of(bot, world, "/1/status"), triager, {"status": "duplicate"}
    )
    assert refused["detail"] == "Say which item this duplicates: set `duplicate_of` (like `FB-3`)."


async def test_triagers_assign_members_not_bots_and_the_audit_says_via_api(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    reporter = await make_token(sandbox, world, scope="write")
    triager = await make_token(sandbox, world, scope="write", user=world.triager)
    await report(bot, world, reporter)
    url = url_of(bot, world, "/1/assignee")
    status, _, assigned = await call("POST", url, triager, {"user_id": str(world.bob.id)})
    assert (status, assigned["assignee_id"]) == (200, str(world.bob.id))
    [entry] = [a for a in await audit_entries(bot) if a.action == "feedback.assign"]
    assert (entry.details["to"], entry.details["via"]) == (world.bob.id, "api")
    assert bot.user is not None
    status, _, refused = await call("POST", url, triager, {"user_id": str(bot.user.id)})
    assert (status, refused["detail"]) == (400, "Assign a person, not a bot.")
    status, _, refused = await call("POST", url, triager, {"user_id": "42"})
    assert (status, refused["detail"]) == (
        400,
        "That user is not a member of this server; assign one of its members.",
    )
    shown = await sandbox.invoke("/feedback show", user=world.bob, channel=world.general, id="1")
    assert f"<@{world.bob.id}>" in shown.text


async def test_members_get_403_on_triager_routes_in_the_commands_wording(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    await report(bot, world, token)
    writes = [
        ("POST", "/1/status", {"status": "resolved"}),
        ("POST", "/1/assignee", {"user_id": str(world.alice.id)}),
        ("POST", "/specs", {"name": "jobs", "spec_url": "http://127.0.0.1:9/jobs.yaml"}),
        ("POST", "/specs/jobs/refresh", None),
        ("DELETE", "/specs/jobs", None),
    ]
    for method, path, body in writes:
        status, headers, refused = await call(method, url_of(bot, world, path), token, body)
        assert (status, refused["detail"]) == (403, TRIAGERS_ONLY), path
        assert headers["Content-Type"] == "application/problem+json"
    status, _, item = await call("GET", url_of(bot, world, "/1"), token)
    assert (item["status"], item["assignee_id"]) == ("open", None)


async def test_a_token_of_another_guild_reaches_nothing_here(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("general")
    other.add_member(world.triager)
    bot = await start(start_nexus)
    await log(sandbox, world)
    elsewhere = await make_token(
        sandbox, world, scope="write", user=world.triager, guild=other, channel=lobby
    )
    routes = [
        ("GET", "", None),
        ("GET", "/1", None),
        ("GET", "/export", None),
        ("GET", "/specs", None),
        ("POST", "", REPORT),
        ("POST", "/1/status", {"status": "resolved"}),
        ("POST", "/1/plus-ones", None),
    ]
    for method, path, body in routes:
        status, _, refused = await call(method, url_of(bot, world, path), elsewhere, body)
        assert (status, refused["detail"]) == (403, "This token belongs to another server."), path


async def test_invalid_reports_are_refused_with_friendly_problems_and_store_nothing(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    url = url_of(bot, world)
    service_refusals = [
        ({"title": "ab"}, "Give a title of 3 to 100 characters."),
        ({"endpoint": "jobs please"}, "`JOBS` is not an HTTP method I track. Use one of GET, "
         "POST, PUT, PATCH, DELETE, HEAD, OPTIONS."),
        ({"details": "   "}, "The details can't be empty."),
    ]  # fmt: skip
    for fields, detail in service_refusals:
        status, headers, refused = await call("POST", url, token, {**REPORT, **fields})
        assert (status, refused["detail"]) == (400, detail)
        assert headers["Content-Type"] == "application/problem+json"
    shape_refusals = [
        ({**REPORT, "title": "x" * 101}, "body.title"),
        ({**REPORT, "severity": "catastrophe"}, "body.severity"),
        ({**REPORT, "details": "d" * 2001}, "body.details"),
        ({**REPORT, "colour": "red"}, "body.colour"),
        ({key: value for key, value in REPORT.items() if key != "endpoint"}, "body.endpoint"),
    ]
    for body, location in shape_refusals:
        status, _, refused = await call("POST", url, token, body)
        assert status == 422
        assert refused["detail"] == "Some parameters are not valid; see errors."
        assert [error["location"] for error in refused["errors"]] == [location]
    status, _, refused = await call("GET", url_of(bot, world, "/FB-0"), token)
    assert (status, refused["detail"]) == (
        400,
        "`FB-0` is not a feedback id; they look like `FB-12`.",
    )
    status, _, missing = await call("GET", url_of(bot, world, "/77"), token)
    assert (status, missing["detail"]) == (404, "There is no feedback item FB-77 in this server.")
    async with bot.db.sessions() as session:
        assert (await session.scalars(select(FeedbackItem))).all() == []


async def test_plus_ones_count_once_and_only_the_reporter_withdraws(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    alice = await make_token(sandbox, world, scope="write")
    bob = await make_token(sandbox, world, scope="write", user=world.bob)
    await report(bot, world, alice)
    votes = [
        await call("POST", url_of(bot, world, "/1/plus-ones"), token) for token in (bob, bob, alice)
    ]
    assert [(s, v["counted"], v["plus_ones"]) for s, _, v in votes] == [
        (200, True, 1),
        (200, False, 1),
        (200, False, 1),
    ]
    status, _, refused = await call("POST", url_of(bot, world, "/1/withdrawal"), bob)
    assert (status, refused["detail"]) == (
        400,
        "Only the person who reported FB-1 can withdraw it.",
    )
    status, _, withdrawn = await call("POST", url_of(bot, world, "/1/withdrawal"), alice)
    assert (status, withdrawn["status"]) == (200, "withdrawn")
    status, _, refused = await call("POST", url_of(bot, world, "/1/plus-ones"), bob)
    assert refused["detail"] == "FB-1 is Withdrawn, so it takes no more +1s."


async def test_exports_come_in_the_format_asked_for_with_a_file_name(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    await report(bot, world, token, title="=HYPERLINK(1)")
    url = url_of(bot, world, "/export")
    status, headers, body = await call("GET", f"{url}?format=csv", token)
    assert (status, headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert headers["Content-Disposition"].startswith('attachment; filename="feedback-all-')
    assert headers["Content-Disposition"].endswith('.csv"')
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert (row["id"], row["title"]) == ("FB-1", "'=HYPERLINK(1)")
    status, headers, body = await call("GET", url, token, None, {"Accept": "text/markdown"})
    assert headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert body.startswith("# API feedback export")
    status, headers, body = await call(
        "GET", url, token, None, {"Accept": "text/csv;q=0.5, application/json"}
    )
    assert headers["Content-Type"] == "application/json"
    assert [item["id"] for item in body["items"]] == ["FB-1"]
    assert body["items"][0]["history"][0]["action"] == "created"
    status, _, body = await call("GET", f"{url}?format=json&status=resolved", token)
    assert (status, body) == (200, {"items": []})
    status, _, refused = await call("GET", url, token, None, {"Accept": "image/png"})
    assert status == 406
    assert refused["detail"].startswith("Exports come as text/csv, application/json")


async def test_triagers_register_specs_and_everyone_reads_them(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    document = SPEC_FILE.read_bytes()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=document, content_type="application/yaml")

    async with serve_on_loopback(serve) as port:
        # The spec server listens on loopback, which the fetch guard refuses unless allowed.
        bot = await start_nexus(web=WEB, fetch={"allow": ["127.0.0.1/32"]})
        triager = await make_token(sandbox, world, scope="write", user=world.triager)
        member = await make_token(sandbox, world)
        spec = {"name": "jobs", "spec_url": f"http://127.0.0.1:{port}/jobs.yaml"}
        status, headers, added = await call("POST", url_of(bot, world, "/specs"), triager, spec)
        assert status == 201, added
        assert headers["Location"] == f"/api/v1/guilds/{world.guild.id}/feedback/specs/jobs"
        status, _, again = await call("POST", url_of(bot, world, "/specs"), triager, spec)
        assert (status, again["detail"]) == (
            400,
            "A spec called `jobs` is already registered; refresh or remove it first.",
        )
        status, _, listed = await call("GET", url_of(bot, world, "/specs"), member)
        assert [(s["name"], s["operation_count"]) for s in listed["items"]] == [
            ("jobs", added["operation_count"])
        ]
        status, _, operations = await call(
            "GET", url_of(bot, world, "/specs/jobs/endpoints"), member
        )
        endpoints = [f"{op['method']} {op['path']}" for op in operations["items"]]
        assert endpoints[:2] == ["GET /api/jobs", "POST /api/jobs"]
        assert len(endpoints) == added["operation_count"]
        listed_in_discord = await sandbox.invoke(
            "/feedback api list", user=world.bob, channel=world.general
        )
        assert "jobs" in listed_in_discord.text
        status, _, fresh = await call("POST", url_of(bot, world, "/specs/jobs/refresh"), triager)
        assert (status, fresh["name"]) == (200, "jobs")
        status, _, _ = await call("DELETE", url_of(bot, world, "/specs/jobs"), triager)
        assert status == 204
        status, _, gone = await call("GET", url_of(bot, world, "/specs/jobs"), member)
        assert (status, gone["detail"]) == (404, "No spec called `jobs` is registered here.")
        actions = [(a.action, a.details["via"]) for a in await audit_entries(bot)]
        assert [a for a in actions if a[0].startswith("feedback.api")] == [
            ("feedback.api_add", "api"),
            ("feedback.api_refresh", "api"),
            ("feedback.api_remove", "api"),
        ]


async def test_the_openapi_document_validates_with_the_feedback_routes(
    start_nexus: StartBot,
) -> None:
    bot = await start(start_nexus)
    status, _, document = await call("GET", f"{base(bot)}/api/openapi.json", None)
    assert status == 200
    validate(document)
    prefix = "/api/v1/guilds/{guild_id}/feedback"
    paths = document["paths"]
    for path in ("", "/export", "/{item_id}", "/{item_id}/status", "/specs/{name}/endpoints"):
        assert prefix + path in paths, path
    assert paths[prefix + "/{item_id}/status"]["post"]["x-nexus-tier"] == "triager"
    assert paths[prefix]["post"]["x-nexus-tier"] == "member"
    export = paths[prefix + "/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/json", "text/markdown"}
