"""The calendar and settings pages in Chromium: the month grid and the next month, a 360 px phone
(a list of days, no sideways scroll) and print; a moderator changing a setting through the
review and confirmation, seen afterwards by /admin config show in the sandbox; hostile
announcement titles and names rendered as text, under the Content-Security-Policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Page, expect

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, sign_in_link

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WEB = {"enabled": True, "host": "127.0.0.1", "port": 0}


async def started(start_nexus: StartBot) -> NexusBot:
    return await start_nexus(clock=FrozenClock(START), web=WEB)


async def signed_in(tab: Tab, sandbox: SandboxServer, world: World, user: Any) -> None:
    link = await sign_in_link(sandbox, user, world.guild, world.general)
    await tab(lambda page: page.goto(link))


async def announce(sandbox: SandboxServer, world: World, title: str, **options: Any) -> None:
    reply = await sandbox.invoke(
        "/announce create",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"channel": world.announcements, "message": "Hello", "title": title, **options},
    )
    assert "scheduled" in reply.text, reply.text


def _month_then_next(page: Page, url: str) -> dict[str, Any]:
    page.goto(url)
    seen: dict[str, Any] = {
        "title": page.locator("h1").inner_text(),
        "columns": page.locator("table.month thead th").all_inner_texts(),
        "today": page.locator("td[aria-current=date] .number").inner_text(),
        "zone": page.locator(".zone").inner_text(),
    }
    page.get_by_role("link", name="December 2026 →").click()
    page.wait_for_url("**/c/*?month=2026-12")
    seen["next_title"] = page.locator("h1").inner_text()
    seen["standups"] = [
        cell.locator("time").first.get_attribute("datetime")
        for cell in page.locator("td.day").filter(has_text="Weekly standup").all()
    ]
    seen["times"] = page.locator("li.event time").all_inner_texts()
    return seen


def _on_a_phone_and_on_paper(page: Page, url: str) -> dict[str, Any]:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    phone = {
        "width": page.evaluate("document.scrollingElement.scrollWidth"),
        "head_shown": page.locator("table.month thead").is_visible(),
        "days_shown": [
            label.inner_text() for label in page.locator("td.day .full").all() if label.is_visible()
        ],
    }
    page.emulate_media(media="print")
    phone["printed_nav"] = page.locator("nav.months").is_visible()
    phone["printed_form"] = page.locator("form.token").is_visible()
    return phone


async def test_a_member_reads_the_month_goes_to_the_next_and_reads_it_on_a_phone(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await started(start_nexus)
    await announce(
        sandbox, world, "Weekly standup", when="2026-12-01 09:00", repeat="weekly", timezone="UTC"
    )
    await signed_in(tab, sandbox, world, world.alice)
    url = f"{base(bot)}/c/{world.guild.id}"
    seen = await tab(_month_then_next, url)
    assert seen["title"] == "November 2026"
    assert seen["columns"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert (seen["today"], seen["zone"]) == ("26", "UTC")
    assert seen["next_title"] == "December 2026"
    assert seen["standups"] == [f"2026-12-{day:02d}" for day in (1, 8, 15, 22, 29)]
    assert set(seen["times"]) == {"09:00"}

    phone = await tab(_on_a_phone_and_on_paper, f"{url}?month=2026-12")
    assert phone["width"] <= 360
    assert phone["head_shown"] is False
    # Only the days with events, each named in full.
    assert phone["days_shown"] == [
        "Tuesday 1 December",
        "Tuesday 8 December",
        "Tuesday 15 December",
        "Tuesday 22 December",
        "Tuesday 29 December",
    ]
    assert (phone["printed_nav"], phone["printed_form"]) == (False, False)
    assert tab.errors == []
    assert tab.dialogs == []


def _change_visibility(page: Page, url: str) -> dict[str, Any]:
    page.goto(url)
    field = page.get_by_label("New value of snippets.page_visibility")
    field.select_option("public")
    page.locator("#setting-snippets-page_visibility").get_by_role(
        "button", name="Review the change"
    ).click()
    page.wait_for_url("**/settings/review")
    review = {
        "now": page.locator("tr.old td.value").inner_text(),
        "after": page.locator("tr.new td.value").inner_text(),
        "width": page.evaluate("document.scrollingElement.scrollWidth"),
    }
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url("**/settings?saved=snippets.page_visibility*")
    review["notice"] = page.locator("p.notice").inner_text()
    review["value"] = page.locator("#setting-snippets-page_visibility dd.value").inner_text()
    expect(page.get_by_label("New value of snippets.page_visibility")).to_have_value("public")
    return review


def _settings_width(page: Page, url: str) -> int:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    width: int = page.evaluate("document.scrollingElement.scrollWidth")
    return width


async def test_a_moderator_changes_a_setting_through_review_and_confirmation(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await started(start_nexus)
    await signed_in(tab, sandbox, world, world.mod)
    url = f"{base(bot)}/a/{world.guild.id}/settings"
    review = await tab(_change_visibility, url)
    assert (review["now"], review["after"]) == ("members", "public")
    assert review["notice"] == ("Saved: snippets.page_visibility is now public (set in Discord).")
    assert review["value"] == "public"
    shown = await sandbox.invoke(
        "/admin config show", user=world.admin, guild=world.guild, channel=world.general
    )
    assert (
        "**snippets.page_visibility** — `public` · *set in Discord*" in shown.embed["description"]
    )
    assert await tab(_settings_width, url) <= 360
    assert tab.errors == []
    assert tab.dialogs == []


HOSTILE = [
    "<script>alert('title')</script>",
    '"><img src=x onerror=alert("title")>',
    "<b>bold</b> & <svg/onload=alert(1)>",
    "javascript:alert('title')",
]


def _titles(page: Page, url: str) -> dict[str, Any]:
    page.goto(url)
    return {
        "titles": page.locator("li.event .title").all_inner_texts(),
        "injected": page.locator("main img, main svg, main b, main script").count(),
        "scripts": page.locator("script").count(),
        "who": page.locator(".who strong").inner_text(),
    }


async def test_hostile_announcement_titles_and_names_render_as_text(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await started(start_nexus)
    for day, title in enumerate(HOSTILE, start=1):
        await announce(sandbox, world, title, when=f"2026-12-0{day} 09:00", timezone="UTC")
    viewer = sandbox.create_user("<img src=x onerror=alert('name')>")
    world.guild.add_member(viewer)
    await signed_in(tab, sandbox, world, viewer)
    seen = await tab(_titles, f"{base(bot)}/c/{world.guild.id}?month=2026-12")
    assert seen["titles"] == HOSTILE
    assert (seen["injected"], seen["scripts"]) == (0, 0)
    assert seen["who"] == viewer.name
    assert tab.dialogs == []
    assert tab.errors == []
