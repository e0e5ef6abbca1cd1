"""The settings page over real HTTP against the running bot: moderators only; every setting
`/admin config show` shows, with its value and source; a change reviewed as old → new, parsed
and refused exactly as `/admin config set` does; saved only when confirmed, with the command's
audit entry (via: web); forged or foreign forms refused with nothing changed.
tests/browser drives the same page in Chromium."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import NexusBot
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from tests.e2e.command_walk import dump_database
from tests.e2e.conftest import MODERATOR_PERMISSIONS, StartBot, World
from tests.e2e.page_visits import base, browser, sign_in_link, start_web, visit

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(key|value|expected)" value="([^"]*)">')
DETAIL = re.compile(r'<p class="detail" role="alert">([^<]*)</p>')


@pytest.fixture
async def bot(start_nexus: StartBot) -> NexusBot:
    return await start_web(start_nexus)


def settings_url(bot: NexusBot, world: World) -> str:
    return f"{base(bot)}/a/{world.guild.id}/settings"


async def signed_in(sandbox: SandboxServer, world: World, user: Any) -> aiohttp.ClientSession:
    http = browser()
    await visit(http, "GET", await sign_in_link(sandbox, user, world.guild, world.general))
    return http


async def csrf_of(http: aiohttp.ClientSession, url: str) -> str:
    _, _, page = await visit(http, "GET", url)
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def config_audit(bot: NexusBot) -> list[AuditEntry]:
    async with bot.db.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "admin.config.set")
        )
        return list(rows.all())


async def review(
    bot: NexusBot, world: World, http: aiohttp.ClientSession, key: str, value: str
) -> tuple[int, str]:
    token = await csrf_of(http, settings_url(bot, world))
    status, _, page = await visit(
        http,
        "POST",
        f"{settings_url(bot, world)}/review",
        data={"csrf_token": token, "key": key, "value": value},
    )
    return status, page


async def test_members_and_triagers_are_refused_and_moderators_see_every_setting(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.triager):
        async with await signed_in(sandbox, world, user) as http:
            status, _, page = await visit(http, "GET", settings_url(bot, world))
        assert status == 403
        assert "This page is for moderators only." in page
        assert "roles.moderator" not in page
    keys = [spec.key for spec in bot.guild_settings.specs()]
    for user in (world.mod, world.admin):
        async with await signed_in(sandbox, world, user) as http:
            status, headers, page = await visit(http, "GET", settings_url(bot, world))
        assert status == 200, page
        assert headers["Cache-Control"] == "private, no-cache"
        for key in keys:
            anchor = "setting-" + key.replace(".", "-")
            assert f'<article class="setting" id="{anchor}"' in page
            assert f'<label for="{anchor}-value">New value of <code>{key}</code></label>' in page
    # The values and sources of /admin config show, in names rather than mentions.
    assert "#snippets</dd>" in page and "@Moderators</dd>" in page
    assert '<dd class="source">set in Discord</dd>' in page
    assert '<dd class="source">default</dd>' in page
    # Grouped by feature, the core's first; choices as selects.
    assert page.index('id="group-core"') < page.index('id="group-snippets"')
    assert '<option value="public">public</option>' in page
    assert '<option value="true">on</option>' in page

    async with browser() as http:
        status, headers, _ = await visit(http, "GET", settings_url(bot, world))
    assert (status, urlsplit(headers["Location"]).path) == (303, "/signin")
    other = sandbox.create_guild("Elsewhere")
    boss = sandbox.create_user("boss")
    other.add_member(boss, roles=[other.create_role("Owners", permissions=MODERATOR_PERMISSIONS)])
    async with browser() as http:
        await visit(
            http, "GET", await sign_in_link(sandbox, boss, other, other.create_channel("x"))
        )
        status, _, page = await visit(http, "GET", settings_url(bot, world))
        assert status == 403
        assert "You are signed in to another server." in page
        assert (await visit(http, "GET", f"{base(bot)}/a/{other.id}/settings"))[0] == 200


async def test_a_change_is_shown_old_to_new_then_saved_on_confirmation_and_audited(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    async with await signed_in(sandbox, world, world.mod) as http:
        status, page = await review(bot, world, http, "timezone", "europe/berlin")
        assert status == 200, page
        assert '<tr class="old"><th scope="row">Now</th><td class="value">UTC</td>' in page
        assert '<tr class="new"><th scope="row">After</th><td class="value">Europe/Berlin' in page
        # Reviewing saves nothing.
        assert (await bot.guild_settings.get(world.guild.id)).get("timezone") == "UTC"
        assert await config_audit(bot) == []
        confirm = dict(HIDDEN.findall(page))
        assert confirm == {"key": "timezone", "value": "Europe/Berlin", "expected": "&#34;UTC&#34;"}
        token = CSRF.search(page)
        assert token is not None
        status, headers, _ = await visit(
            http,
            "POST",
            f"{settings_url(bot, world)}/confirm",
            data={**{k: html.unescape(v) for k, v in confirm.items()}, "csrf_token": token[1]},
        )
        assert status == 303
        assert headers["Location"] == (
            f"/a/{world.guild.id}/settings?saved=timezone#setting-timezone"
        )
        status, _, page = await visit(http, "GET", base(bot) + headers["Location"])
    assert status == 200
    assert "Saved: <code>timezone</code> is now <strong>Europe/Berlin</strong>" in page
    assert (await bot.guild_settings.get(world.guild.id)).get("timezone") == "Europe/Berlin"
    [entry] = await config_audit(bot)
    assert (entry.actor_id, entry.target) == (world.mod.id, "timezone")
    assert entry.details == {"old": "UTC", "new": "Europe/Berlin", "via": "web"}
    shown = await sandbox.invoke(
        "/admin config show", user=world.admin, guild=world.guild, channel=world.general
    )
    assert "**timezone** — `Europe/Berlin` · *set in Discord*" in shown.embed["description"]


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [
        ("colour", "blue", 404),
        ("privacy.forget_delay_days", "soon", 400),
        ("privacy.forget_delay_days", "9999", 400),
        ("privacy.forget_on_leave", "maybe", 400),
        ("timezone", "Mars/Olympus", 400),
        ("channels.snippets", "12345678901234567890", 400),
        ("roles.moderator", "<@&{moderator_role}>", 400),
        ("pairing.schedule", "every monday", 400),
        ("snippets.page_visibility", "everyone", 400),
    ],
)
async def test_a_bad_value_is_refused_in_the_commands_words_and_changes_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World, key: str, value: str, status: int
) -> None:
    value = value.format(moderator_role=world.moderator_role.id)
    async with await signed_in(sandbox, world, world.mod) as http:
        await csrf_of(http, settings_url(bot, world))
        before = await dump_database(bot)
        answered, page = await review(bot, world, http, key, value)
    assert answered == status
    assert await dump_database(bot) == before
    detail = DETAIL.search(page)
    assert detail is not None, page
    command = await sandbox.invoke(
        "/admin config set",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        key=key,
        value=value,
    )
    assert html.unescape(detail.group(1)) in command.text
    assert "<h1>Nothing changed</h1>" in page


async def test_an_empty_or_too_long_value_is_refused_like_the_commands_option(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    async with await signed_in(sandbox, world, world.mod) as http:
        for value in ("", "x" * 101):
            status, page = await review(bot, world, http, "timezone", value)
            assert status == 400
            assert "Type a value of 1 to 100 characters" in html.unescape(page)
    assert await config_audit(bot) == []


async def test_forged_foreign_and_stale_confirmations_change_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    confirm = f"{settings_url(bot, world)}/confirm"
    change = {"key": "privacy.forget_delay_days", "value": "7", "expected": "30"}
    async with await signed_in(sandbox, world, world.alice) as member:
        # A member's own valid token (from a page they may open) does not make them a moderator.
        own = await csrf_of(member, f"{base(bot)}/c/{world.guild.id}")
        status, _, page = await visit(member, "POST", confirm, data={**change, "csrf_token": own})
        assert (status, "This page is for moderators only." in page) == (403, True)
        status, _, _ = await visit(
            member, "POST", f"{settings_url(bot, world)}/review", data={**change, "csrf_token": own}
        )
        assert status == 403
    async with await signed_in(sandbox, world, world.mod) as http:
        token = await csrf_of(http, settings_url(bot, world))
        for forged in ({}, {"csrf_token": "1.forged"}, {"csrf_token": own}):
            status, _, page = await visit(http, "POST", confirm, data={**change, **forged})
            assert status == 403
            assert "did not come from this Nexus page" in page
        status, _, _ = await visit(
            http,
            "POST",
            confirm,
            data={**change, "csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert status == 403
        # Someone else changed it since the review: not overwritten unseen.
        await bot.guild_settings.set(world.guild.id, "privacy.forget_delay_days", 14, None)
        status, _, page = await visit(http, "POST", confirm, data={**change, "csrf_token": token})
        assert status == 409
        assert "This setting changed since you reviewed the change" in page
    assert (await bot.guild_settings.get(world.guild.id)).get("privacy.forget_delay_days") == 14
    assert await config_audit(bot) == []


async def test_a_value_from_the_config_file_says_a_value_set_here_overrides_it(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0}, timezone="Europe/Paris"
    )
    async with await signed_in(sandbox, world, world.mod) as http:
        _, _, page = await visit(http, "GET", settings_url(bot, world))
        assert '<dd class="value">Europe/Paris</dd><' in page.replace("\n", "")
        assert '<dd class="source">config file</dd>' in page
        assert "This value comes from the config file." in page
        assert "It cannot be reset to the file's value afterwards" in page
        status, page = await review(bot, world, http, "timezone", "Europe/Berlin")
    assert status == 200
    assert '<td class="value">Europe/Paris</td><td>config file</td>' in page
    assert '<td class="value">Europe/Berlin</td><td>set in Discord</td>' in page
