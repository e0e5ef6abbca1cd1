"""The web pages over real HTTP against the running bot: the snippet page and its download,
who may open them (members of the server by default, anyone when public), the sign-in page a
visitor is sent to, signing out with a CSRF token, the security headers, and the Open link
under a snippet's post. tests/browser drives the same pages in Chromium."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from yarl import URL

from bot.sandbox import SandboxServer
from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, browser, share, sign_in_link, start_web, visit

CODE = "def greet(name):\n    return f'hi {name}'  # <b>not bold</b>\n"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_a_member_signed_in_by_link_sees_the_snippet_highlighted_and_downloads_it(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(
        sandbox, world, "Greeter <em>", CODE, language="python", tags="intro, strings"
    )
    page = f"{base(bot)}/s/{world.guild.id}/{snippet}"
    async with browser() as http:
        status, _, _ = await visit(
            http, "GET", await sign_in_link(sandbox, world.bob, world.guild, world.general)
        )
        assert status == 200
        status, headers, body = await visit(http, "GET", page)
        assert status == 200, body
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert '<h1 id="snippet-title">Greeter &lt;em&gt;</h1>' in body
        # Python's lexer, as Discord's fence says py: `def` is a keyword span.
        assert '<span class="k">def</span>' in body
        assert "&lt;b&gt;not bold&lt;/b&gt;" in body and "<b>" not in body
        assert 'by <span class="author">alice</span>' in body
        assert "<li>#intro</li>" in body and "<li>#strings</li>" in body
        assert "★ 0 stars" in body
        assert "Signed in as <strong>bob</strong>" in body

        status, headers, raw = await visit(http, "GET", f"{page}/download")
        assert (status, raw) == (200, CODE)
        assert headers["Content-Disposition"] == f'attachment; filename="snippet-{snippet}.py"'
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert headers["X-Content-Type-Options"] == "nosniff"

        status, _, missing = await visit(http, "GET", f"{base(bot)}/s/{world.guild.id}/999999")
        assert status == 404
        assert "There is no snippet #999999 in this server." in missing
        status, _, malformed = await visit(http, "GET", f"{base(bot)}/s/{world.guild.id}/x1")
        assert (status, "There is no such page." in malformed) == (404, True)


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_told_about_nexus_web(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Private by default", "x = 1")
    async with browser() as http:
        for path in (f"/s/{world.guild.id}/{snippet}", f"/s/{world.guild.id}/{snippet}/download"):
            status, headers, _ = await visit(http, "GET", base(bot) + path)
            assert status == 303
            target = urlsplit(headers["Location"])
            assert target.path == "/signin"
            assert parse_qs(target.query) == {"next": [path], "guild": [str(world.guild.id)]}
        status, headers, page = await visit(http, "GET", base(bot) + headers["Location"])
    assert status == 200
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "<code>/nexus web</code>" in page
    assert "<strong>ProDev Nexus</strong>" in page
    assert f'<a href="/s/{world.guild.id}/{snippet}/download">' in page
    # Discord sign-in is not set up here, so the page does not offer it.
    assert "Sign in with Discord" not in page


async def test_the_sign_in_page_never_links_to_another_site_and_offers_discord_when_set_up(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    oauth = {"client_id": sandbox.oauth.client_id, "client_secret": sandbox.oauth.client_secret}
    bot = await start_web(start_nexus, oauth=oauth)
    async with browser() as http:
        for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            _, _, page = await visit(
                http, "GET", f"{base(bot)}/signin", params={"next": hostile, "guild": "1"}
            )
            assert "evil.example" not in page
        _, _, page = await visit(
            http, "GET", f"{base(bot)}/signin", params={"guild": str(world.guild.id)}
        )
    assert f'href="/api/v1/auth/discord/login?guild={world.guild.id}"' in page


async def test_public_pages_open_to_anyone_and_members_only_refuses_other_servers_and_blocks(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Shared widely", "x = 1")
    page = f"{base(bot)}/s/{world.guild.id}/{snippet}"
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, stranger, other, lobby))
        status, _, refused = await visit(http, "GET", page)
        assert status == 403
        assert "You are signed in to another server." in refused
        assert "Shared widely" not in refused

        await bot.guild_settings.set_many(
            world.guild.id, {"snippets.page_visibility": "public"}, actor_id=None
        )
        status, _, shown = await visit(http, "GET", page)
        assert (status, "Shared widely" in shown, "Signed in as" in shown) == (200, True, False)
    async with browser() as http:
        status, _, shown = await visit(http, "GET", f"{page}/download")
        assert (status, shown) == (200, "x = 1")

    await bot.guild_settings.set_many(
        world.guild.id, {"snippets.page_visibility": "members"}, actor_id=None
    )
    await bot.blocks.block(world.guild.id, world.carol.id, "snippets", world.mod.id)
    async with browser() as http:
        await visit(
            http, "GET", await sign_in_link(sandbox, world.carol, world.guild, world.general)
        )
        status, _, refused = await visit(http, "GET", page)
    assert status == 403
    assert "A moderator has blocked you from using snippets in this server." in html.unescape(
        refused
    )


async def test_signing_out_needs_the_pages_csrf_token_and_ends_the_sign_in(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Sign out from here", "x = 1")
    page = f"{base(bot)}/s/{world.guild.id}/{snippet}"
    sign_out = f"{base(bot)}/api/v1/auth/signout"
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, world.bob, world.guild, world.general))
        _, _, body = await visit(http, "GET", page)
        found = CSRF.search(body)
        assert found is not None
        token = found.group(1)

        for forged in ({}, {"csrf_token": "1.forged"}, {"csrf_token": token + "x"}):
            status, _, refused = await visit(http, "POST", sign_out, data=forged)
            assert status == 403
            assert "did not come from this Nexus page" in refused
        status, _, _ = await visit(
            http,
            "POST",
            sign_out,
            data={"csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert status == 403
        assert (await visit(http, "GET", page))[0] == 200

        refresh = http.cookie_jar.filter_cookies(URL(f"{base(bot)}/api/v1/auth/refresh"))
        refresh_token = refresh["nexus_refresh"].value
        status, headers, _ = await visit(
            http, "POST", sign_out, data={"csrf_token": token}, headers={"Origin": base(bot)}
        )
        assert (status, headers["Location"]) == (303, "/signin?signed_out=true")
        assert (await visit(http, "GET", page))[0] == 303
    # The sign-in itself ended, not only the browser's cookies.
    async with browser() as http:
        status, _, _ = await visit(
            http, "POST", f"{base(bot)}/api/v1/auth/refresh", json={"refresh_token": refresh_token}
        )
    assert status == 401


async def test_a_post_links_to_its_page_only_when_the_public_address_is_known(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    await start_web(start_nexus)
    await share(sandbox, world, "Without an address", "x = 1")
    await start_web(start_nexus, public_url="https://nexus.example.org/")
    snippet = await share(sandbox, world, "With an address", "y = 2")
    links = [
        [
            (component.get("label"), component.get("url"))
            for row in message.components
            for component in row.get("components", [])
            if component.get("style") == 5
        ]
        for message in world.snippets.messages
    ]
    assert links == [
        [],
        [("Open", f"https://nexus.example.org/s/{world.guild.id}/{snippet}")],
    ]


SITE_NAV = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
NAV_LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def site_nav(body: str) -> list[tuple[str, str, bool]]:
    found = SITE_NAV.search(body)
    if found is None:
        return []
    return [(label, path, bool(current)) for path, current, label in NAV_LINK.findall(found[0])]


async def test_every_page_heads_its_servers_pages_and_settings_only_for_moderators(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    guild = world.guild.id
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, world.bob, world.guild, world.general))
        _, _, body = await visit(http, "GET", f"{base(bot)}/c/{guild}")
        assert site_nav(body) == [
            ("Feedback", f"/f/{guild}", False),
            ("Snippets", f"/s/{guild}", False),
            ("Calendar", f"/c/{guild}", True),
            ("Dashboard", f"/d/{guild}", False),
        ]
        status, _, refused = await visit(http, "GET", f"{base(bot)}/a/{guild}/settings")
        assert status == 403 and site_nav(refused) == []
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, world.mod, world.guild, world.general))
        _, _, body = await visit(http, "GET", f"{base(bot)}/s/{guild}")
        links = site_nav(body)
        assert ("Snippets", f"/s/{guild}", True) in links
        assert links[-1] == ("Settings", f"/a/{guild}/settings", False)
    async with browser() as http:
        _, _, signed_out = await visit(http, "GET", f"{base(bot)}/signin?guild={guild}")
        assert site_nav(signed_out) == []
