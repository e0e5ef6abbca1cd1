"""The HTTP API over real HTTP against the running bot: tokens made with /nexus token, the
snippets resource, and the conventions (problem+json, ETag, cursors, rate limits, docs)."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict
from openapi_spec_validator import validate
from sqlalchemy import func, select

from bot.app import NexusBot
from bot.models import ApiToken
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World

TOKEN = re.compile(r"nexus_[A-Za-z0-9_-]{20,}")
WEB = {"enabled": True, "host": "127.0.0.1", "port": 0}


async def start(start_nexus: StartBot, **web: Any) -> NexusBot:
    bot = await start_nexus(web={**WEB, **web}, snippets={"shares_per_minute": 100})
    assert bot.web is not None
    return bot


def base(bot: NexusBot) -> str:
    assert bot.web is not None
    return f"http://127.0.0.1:{bot.web.port}"


async def make_token(
    sandbox: SandboxServer,
    world: World,
    scope: str = "read",
    user: Any = None,
    guild: Any = None,
    channel: Any = None,
) -> str:
    reply = await sandbox.invoke(
        "/nexus token create",
        user=user or world.alice,
        guild=guild or world.guild,
        channel=channel or world.general,
        name=f"script {scope}",
        scope=scope,
    )
    assert reply.ephemeral
    found = TOKEN.search(reply.text)
    assert found is not None, reply.text
    return found.group(0)


async def share(sandbox: SandboxServer, world: World, title: str, **options: Any) -> None:
    reply = await sandbox.invoke(
        "/snippet share",
        user=world.alice,
        guild=world.guild,
        channel=world.snippets,
        title=title,
        code=options.pop("code", f"print({title!r})"),
        **options,
    )
    assert "Shared" in reply.text or reply.message is not None


async def get(
    url: str, token: str | None, headers: dict[str, str] | None = None
) -> tuple[int, CIMultiDict[str], Any]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as http, http.get(url, headers=sent) as response:
        text = (await response.read()).decode(errors="replace")
        body: Any = json.loads(text) if "json" in response.content_type and text else text
        return response.status, CIMultiDict(response.headers), body


async def test_a_token_from_the_slash_command_lists_and_reads_snippets(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await share(sandbox, world, "Retry with backoff", language="python", tags="http retry")
    await share(sandbox, world, "Debounce input", code="const d = 1;", language="js")
    token = await make_token(sandbox, world)
    guild = f"{base(bot)}/api/v1/guilds/{world.guild.id}"

    status, _, listed = await get(f"{guild}/snippets", token)
    assert status == 200
    assert [item["title"] for item in listed["items"]] == ["Debounce input", "Retry with backoff"]
    assert listed["next"] is None
    first = listed["items"][1]
    assert first["author_id"] == str(world.alice.id)
    assert first["created_at"].endswith("Z")

    status, _, found = await get(f"{guild}/snippets?q=retry&language=py", token)
    assert [item["title"] for item in found["items"]] == ["Retry with backoff"]
    status, _, bad = await get(f"{guild}/snippets?language=klingon", token)
    assert status == 400
    assert bad["detail"] == "I don't know the language `klingon`; pick one from the list."

    status, _, one = await get(f"{guild}/snippets/{first['id']}", token)
    assert (status, one["tags"], one["code"]) == (
        200,
        ["http", "retry"],
        "print('Retry with backoff')",
    )
    status, headers, raw = await get(f"{guild}/snippets/{first['id']}/raw", token)
    assert (status, raw) == (200, "print('Retry with backoff')")
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["Content-Disposition"] == f'inline; filename="snippet-{first["id"]}.py"'

    status, headers, missing = await get(f"{guild}/snippets/999999", token)
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert missing == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no snippet #999999 in this server.",
    }
    # The largest id an id may be (19 digits starting 8) is looked up; one past what the
    # database's integers hold is malformed, never a query that overflows (a 500, found by
    # Schemathesis).
    status, _, missing = await get(f"{guild}/snippets/8999999999999999999", token)
    assert status == 404, missing
    for too_big in ("9223372036854775808", "9787713257207716464", "12345678901234567890"):
        status, _, invalid = await get(f"{guild}/snippets/{too_big}", token)
        assert (status, invalid["errors"][0]["location"]) == (422, "path.snippet_id"), invalid


async def test_reads_carry_an_etag_and_answer_304_until_the_data_changes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await share(sandbox, world, "First")
    token = await make_token(sandbox, world)
    url = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    status, headers, _ = await get(url, token)
    etag = headers["ETag"]
    status, again, body = await get(url, token, {"If-None-Match": etag})
    assert (status, again["ETag"], body) == (304, etag, "")
    await share(sandbox, world, "Second")
    status, changed, _ = await get(url, token, {"If-None-Match": etag})
    assert status == 200
    assert changed["ETag"] != etag


async def test_pages_follow_next_and_stay_stable_while_snippets_are_added(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    for number in range(12):
        await share(sandbox, world, f"Snippet {number:02}")
    token = await make_token(sandbox, world)
    status, headers, first = await get(
        f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets", token
    )
    assert len(first["items"]) == 10
    assert headers["Link"] == f'<{first["next"]}>; rel="next"'
    await share(sandbox, world, "Inserted meanwhile")
    status, _, second = await get(base(bot) + first["next"], token)
    titles = [item["title"] for item in first["items"] + second["items"]]
    assert titles == [f"Snippet {number:02}" for number in range(11, -1, -1)]
    assert second["next"] is None
    status, _, bad = await get(
        f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets?cursor=!!", token
    )
    assert status == 400
    assert bad["detail"].startswith("That cursor is not one Nexus gave out")


async def test_missing_unknown_tampered_and_revoked_tokens_get_401(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world)
    url = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    status, headers, body = await get(url, None)
    assert (status, headers["Content-Type"]) == (401, "application/problem+json")
    assert "/nexus token create" in body["detail"]
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nexus_unknown", "garbage"):
        status, _, body = await get(url, wrong)
        assert (status, body["title"]) == (401, "Unauthorized")
    listed = await sandbox.invoke(
        "/nexus token list", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "`script read` · read" in listed.text
    revoked = await sandbox.invoke(
        "/nexus token revoke",
        user=world.alice,
        guild=world.guild,
        channel=world.general,
        name="script read",
    )
    assert "no longer works" in revoked.text
    status, _, body = await get(url, token)
    assert status == 401
    assert body["detail"].startswith("That token is not valid")


async def test_a_token_of_another_guild_reads_nothing_here(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("general")
    other.add_member(world.alice)
    bot = await start(start_nexus)
    await share(sandbox, world, "Private to ProDev")
    elsewhere = await make_token(sandbox, world, guild=other, channel=lobby)
    here = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    for url in (here, f"{here}/1", f"{here}/1/raw"):
        status, _, body = await get(url, elsewhere)
        assert (status, body["detail"]) == (403, "This token belongs to another server.")


async def test_a_member_blocked_from_snippets_is_refused_on_its_routes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    token = await make_token(sandbox, world, user=world.bob)
    url = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    await bot.blocks.block(world.guild.id, world.bob.id, "snippets", world.mod.id)
    status, _, body = await get(url, token)
    assert status == 403
    assert body["detail"] == "A moderator has blocked you from using snippets in this server."


async def test_a_token_beyond_its_rate_gets_429_with_retry_after(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, api_requests_per_minute=3)
    token = await make_token(sandbox, world)
    url = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    statuses = [(await get(url, token))[0] for _ in range(3)]
    status, headers, body = await get(url, token)
    assert statuses == [200, 200, 200]
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert body["detail"].startswith("Slow down")


async def test_admin_forget_revokes_the_members_tokens(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus)
    await make_token(sandbox, world, user=world.bob)
    features = {feature.feature: feature for feature in bot.features}
    report = await features["api"].forget_member(world.guild.id, world.bob.id)
    assert report == {"API tokens revoked": 1, "web sign-ins ended": 0}
    async with bot.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ApiToken)) == 0


async def test_the_openapi_document_validates_and_the_docs_page_is_served_locally(
    start_nexus: StartBot,
) -> None:
    bot = await start(start_nexus)
    status, _, document = await get(f"{base(bot)}/api/openapi.json", None)
    assert status == 200
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/guilds/{guild_id}/snippets" in document["paths"]
    status, _, page = await get(f"{base(bot)}/api/docs", None)
    assert status == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    for asset in assets:
        assert asset.startswith("/api/docs/assets/"), asset
        assert (await get(base(bot) + asset, None))[0] == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints_stay_outside_the_api_document(
    start_nexus: StartBot, path: str
) -> None:
    bot = await start(start_nexus)
    _, _, document = await get(f"{base(bot)}/api/openapi.json", None)
    assert path not in document["paths"]
    assert (await get(base(bot) + path, None))[0] == 200
