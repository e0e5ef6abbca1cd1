"""Signing in to the API over real HTTP against the running bot and the sandbox's Discord:
the OAuth2 authorization-code flow, the one-time link of /nexus web, access tokens (JWTs)
and their refresh, and every way a token can be wrong."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import jwt
import pytest

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from bot.sandbox.routes.oauth import CONSENT_HEADER, USER_HEADER
from tests.e2e.conftest import StartBot, World

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/api/v1/auth/link/[A-Za-z0-9_-]+)>")
Answer = tuple[int, dict[str, str], Any]


async def start(
    start_nexus: StartBot,
    sandbox: SandboxServer,
    *,
    oauth: bool = True,
    clock: FrozenClock | None = None,
    **web: Any,
) -> NexusBot:
    settings: dict[str, Any] = {"enabled": True, "host": "127.0.0.1", "port": 0, **web}
    if oauth:
        settings["oauth"] = {
            "client_id": sandbox.oauth.client_id,
            "client_secret": sandbox.oauth.client_secret,
        }
    bot = await start_nexus(clock=clock or FrozenClock(START), web=settings)
    sandbox.oauth.redirect_uris.add(f"{base(bot)}/api/v1/auth/discord/callback")
    return bot


def base(bot: NexusBot) -> str:
    assert bot.web is not None
    return f"http://127.0.0.1:{bot.web.port}"


def browser() -> aiohttp.ClientSession:
    # Cookies for 127.0.0.1, as a browser keeps them (aiohttp refuses IP hosts by default).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str | None = None,
    **options: Any,
) -> Answer:
    headers = dict(options.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with http.request(
        method, url, headers=headers, allow_redirects=False, **options
    ) as response:
        text = await response.text()
        body = json.loads(text) if "json" in response.content_type and text else text
        return response.status, dict(response.headers), body


async def sign_in_with_discord(
    http: aiohttp.ClientSession, bot: NexusBot, guild_id: int, user_id: int
) -> Answer:
    status, headers, _ = await call(
        http, "GET", f"{base(bot)}/api/v1/auth/discord/login?guild={guild_id}"
    )
    assert status == 302
    status, headers, page = await call(
        http, "GET", headers["Location"], headers={USER_HEADER: str(user_id)}
    )
    assert status == 302, page
    return await call(http, "GET", headers["Location"])


async def link_for(sandbox: SandboxServer, world: World, user: Any) -> str:
    reply = await sandbox.invoke("/nexus web", user=user, guild=world.guild, channel=world.general)
    assert reply.ephemeral
    found = LINK.search(reply.text)
    assert found is not None, reply.text
    return found.group(1)


async def sign_in_with_link(sandbox: SandboxServer, world: World, user: Any) -> dict[str, Any]:
    async with browser() as http:
        status, _, body = await call(http, "GET", await link_for(sandbox, world, user))
    assert status == 200, body
    signed_in: dict[str, Any] = body
    return signed_in


async def test_discord_sign_in_issues_tokens_that_read_refresh_once_and_log_out(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    api = f"{base(bot)}/api/v1"
    async with browser() as http:
        status, headers, _ = await call(
            http, "GET", f"{api}/auth/discord/login?guild={world.guild.id}"
        )
        assert status == 302
        assert headers["Location"].startswith(f"{sandbox.base_url}/oauth2/authorize?")
        assert "scope=identify+guilds" in headers["Location"]
        assert "nexus_oauth_state=" in headers["Set-Cookie"]
        assert "HttpOnly" in headers["Set-Cookie"]
        status, headers, _ = await call(
            http, "GET", headers["Location"], headers={USER_HEADER: str(world.alice.id)}
        )
        assert status == 302
        assert headers["Location"].startswith(f"{api}/auth/discord/callback?code=")
        status, headers, signed_in = await call(http, "GET", headers["Location"])
        assert status == 200, signed_in
        cookies = {cookie.key: cookie for cookie in http.cookie_jar}
    assert signed_in["member_id"] == str(world.alice.id)
    assert (signed_in["guild_id"], signed_in["tier"]) == (str(world.guild.id), "member")
    assert (signed_in["token_type"], signed_in["expires_in"]) == ("Bearer", 900)
    assert signed_in["refresh_expires_in"] == 30 * 86400
    session = cookies["nexus_session"]
    assert session.value == signed_in["access_token"]
    assert session["httponly"] and session["samesite"] == "lax"
    assert cookies["nexus_refresh"]["path"] == "/api/v1/auth"
    assert ("token", world.alice.id) in sandbox.oauth.log
    access, refresh = signed_in["access_token"], signed_in["refresh_token"]

    async with aiohttp.ClientSession() as http:
        status, _, me = await call(http, "GET", f"{api}/auth/me", access)
        assert (status, me) == (
            200,
            {
                "id": str(world.alice.id),
                "guild_id": str(world.guild.id),
                "tier": "member",
                "kind": "session",
                "scope": "write",
            },
        )
        status, _, listed = await call(
            http, "GET", f"{api}/guilds/{world.guild.id}/snippets", access
        )
        assert (status, listed["items"]) == (200, [])

        status, _, renewed = await call(
            http, "POST", f"{api}/auth/refresh", json={"refresh_token": refresh}
        )
        assert status == 200, renewed
        assert renewed["refresh_token"] != refresh
        status, _, me = await call(http, "GET", f"{api}/auth/me", renewed["access_token"])
        assert (status, me["id"]) == (200, str(world.alice.id))

        status, headers, logged_out = await call(
            http, "POST", f"{api}/auth/logout", json={"refresh_token": renewed["refresh_token"]}
        )
        assert (status, logged_out) == (204, "")
        assert 'nexus_session=""' in headers["Set-Cookie"]
        for spent in (refresh, renewed["refresh_token"]):
            status, headers, refused = await call(
                http, "POST", f"{api}/auth/refresh", json={"refresh_token": spent}
            )
            assert (status, headers["Content-Type"]) == (401, "application/problem+json")
            assert refused["detail"].startswith("This sign-in has ended")


async def test_a_refresh_token_used_twice_ends_the_whole_sign_in(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    signed_in = await sign_in_with_link(sandbox, world, world.bob)
    url = f"{base(bot)}/api/v1/auth/refresh"
    async with aiohttp.ClientSession() as http:
        status, _, renewed = await call(
            http, "POST", url, json={"refresh_token": signed_in["refresh_token"]}
        )
        assert status == 200
        status, _, reused = await call(
            http, "POST", url, json={"refresh_token": signed_in["refresh_token"]}
        )
        assert status == 401
        assert "already used" in reused["detail"]
        status, _, after = await call(
            http, "POST", url, json={"refresh_token": renewed["refresh_token"]}
        )
        assert (status, after["detail"].startswith("This sign-in has ended")) == (401, True)


async def test_the_sign_in_cookie_reads_but_does_not_write(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    async with browser() as http:
        status, _, _ = await sign_in_with_discord(http, bot, world.guild.id, world.carol.id)
        assert status == 200
        status, _, me = await call(http, "GET", f"{base(bot)}/api/v1/auth/me")
        assert (status, me["id"], me["kind"]) == (200, str(world.carol.id), "session")
        status, _, refused = await call(
            http,
            "POST",
            f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets",
            json={"title": "From a forged form", "code": "x = 1"},
        )
        assert status == 403
        assert refused["detail"].startswith("The sign-in cookie only reads")
        # The refresh cookie alone refreshes (pages hold no token in script).
        status, _, renewed = await call(http, "POST", f"{base(bot)}/api/v1/auth/refresh")
        assert (status, renewed["member_id"]) == (200, str(world.carol.id))


async def test_a_callback_without_the_browsers_state_cookie_is_refused(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    async with browser() as victim, browser() as attacker:
        status, headers, _ = await call(
            attacker, "GET", f"{base(bot)}/api/v1/auth/discord/login?guild={world.guild.id}"
        )
        status, headers, _ = await call(
            attacker, "GET", headers["Location"], headers={USER_HEADER: str(world.bob.id)}
        )
        # The attacker's callback URL, opened in the victim's browser (login CSRF).
        status, _, refused = await call(victim, "GET", headers["Location"])
        assert status == 400
        assert "did not start in this browser" in refused["detail"]
        status, _, forged = await call(
            attacker,
            "GET",
            f"{base(bot)}/api/v1/auth/discord/callback?code=x&state=not.a.state",
        )
        assert (status, forged["detail"]) == (400, refused["detail"])
    assert ("token", world.bob.id) not in sandbox.oauth.log


async def test_discord_sign_in_refuses_someone_outside_the_server_and_a_cancel(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    stranger = sandbox.create_user("stranger")
    async with browser() as http:
        status, _, refused = await sign_in_with_discord(http, bot, world.guild.id, stranger.id)
        assert status == 403
        assert refused["detail"].startswith("Your Discord account is not in that server")
        status, headers, _ = await call(
            http, "GET", f"{base(bot)}/api/v1/auth/discord/login?guild={world.guild.id}"
        )
        status, headers, _ = await call(
            http,
            "GET",
            headers["Location"],
            headers={USER_HEADER: str(world.alice.id), CONSENT_HEADER: "deny"},
        )
        status, _, cancelled = await call(http, "GET", headers["Location"])
        assert (status, cancelled["detail"]) == (
            400,
            "Discord did not sign you in (cancelled?); start again.",
        )
        status, _, unknown = await call(
            http, "GET", f"{base(bot)}/api/v1/auth/discord/login?guild=123456789"
        )
        assert (status, unknown["detail"]) == (
            404,
            "Nexus is not in that server, so you cannot sign in to it here.",
        )


async def test_without_oauth_set_up_the_login_says_how_and_points_to_nexus_web(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox, oauth=False)
    async with aiohttp.ClientSession() as http:
        status, headers, body = await call(
            http, "GET", f"{base(bot)}/api/v1/auth/discord/login?guild={world.guild.id}"
        )
    assert (status, headers["Content-Type"]) == (404, "application/problem+json")
    assert "web.oauth.client_id" in body["detail"]
    assert "/nexus web" in body["detail"]


async def test_a_one_time_link_signs_in_once_and_expires_after_ten_minutes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    await start(start_nexus, sandbox, oauth=False, clock=clock)
    link = await link_for(sandbox, world, world.alice)
    async with browser() as http:
        status, _, signed_in = await call(http, "GET", link)
        assert (status, signed_in["member_id"]) == (200, str(world.alice.id))
        assert "nexus_session" in {cookie.key for cookie in http.cookie_jar}
        status, headers, again = await call(http, "GET", link)
        assert (status, headers["Content-Type"]) == (401, "application/problem+json")
        assert again["detail"].startswith("This sign-in link was already used")
        late = await link_for(sandbox, world, world.alice)
        clock.advance(timedelta(minutes=10, seconds=1))
        status, _, expired = await call(http, "GET", late)
        assert status == 401
        assert expired["detail"].startswith("This sign-in link has expired")
        status, _, unknown = await call(http, "GET", link[:-4] + "AAAA")
        assert (status, unknown["detail"].startswith("This sign-in link is not valid")) == (
            401,
            True,
        )


async def test_nexus_web_with_the_web_server_off_says_so(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/nexus web", user=world.alice, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    assert reply.text.startswith("Nexus's web server is off here")


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_tampered_expired_and_wrong_kind_tokens_get_401(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    bot = await start(start_nexus, sandbox, clock=clock)
    signed_in = await sign_in_with_link(sandbox, world, world.alice)
    access = signed_in["access_token"]
    header, payload, signature = access.split(".")
    claims = jwt.decode(access, options={"verify_signature": False})
    promoted = {**claims, "tier": "moderator"}
    tampered = {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "wrong signature": jwt.encode(claims, "another secret, 32 characters long", "HS256"),
        "edited tier claim": f"{header}.{_segment(promoted)}.{signature}",
        "refresh as access": signed_in["refresh_token"],
    }
    url = f"{base(bot)}/api/v1/auth/me"
    async with aiohttp.ClientSession() as http:
        status, _, _ = await call(http, "GET", url, access)
        assert status == 200
        for kind, token in tampered.items():
            status, headers, body = await call(http, "GET", url, token)
            assert (kind, status, headers["Content-Type"]) == (
                kind,
                401,
                "application/problem+json",
            )
            assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
            assert body["detail"].startswith("This "), body
        clock.advance(timedelta(minutes=15))
        status, _, expired = await call(http, "GET", url, access)
        assert (status, expired["detail"]) == (
            401,
            "This access token has expired; refresh it (POST /api/v1/auth/refresh) or sign "
            "in again.",
        )


async def test_a_demoted_moderator_loses_the_tier_at_the_next_request_with_the_same_token(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox)
    signed_in = await sign_in_with_link(sandbox, world, world.mod)
    assert signed_in["tier"] == "moderator"
    url = f"{base(bot)}/api/v1/auth/me"
    async with aiohttp.ClientSession() as http:
        world.guild.set_roles(world.mod, [])
        guild = bot.get_guild(world.guild.id)
        assert guild is not None
        member = guild.get_member(world.mod.id)
        assert member is not None
        await sandbox.wait_until(
            lambda: member.get_role(world.moderator_role.id) is None,
            what="the bot to see the demotion",
        )
        status, _, me = await call(http, "GET", url, signed_in["access_token"])
    assert (status, me["tier"]) == (200, "member")
    assert jwt.decode(signed_in["access_token"], options={"verify_signature": False})["tier"] == (
        "moderator"
    )


async def test_a_blocked_member_is_refused_and_jwt_callers_are_rate_limited(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start(start_nexus, sandbox, api_requests_per_minute=3)
    alice = (await sign_in_with_link(sandbox, world, world.alice))["access_token"]
    bob = (await sign_in_with_link(sandbox, world, world.bob))["access_token"]
    url = f"{base(bot)}/api/v1/auth/me"
    await bot.blocks.block(world.guild.id, world.bob.id, "api", world.mod.id)
    async with aiohttp.ClientSession() as http:
        status, _, blocked = await call(http, "GET", url, bob)
        assert (status, blocked["detail"]) == (
            403,
            "A moderator has blocked you from using api in this server.",
        )
        statuses = [(await call(http, "GET", url, alice))[0] for _ in range(4)]
        status, headers, _ = await call(http, "GET", url, alice)
    assert statuses == [200, 200, 200, 429]
    assert int(headers["Retry-After"]) >= 1


@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/logout"])
async def test_refresh_and_logout_without_a_token_say_how_to_send_one(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, path: str
) -> None:
    bot = await start(start_nexus, sandbox)
    async with aiohttp.ClientSession() as http:
        status, _, body = await call(http, "POST", f"{base(bot)}{path}")
    assert (status, body["detail"]) == (
        401,
        "Send the refresh token as JSON (`refresh_token`) or with the sign-in cookie.",
    )
