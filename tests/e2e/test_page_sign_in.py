"""Signing in from a browser, over real HTTP against the running bot: the one-time link and
Discord's OAuth2 set the cookies and send the browser back to the page it came for (a path on
this site only; never another site), scripts keep getting JSON, and a page whose access token
ran out renews it with the refresh token and comes straight back. Also the Open link of long
code that goes out as a file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from yarl import URL

from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from bot.sandbox.routes.oauth import USER_HEADER
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import (
    base,
    browser,
    open_page,
    share,
    sign_in_link,
    start_web,
    visit,
)

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

# `next` values that must never send a signed-in browser off this site (or anywhere odd).
HOSTILE_NEXT = [
    "//evil.example/x",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "%2F%2Fevil.example",
    "",
]


def cookie(http: aiohttp.ClientSession, bot: Any, path: str, name: str) -> str | None:
    found = http.cookie_jar.filter_cookies(URL(f"{base(bot)}{path}"))
    return found[name].value if name in found else None


async def test_a_link_opened_in_a_browser_lands_on_the_page_asked_for_and_scripts_get_json(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Where I was", "x = 1")
    wanted = f"/s/{world.guild.id}?q=where&author=alice"
    async with browser() as http:
        link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
        status, headers, _ = await open_page(http, f"{link}?next={wanted.replace('&', '%26')}")
        assert (status, headers["Location"]) == (303, wanted)
        assert cookie(http, bot, "/", "nexus_session")
        assert cookie(http, bot, "/api/v1/auth/refresh", "nexus_refresh")
        status, _, page = await open_page(http, base(bot) + wanted)
        assert status == 200 and f'href="/s/{world.guild.id}/{snippet}"' in page
        assert "Signed in as <strong>bob</strong>" in page

        # A link already used, in a browser: a page saying so, not JSON.
        status, headers, refused = await open_page(http, link)
        assert (status, headers["Content-Type"]) == (401, "text/html; charset=utf-8")
        assert "This sign-in link was already used" in refused

    async with browser() as http:
        link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
        status, headers, body = await visit(http, "GET", f"{link}?next=/s/{world.guild.id}")
        assert (status, headers["Content-Type"]) == (200, "application/json")
        assert '"access_token"' in body


async def test_no_next_path_can_send_the_browser_to_another_site(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    await start_web(start_nexus)
    landing = f"/s/{world.guild.id}"
    for hostile in HOSTILE_NEXT:
        async with browser() as http:
            link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
            status, headers, _ = await open_page(http, link, params={"next": hostile})
            assert (hostile, status, headers["Location"]) == (hostile, 303, landing)
            # Nor through the sign-in page, which remembers where the visitor was going.
            _, _, page = await open_page(http, f"{link.split('/api/')[0]}/signin?next={hostile}")
            assert "evil.example" not in page


async def test_the_sign_in_page_remembers_the_page_for_the_link_opened_next(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Come back here", "x = 1")
    page = f"/s/{world.guild.id}/{snippet}"
    async with browser() as http:
        status, headers, _ = await open_page(http, base(bot) + page)
        assert status == 303
        status, headers, signin = await open_page(http, base(bot) + headers["Location"])
        assert status == 200 and "/nexus web" in signin
        assert (
            "nexus_next=" in headers["Set-Cookie"] and "Path=/api/v1/auth" in headers["Set-Cookie"]
        )
        link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
        status, headers, _ = await open_page(http, link)
        assert (status, headers["Location"]) == (303, page)
        assert cookie(http, bot, "/api/v1/auth/link", "nexus_next") is None
        assert (await open_page(http, base(bot) + page))[0] == 200

    # A page remembered for one server is not where another server's sign-in lands.
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    async with browser() as http:
        await open_page(http, f"{base(bot)}/signin?next={page}&guild={world.guild.id}")
        status, headers, _ = await open_page(
            http, await sign_in_link(sandbox, stranger, other, lobby)
        )
        assert (status, headers["Location"]) == (303, f"/s/{other.id}")


async def test_discord_sign_in_in_a_browser_lands_on_the_page_asked_for(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    oauth = {"client_id": sandbox.oauth.client_id, "client_secret": sandbox.oauth.client_secret}
    bot = await start_web(start_nexus, oauth=oauth)
    sandbox.oauth.redirect_uris.add(f"{base(bot)}/api/v1/auth/discord/callback")
    wanted = f"/s/{world.guild.id}?q=anything"
    async with browser() as http:
        _, _, signin = await open_page(
            http, f"{base(bot)}/signin", params={"next": wanted, "guild": str(world.guild.id)}
        )
        login = f"/api/v1/auth/discord/login?guild={world.guild.id}&amp;next=%2Fs%2F"
        assert login in signin
        status, headers, _ = await open_page(
            http,
            f"{base(bot)}/api/v1/auth/discord/login",
            params={"guild": str(world.guild.id), "next": wanted},
        )
        assert status == 302
        status, headers, _ = await visit(
            http, "GET", headers["Location"], headers={USER_HEADER: str(world.alice.id)}
        )
        assert status == 302
        status, headers, _ = await open_page(http, headers["Location"])
        assert (status, headers["Location"]) == (303, wanted)
        assert cookie(http, bot, "/api/v1/auth/discord/callback", "nexus_oauth_state") is None
        status, _, page = await open_page(http, base(bot) + wanted)
        assert (status, "Signed in as <strong>alice</strong>" in page) == (200, True)

        # A callback that was not started in this browser: a page saying why, not JSON.
        status, headers, refused = await open_page(
            http, f"{base(bot)}/api/v1/auth/discord/callback?code=x&state=forged"
        )
        assert (status, headers["Content-Type"]) == (400, "text/html; charset=utf-8")
        assert "did not start in this browser" in refused


async def test_a_page_renews_an_expired_access_token_and_comes_back_without_signing_in(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    bot = await start_nexus(clock=clock, web={"enabled": True, "host": "127.0.0.1", "port": 0})
    snippet = await share(sandbox, world, "Read for a while", "x = 1")
    page = f"/s/{world.guild.id}/{snippet}"
    async with browser() as http:
        await open_page(http, await sign_in_link(sandbox, world.bob, world.guild, world.general))
        first_refresh = cookie(http, bot, "/api/v1/auth/refresh", "nexus_refresh")
        first_session = cookie(http, bot, "/", "nexus_session")
        assert (await open_page(http, base(bot) + page))[0] == 200

        clock.advance(timedelta(minutes=20))
        status, headers, _ = await open_page(http, base(bot) + page)
        assert status == 303
        target = urlsplit(headers["Location"])
        assert target.path == "/api/v1/auth/resume"
        assert parse_qs(target.query) == {"next": [page], "guild": [str(world.guild.id)]}
        status, headers, _ = await open_page(http, base(bot) + headers["Location"])
        assert (status, headers["Location"]) == (303, page)
        status, _, shown = await open_page(http, base(bot) + page)
        assert (status, "Signed in as <strong>bob</strong>" in shown) == (200, True)
        # Rotated, as the API's refresh does: new tokens, the old refresh token spent.
        assert cookie(http, bot, "/", "nexus_session") != first_session
        assert cookie(http, bot, "/api/v1/auth/refresh", "nexus_refresh") != first_refresh
        status, _, reused = await visit(
            http, "POST", f"{base(bot)}/api/v1/auth/refresh", json={"refresh_token": first_refresh}
        )
        assert status == 401 and "already used" in reused

    # Reusing the old token ended that sign-in: the next expiry sends the page to sign in.
    async with browser() as http:
        await open_page(http, await sign_in_link(sandbox, world.carol, world.guild, world.general))
        clock.advance(timedelta(days=31))
        status, headers, _ = await open_page(http, base(bot) + page)
        assert (status, urlsplit(headers["Location"]).path) == (303, "/api/v1/auth/resume")
        status, headers, _ = await open_page(http, base(bot) + headers["Location"])
        target = urlsplit(headers["Location"])
        assert (status, target.path, parse_qs(target.query)["next"]) == (303, "/signin", [page])
        assert 'nexus_session=""' in headers["Set-Cookie"]
        status, headers, _ = await open_page(http, base(bot) + page)
        assert (status, urlsplit(headers["Location"]).path) == (303, "/signin")


@pytest.mark.parametrize("public_url", [None, "https://nexus.example.org/"])
async def test_long_code_sent_as_a_file_links_to_its_page_when_the_address_is_known(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, public_url: str | None
) -> None:
    await start_web(start_nexus, public_url=public_url)
    code = "\n".join(f"print('line {n}')  # " + "x" * 40 for n in range(300))
    snippet = await share(sandbox, world, "Long worker", code, language="python")
    url = f"https://nexus.example.org/s/{world.guild.id}/{snippet}"
    [post] = [m for m in world.snippets.messages if m.embeds]
    [attached] = post.attachments
    assert attached.filename == f"snippet-{snippet}.py"
    description = post.embeds[0]["description"]
    links = [
        (c.get("label"), c.get("url"))
        for row in post.components
        for c in row.get("components", [])
        if c.get("style") == 5
    ]
    if public_url is None:
        assert links == [] and "on its page" not in description
    else:
        assert links == [("Open", url)]
        assert description.endswith(f"is in `snippet-{snippet}.py` and [on its page]({url}).")

    # /snippet get: in the server with its buttons; in a DM, only the Open link goes along.
    here = await sandbox.invoke(
        "/snippet get", user=world.bob, guild=world.guild, channel=world.general, id=snippet
    )
    dm = sandbox.state.dm_channel(world.bob)
    away = await sandbox.invoke(
        "/snippet get", user=world.bob, channel=dm, id=snippet, server=str(world.guild.id)
    )
    for reply, others in ((here, True), (away, False)):
        assert reply.message is not None and len(reply.message.attachments) == 1
        buttons = [c for row in reply.components for c in row.get("components", [])]
        assert ("Open", url) in [(c.get("label"), c.get("url")) for c in buttons] or (
            public_url is None
        )
        assert any(c.get("style") != 5 for c in buttons) == others
