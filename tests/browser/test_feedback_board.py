"""The feedback board in Chromium: a triager moves an item from its card and the item's embed in
the sandbox's Discord changes, its history shows the move and the audit log has it; hostile
titles, endpoints, descriptions and names render inert; a 360 px phone never scrolls sideways;
every control is labelled and reachable by keyboard; no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, sign_in_link, start_web
from tests.e2e.test_feedback import (
    LOCAL_SPECS,
    add_spec,
    field,
    item,
    log,
    post_of,
    seed,
    spec_server,
)

__all__ = ["spec_server"]  # the loopback spec server fixture, shared with test_feedback
ORANGE = 0xE67E22


async def signed_in(tab: Tab, sandbox: SandboxServer, world: World, user: Any) -> None:
    link = await sign_in_link(sandbox, user, world.guild, world.general)
    await tab(lambda page: page.goto(link))


def _move_from_the_card(page: Page, board: str) -> dict[str, Any]:
    page.goto(board)
    card = page.locator("article.card", has_text="FB-1")
    card.get_by_label("Move FB-1 to").select_option(label="In progress")
    card.get_by_role("button", name="Move FB-1").click()
    page.wait_for_url("**/1?moved=in_progress")
    return {
        "confirmation": page.get_by_role("status").inner_text(),
        "status": page.locator(".status-label").inner_text(),
        "history": page.locator(".history li").all_inner_texts(),
        "thread": page.get_by_role("link", name="Open its thread in Discord").get_attribute("href"),
    }


async def test_a_triager_moves_an_item_on_the_board_and_its_discord_embed_changes(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    await log(sandbox, world)
    row = await item(bot, 1)
    assert field(post_of(world, row).embeds[0], "Status") == "🔵 Open"
    await signed_in(tab, sandbox, world, world.triager)
    shown = await tab(_move_from_the_card, f"{base(bot)}/f/{world.guild.id}")
    assert shown["confirmation"] == "Moved to In progress."
    assert shown["status"] == "In progress"
    assert shown["history"][-1].endswith("triager changed the status: Open → In progress")
    assert shown["thread"] == f"https://discord.com/channels/{world.guild.id}/{row.thread_id}"
    # The sandbox's copy of the item's message: the embed the bot edited.
    embed = post_of(world, row).embeds[0]
    assert field(embed, "Status") == "🟠 In progress"
    assert embed["color"] == ORANGE
    async with bot.db.sessions() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.status"))
        ).all()
    assert (entry.actor_id, entry.target) == (world.triager.id, "FB-1")
    assert (entry.details["from"], entry.details["to"]) == ("open", "in_progress")
    assert tab.errors == []
    assert tab.dialogs == []


HOSTILE = [
    {
        "title": "<script>alert('title')</script>",
        "endpoint": "GET /api/x');alert('1",
        "details": "</p><script>alert('details')</script>",
    },
    {
        "title": '"><img src=x onerror=alert("title")>',
        "endpoint": "POST /javascript:alert(1)",
        "details": '<a href="javascript:alert(1)">click</a>',
    },
    {
        "title": "{{ 7 * 7 }} and {% raw %}",
        "endpoint": "PUT /api/{id}'onmouseover=alert(1)",
        "details": "<svg/onload=alert('svg')>",
    },
]


def _inert(page: Page, url: str, number: int, expected: dict[str, str]) -> dict[str, Any]:
    page.goto(url)
    board = {
        "title": page.locator(f"#card-{number} .title").inner_text(),
        "endpoint": page.locator(f"#card-{number}").locator("..").locator(".endpoint").inner_text(),
    }
    page.locator(f"#card-{number} a").click()
    page.wait_for_url(f"**/{number}")
    return {
        **board,
        "item_title": page.locator("h1").inner_text(),
        "item_endpoint": page.locator("code.endpoint").inner_text(),
        "details": page.locator(".description").first.inner_text(),
        "reporter": page.locator(".reporter").inner_text(),
        "injected": page.locator("main img, main svg, main script, main b").count(),
        "scripts": page.locator("script").count(),
        "javascript_links": page.locator("a[href^='javascript'], a[href*='alert']").count(),
    }


async def test_hostile_titles_endpoints_descriptions_and_names_render_as_text(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    reporter = sandbox.create_user("<img src=x onerror=alert('name')>")
    world.guild.add_member(reporter)
    await signed_in(tab, sandbox, world, reporter)
    board = f"{base(bot)}/f/{world.guild.id}"
    for number, fields in enumerate(HOSTILE, start=1):
        made = await seed(bot, world, reporter=reporter, **fields)
        shown = await tab(_inert, board, number, fields)
        assert shown == {
            "title": fields["title"],
            "endpoint": made.endpoint,
            "item_title": f"FB-{number} {fields['title']}",
            "item_endpoint": made.endpoint,
            "details": fields["details"],
            "reporter": reporter.name,
            "injected": 0,
            "scripts": 0,
            "javascript_links": 0,
        }
    assert await tab(lambda page: page.locator(".who strong").first.inner_text()) == reporter.name
    assert tab.dialogs == []
    assert tab.errors == []


def _width(page: Page, url: str) -> dict[str, int]:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    return page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth,"
        " view: document.documentElement.clientWidth,"
        " columns: new Set([...document.querySelectorAll('.column')]"
        ".map(c => Math.round(c.getBoundingClientRect().left))).size})"
    )


def _printed(page: Page, url: str) -> dict[str, bool]:
    page.goto(url)
    page.emulate_media(media="print")
    shown = {
        "cards": page.locator("article.card").first.is_visible(),
        "filters": page.locator("form.filters").is_visible(),
        "moves": page.locator("form.move").first.is_visible(),
        "header": page.locator("header.site").is_visible(),
    }
    page.emulate_media(media="screen")
    return shown


async def test_a_360_px_phone_stacks_the_columns_never_scrolls_sideways_and_prints_the_items(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab, spec_server: Any
) -> None:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0}, fetch=LOCAL_SPECS
    )
    await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml")
    await seed(
        bot,
        world,
        title="W" * 100,
        endpoint="GET /api/" + "segment/" * 22 + "end",
        details="x" * 1500,
    )
    await seed(bot, world, title="Jobs list", endpoint="GET /api/jobs/12")
    await signed_in(tab, sandbox, world, world.triager)
    for path, stacked in (("", True), ("/1", False), ("/2", False), ("/specs", False)):
        fits = await tab(_width, f"{base(bot)}/f/{world.guild.id}{path}")
        assert fits["scroll"] <= fits["view"] == 360, (path, fits)
        if stacked:
            # Every column starts at the same left edge: one above the other.
            assert fits["columns"] == 1
    # Printed, the board keeps its cards and drops the forms and the site's header.
    printed = await tab(_printed, f"{base(bot)}/f/{world.guild.id}")
    assert printed == {"cards": True, "filters": False, "moves": False, "header": False}
    assert tab.errors == []


def _keyboard(page: Page, url: str, presses: int, moved_to: str) -> dict[str, Any]:
    page.goto(url)
    unlabelled = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => e.labels.length === 0).map(e => e.outerHTML)"
    )
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.labels && e.labels.length ? e.labels[0].textContent"
                " : e.getAttribute('aria-label') || e.textContent).trim(); }"
            )
        )
    # Moving by keyboard alone: choose with the arrow keys, press Enter on the button.
    page.get_by_label("Move FB-1 to").focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Move FB-1").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/1?moved=*")
    expect(page.get_by_role("status")).to_have_text(f"Moved to {moved_to}.")
    return {"unlabelled": unlabelled, "reached": reached}


async def test_every_control_is_labelled_and_a_triager_moves_an_item_by_keyboard(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    await log(sandbox, world)
    await signed_in(tab, sandbox, world, world.triager)
    board = await tab(_keyboard, f"{base(bot)}/f/{world.guild.id}", 17, "In progress")
    assert board["unlabelled"] == []
    assert board["reached"] == [
        "Skip to the content",
        "Feedback",
        "Snippets",
        "Calendar",
        "Dashboard",
        "Sign out",
        "Feedback board",
        "API specs",
        "Endpoint",
        "Severity",
        "Assignee",
        "Order",
        "Only items I reported",
        "Filter",
        "FB-1 Jobs list returns 500",
        "Move FB-1 to",
        "Move FB-1",
    ]
    # From In progress, the first move is Acknowledged and the next one Resolved.
    item_page = await tab(_keyboard, f"{base(bot)}/f/{world.guild.id}/1", 14, "Resolved")
    assert item_page["unlabelled"] == []
    assert item_page["reached"] == [
        "Skip to the content",
        "Feedback",
        "Snippets",
        "Calendar",
        "Dashboard",
        "Sign out",
        "Feedback board",
        "API specs",
        "Open its thread in Discord",
        "Move FB-1 to",
        "Duplicate of (only with Duplicate)",
        "A note for the reporter (optional)",
        "Move FB-1",
        "Assign FB-1 to me",
    ]
    assert tab.errors == []
