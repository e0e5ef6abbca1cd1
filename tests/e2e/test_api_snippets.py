"""Snippet writes over real HTTP against the running bot: a share, an edit, a delete and a star
made through the API are what the slash commands see, and the other way round; refusals read as
in Discord, with the status their kind names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import base, make_token, share, start


def snippets_url(bot: Any, world: World) -> str:
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"


async def test_a_share_through_the_api_is_posted_and_is_what_snippet_get_shows(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, scope="write")
    body = {
        "title": "Retry with backoff",
        "code": "for attempt in range(3):\n    pass",
        "language": "py",
        "tags": ["http", "retry"],
        "description": "From my app",
    }
    status, headers, made = await call("POST", snippets_url(bot, world), token, body)
    assert status == 201, made
    assert headers["Location"] == f"/api/v1/guilds/{world.guild.id}/snippets/{made['id']}"
    assert (made["language"], made["tags"], made["author_id"]) == (
        "python",
        ["http", "retry"],
        str(world.alice.id),
    )
    [post] = [m for m in world.snippets.messages if m.embeds]
    assert "Retry with backoff" in post.embeds[0]["title"]
    got = await sandbox.invoke(
        "/snippet get", user=world.bob, guild=world.guild, channel=world.general, id=int(made["id"])
    )
    assert "Retry with backoff" in got.embed["title"]


async def test_a_share_is_refused_with_the_commands_wording_and_changes_nothing(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    url = snippets_url(bot, world)
    reader = await make_token(sandbox, world)
    writer = await make_token(sandbox, world, scope="write")
    status, _, refused = await call("POST", url, reader, {"title": "t", "code": "x = 1"})
    assert status == 403
    assert refused["detail"].startswith("This token can only read")
    cases = [
        (
            {"title": "x" * 101, "code": "x = 1"},
            "The title is 101 characters long; keep it to 100.",
        ),
        (
            {"title": "Empty", "code": "   "},
            "The code is empty. Paste some code or attach a text file.",
        ),
        ({"title": "t", "code": "x", "language": "klingon"}, "I don't know the language `klingon`"),
        ({"title": "t", "code": "x", "tags": ["a", "b", "c", "d", "e", "f"]}, "That's 6 tags"),
    ]
    for body, wording in cases:
        status, headers, problem = await call("POST", url, writer, body)
        assert (status, headers["Content-Type"]) == (400, "application/problem+json"), problem
        assert problem["detail"].startswith(wording)
    status, _, invalid = await call("POST", url, writer, {"code": "no title"})
    assert status == 422
    assert invalid["errors"][0]["location"] == "body.title"
    status, _, listed = await call("GET", url, writer)
    assert listed["items"] == []
    assert not [m for m in world.snippets.messages if m.embeds]


async def test_shares_beyond_the_rate_get_429_with_retry_after(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(web={"enabled": True, "host": "127.0.0.1", "port": 0})
    token = await make_token(sandbox, world, scope="write")
    config = await bot.guild_settings.get(world.guild.id)
    limit = int(config.get("snippets.shares_per_minute"))
    url = snippets_url(bot, world)
    for number in range(limit):
        status, _, _ = await call("POST", url, token, {"title": f"n{number}", "code": "x = 1"})
        assert status == 201
    status, headers, problem = await call("POST", url, token, {"title": "over", "code": "x = 1"})
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert problem["detail"].startswith(f"You can share {limit} snippet")


async def test_edits_and_deletes_go_to_the_author_or_a_moderator_and_are_audited_via_api(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await share(sandbox, world, "Alice's parser", code="def parse(): ...", language="python")
    url = f"{snippets_url(bot, world)}/1"
    alice = await make_token(sandbox, world, scope="write")
    bob = await make_token(sandbox, world, scope="write", user=world.bob)
    moderator = await make_token(sandbox, world, scope="write", user=world.mod)

    status, _, refused = await call("PATCH", url, bob, {"title": "Mine now"})
    assert (status, refused["detail"]) == (
        403,
        "Only the author or a moderator can edit snippet #1.",
    )
    status, _, edited = await call(
        "PATCH", url, alice, {"title": "Parser, typed", "tags": ["json"]}
    )
    assert status == 200
    assert (edited["title"], edited["tags"], edited["code"]) == (
        "Parser, typed",
        ["json"],
        "def parse(): ...",
    )
    [post] = [m for m in world.snippets.messages if m.embeds]
    assert "Parser, typed" in post.embeds[0]["title"]
    status, _, _ = await call("PATCH", url, moderator, {"description": "Checked by a moderator"})
    assert status == 200

    status, _, refused = await call("DELETE", url, bob)
    assert status == 403
    status, _, _ = await call("DELETE", url, moderator)
    assert status == 204
    assert not [m for m in world.snippets.messages if m.embeds]
    status, _, gone = await call("GET", url, alice)
    assert (status, gone["detail"]) == (404, "There is no snippet #1 in this server.")
    async with bot.db.sessions() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.action, e.actor_id, e.details["via"]) for e in entries] == [
        ("snippet.edit", world.mod.id, "api"),
        ("snippet.delete", world.mod.id, "api"),
    ]


async def test_stars_set_through_the_api_are_idempotent_and_match_the_slash_command(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await share(sandbox, world, "Starry", code="print('*')", language="python")
    star = f"{snippets_url(bot, world)}/1/star"
    bob = await make_token(sandbox, world, scope="write", user=world.bob)
    alice = await make_token(sandbox, world, scope="write")
    for _ in range(2):
        status, _, result = await call("PUT", star, bob)
        assert (status, result) == (200, {"starred": True, "star_count": 1})
    [post] = [m for m in world.snippets.messages if m.embeds]
    assert any(b["label"] == "Star (1)" for row in post.components for b in row["components"])
    status, _, own = await call("PUT", star, alice)
    assert (status, own["detail"]) == (400, "You can't star your own snippet.")
    toggled = await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.general, id=1
    )
    assert toggled.ephemeral
    for _ in range(2):
        status, _, result = await call("DELETE", star, bob)
        assert (status, result) == (200, {"starred": False, "star_count": 0})
    status, _, _ = await call("PUT", f"{snippets_url(bot, world)}/99/star", bob)
    assert status == 404


async def test_a_share_in_a_server_without_a_snippets_channel_is_kept_without_a_post(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    # No /admin setup: no snippets channel to post in, and an API call has no channel of its own.
    bot = await start_nexus(web={"enabled": True, "host": "127.0.0.1", "port": 0}, configure=False)
    token = await make_token(sandbox, world, scope="write")
    body = {"title": "Unposted", "code": "print('kept')", "language": "python"}
    status, _, made = await call("POST", snippets_url(bot, world), token, body)
    assert status == 201, made
    assert not [m for channel in world.guild.text_channels for m in channel.messages if m.embeds]
    got = await sandbox.invoke(
        "/snippet get", user=world.bob, guild=world.guild, channel=world.general, id=int(made["id"])
    )
    assert "Unposted" in got.embed["title"]
