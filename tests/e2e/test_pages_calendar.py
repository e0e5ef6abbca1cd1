"""The calendar page over real HTTP against the running bot: a month of the server's
announcements (a series on each of its days) and the member's own pairing sessions, in the
server's time zone; months chosen by `?month=`, bad ones refused in words; members of the
server only; and the read-only token for the subscribe link, made by a form with its CSRF
token and shown once, to its member. tests/browser drives the same page in Chromium."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, browser, sign_in_link, visit

# A Thursday noon, far from the default Monday 09:00 pairing round: nothing fires on its own.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CELL = re.compile(r'<td class="day[^"]*"[^>]*>.*?</td>', re.DOTALL)
CELL_DATE = re.compile(r'<time datetime="(\d{4}-\d{2}-\d{2})">')
SUBSCRIBE = re.compile(r'<code id="subscribe-url">([^<]+)</code>')


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def bot(start_nexus: StartBot, clock: FrozenClock) -> NexusBot:
    return await start_nexus(clock=clock, web={"enabled": True, "host": "127.0.0.1", "port": 0})


def page_url(bot: NexusBot, world: World, month: str | None = None) -> str:
    query = "" if month is None else f"?month={month}"
    return f"{base(bot)}/c/{world.guild.id}{query}"


async def signed_in(sandbox: SandboxServer, world: World, user: Any) -> aiohttp.ClientSession:
    http = browser()
    status, _, _ = await visit(
        http, "GET", await sign_in_link(sandbox, user, world.guild, world.general)
    )
    assert status == 200
    return http


def days(body: str) -> dict[str, str]:
    """Each day of the month shown: its date → its cell's HTML."""
    cells = {}
    for cell in CELL.findall(body):
        found = CELL_DATE.search(cell)
        if found is not None:
            cells[found.group(1)] = cell
    return cells


async def announce(sandbox: SandboxServer, world: World, **options: Any) -> None:
    reply = await sandbox.invoke(
        "/announce create",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"channel": world.announcements, **options},
    )
    assert "scheduled" in reply.text, reply.text


async def test_a_weekly_announcement_shows_on_each_of_its_days_in_the_servers_time_zone(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await bot.guild_settings.set_many(world.guild.id, {"timezone": "Asia/Tokyo"}, actor_id=None)
    # Tuesdays 09:00 in Berlin: 17:00 in Tokyo (winter), on the same Tuesdays.
    await announce(
        sandbox,
        world,
        when="2026-12-01 09:00",
        message="Standup",
        repeat="weekly",
        timezone="Europe/Berlin",
        title="Weekly standup",
    )
    await announce(
        sandbox, world, when="2026-12-24 18:00", message="Party", title="Year end", timezone="UTC"
    )
    async with await signed_in(sandbox, world, world.bob) as http:
        status, headers, body = await visit(http, "GET", page_url(bot, world, "2026-12"))
    assert status == 200, body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<h1 id="calendar-title">December 2026</h1>' in body
    assert '<strong class="zone">Asia/Tokyo</strong>' in body
    shown = days(body)
    assert len(shown) == 31
    standups = sorted(day for day, cell in shown.items() if "Weekly standup" in cell)
    assert standups == [f"2026-12-{day:02d}" for day in (1, 8, 15, 22, 29)]
    assert '<time datetime="2026-12-08T17:00:00+09:00">17:00</time>' in shown["2026-12-08"]
    assert '<span class="kind">announcements</span>' in shown["2026-12-08"]
    # 18:00 UTC, the announcement's zone, is 03:00 the next day in Tokyo.
    assert "Year end" in shown["2026-12-25"] and "Year end" not in shown["2026-12-24"]
    # A Monday-first grid: five weeks of seven, the 30 November before the 1st.
    assert body.index('<abbr title="Monday">') < body.index('<abbr title="Sunday">')
    assert len(re.findall(r"<tr>\s*<td", body)) == 5
    assert f'href="/c/{world.guild.id}?month=2026-11"' in body
    assert f'href="/c/{world.guild.id}?month=2027-01"' in body
    assert "Nothing is planned" not in body
    async with await signed_in(sandbox, world, world.bob) as http:
        status, _, empty = await visit(http, "GET", page_url(bot, world, "2026-10"))
    assert (status, "Nothing is planned in October 2026." in empty) == (200, True)


async def test_a_member_sees_their_own_pairing_session_today_and_nobody_elses(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    members = (world.alice, world.bob, world.carol, world.triager)
    for user in members:
        await sandbox.invoke(
            "/pair join",
            user=user,
            guild=world.guild,
            channel=world.pairing,
            level="beginner",
            timezone="UTC",
        )
    ran = await sandbox.invoke(
        "/pair round run", user=world.mod, guild=world.guild, channel=world.pairing, timeout=20
    )
    assert "is out" in ran.text, ran.text
    names = {user.name for user in members}
    for user in members:
        async with await signed_in(sandbox, world, user) as http:
            status, _, body = await visit(http, "GET", page_url(bot, world))
        assert status == 200, body
        today = days(body)["2026-11-26"]
        assert 'aria-current="date"' in today
        sessions = re.findall(r'<span class="title">Pairing with ([^<]+)</span>', body)
        assert len(sessions) == 1, sessions
        (partner,) = sessions
        assert partner in names - {user.name}
        # The other pair's names appear nowhere on this member's page.
        strangers = names - {user.name, partner}
        assert not any(f"Pairing with {name}" in body for name in strangers)
        assert "Pairing with" not in "".join(
            cell for day, cell in days(body).items() if day != "2026-11-26"
        )


@pytest.mark.parametrize(
    "month",
    ["2026-13", "2026-00", "2026-1", "december", "1969-12", "3000-01", "2026-12-01", "x" * 300],
)
async def test_a_month_that_is_not_one_gets_a_page_saying_how_to_write_it(
    bot: NexusBot, sandbox: SandboxServer, world: World, month: str
) -> None:
    async with await signed_in(sandbox, world, world.alice) as http:
        status, _, body = await visit(http, "GET", page_url(bot, world), params={"month": month})
    assert status == 400
    text = html.unescape(body)
    assert "is not a month. Write it as year-month, e.g. 2026-12." in text or (
        "The calendar shows the years 1970 to 2999." in text
    )
    assert f'<a href="/c/{world.guild.id}">Show November 2026</a>' in body
    assert "x" * 30 not in body


async def test_only_signed_in_members_of_the_server_see_its_calendar(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await announce(sandbox, world, when="2026-11-30 09:00", message="Hello", title="Kick-off")
    for user in (world.alice, world.triager, world.mod):
        async with await signed_in(sandbox, world, user) as http:
            status, _, body = await visit(http, "GET", page_url(bot, world))
        assert (status, "Kick-off" in body) == (200, True)
    async with browser() as http:
        status, headers, _ = await visit(http, "GET", page_url(bot, world))
    assert status == 303
    assert urlsplit(headers["Location"]).path == "/signin"
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, stranger, other, lobby))
        status, _, body = await visit(http, "GET", page_url(bot, world))
        assert status == 403
        assert "You are signed in to another server." in body and "Kick-off" not in body
        status, _, _ = await visit(http, "GET", f"{base(bot)}/c/{other.id}")
        assert status == 200


async def test_the_subscribe_button_makes_a_read_only_token_shown_once_to_its_member(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    action = f"{base(bot)}/c/{world.guild.id}/token"
    async with await signed_in(sandbox, world, world.bob) as bob:
        _, _, page = await visit(bob, "GET", page_url(bot, world))
        found = CSRF.search(page)
        assert found is not None
        bobs_token = found.group(1)
        feed = f"{base(bot)}/api/v1/guilds/{world.guild.id}/calendar.ics"
        assert f"{feed}?token=<var>your read-only token</var>" in page
    async with await signed_in(sandbox, world, world.alice) as alice:
        for forged in ({}, {"csrf_token": "1.forged"}, {"csrf_token": bobs_token}):
            status, _, refused = await visit(alice, "POST", action, data={"name": "cal", **forged})
            assert status == 403
            assert "did not come from this Nexus page" in refused
        unmade = await sandbox.invoke(
            "/nexus token list", user=world.alice, guild=world.guild, channel=world.general
        )
        assert "You have no API tokens here." in unmade.text
        _, _, page = await visit(alice, "GET", page_url(bot, world))
        found = CSRF.search(page)
        assert found is not None
        status, headers, shown = await visit(
            alice, "POST", action, data={"name": "calendar", "csrf_token": found.group(1)}
        )
        assert status == 200, shown
        assert headers["Cache-Control"] == "no-store"
        url = SUBSCRIBE.search(shown)
        assert url is not None
        assert url.group(1).startswith(f"{feed}?token=nexus_")
        # The same name again is refused in /nexus token create's words.
        status, _, again = await visit(
            alice, "POST", action, data={"name": "calendar", "csrf_token": found.group(1)}
        )
        assert status == 400
        assert "You already have a token named `calendar`" in html.unescape(again)
    # A calendar app's fetch: no cookie, no header, the token in the URL.
    async with browser() as app:
        status, headers, _ = await visit(app, "GET", html.unescape(url.group(1)))
    assert (status, headers["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    listed = await sandbox.invoke(
        "/nexus token list", user=world.alice, guild=world.guild, channel=world.general
    )
    assert "calendar" in listed.text and "read" in listed.text
    none_for_bob = await sandbox.invoke(
        "/nexus token list", user=world.bob, guild=world.guild, channel=world.general
    )
    assert "You have no API tokens here." in none_for_bob.text
