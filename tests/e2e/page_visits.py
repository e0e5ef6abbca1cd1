"""What the page tests do through the real bot: start it with its web server, share a snippet
in the sandbox, get a /nexus web sign-in link, and open pages as a browser would (cookies kept,
redirects not followed, so each answer is seen)."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World

LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/api/v1/auth/link/[A-Za-z0-9_-]+)>")
SHARED = re.compile(r"(?:Shared as snippet \*\*#|— Snippet #)(\d+)")


async def start_web(start_nexus: StartBot, **web: Any) -> NexusBot:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0, **web},
        snippets={"shares_per_minute": 100},
    )
    assert bot.web is not None
    return bot


def base(bot: NexusBot) -> str:
    assert bot.web is not None
    return f"http://127.0.0.1:{bot.web.port}"


async def share(sandbox: SandboxServer, world: World, title: str, code: str, **options: Any) -> int:
    """Share a snippet as alice (unless `user` says who) in the snippets channel; its id."""
    reply = await sandbox.invoke(
        "/snippet share",
        user=options.pop("user", world.alice),
        guild=world.guild,
        channel=world.snippets,
        title=title,
        code=code,
        **options,
    )
    found = SHARED.search(reply.text)
    assert found is not None, reply.text
    return int(found.group(1))


async def sign_in_link(sandbox: SandboxServer, user: Any, guild: Any, channel: Any) -> str:
    reply = await sandbox.invoke("/nexus web", user=user, guild=guild, channel=channel)
    assert reply.ephemeral
    found = LINK.search(reply.text)
    assert found is not None, reply.text
    return found.group(1)


def browser() -> aiohttp.ClientSession:
    # Cookies for 127.0.0.1, as a browser keeps them (aiohttp refuses IP hosts by default).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def visit(
    http: aiohttp.ClientSession, method: str, url: str, **options: Any
) -> tuple[int, dict[str, str], str]:
    async with http.request(method, url, allow_redirects=False, **options) as response:
        return response.status, dict(response.headers), await response.text()


# What a browser sends when it opens a page: the sign-in routes answer it with redirects and
# pages rather than JSON.
AS_PAGE = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def open_page(
    http: aiohttp.ClientSession, url: str, **options: Any
) -> tuple[int, dict[str, str], str]:
    """GET `url` as a browser opening a page would."""
    return await visit(http, "GET", url, headers=AS_PAGE, **options)
