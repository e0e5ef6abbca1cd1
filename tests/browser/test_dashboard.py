"""The program dashboard in Chromium: a moderator's page with every chart drawn as SVG and its
table beside it, members' hostile tags and endpoints shown as text (no script runs, no dialog
opens), the Content-Security-Policy never violated, and a 360 px phone that never scrolls
sideways, for a moderator and for a member."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.dashboard_data import (
    HOSTILE_PATH,
    HOSTILE_TAG,
    START,
    make_announcements,
    make_feedback,
    make_rounds,
    make_snippets,
    start_dashboard_bot,
)
from tests.e2e.page_visits import base, sign_in_link


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def _charts(page: Page, url: str) -> dict[str, Any]:
    response = page.goto(url)
    assert response is not None and response.status == 200
    charts = page.locator("svg.chart")
    first = charts.first.bounding_box()
    return {
        "charts": charts.count(),
        "tables": page.locator("table").count(),
        "first": first,
        "bars": page.locator("svg.chart rect[data-value]").count(),
        "tag": page.locator("table", has_text="Top tags").inner_text(),
        "endpoints": page.locator("table", has_text="By endpoint").inner_text(),
        "scripts": page.locator("main script").count(),
        "names": page.locator("svg.chart title").all_text_contents(),
    }


def _fits(page: Page) -> dict[str, int]:
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    return page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, view: window.innerWidth,"
        " chart: Math.round(document.querySelector('svg.chart').getBoundingClientRect().width)})"
    )


async def test_a_moderator_sees_every_chart_and_hostile_text_stays_text_on_a_phone_too(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab, clock: FrozenClock
) -> None:
    bot = await start_dashboard_bot(start_nexus, clock)
    await make_announcements(sandbox, world, bot, clock)
    await make_rounds(sandbox, world, clock)
    await make_snippets(sandbox, world, bot)
    await make_feedback(sandbox, world, clock)
    url = f"{base(bot)}/d/{world.guild.id}"

    link = await sign_in_link(sandbox, world.mod, world.guild, world.general)
    await tab(lambda page: page.goto(link))
    seen = await tab(_charts, url)
    assert seen["charts"] >= 7
    assert seen["tables"] >= seen["charts"]
    assert seen["first"]["width"] > 300 and seen["first"]["height"] > 100
    assert seen["bars"] > 0
    assert HOSTILE_TAG in seen["tag"]
    assert HOSTILE_PATH in seen["endpoints"]
    assert seen["scripts"] == 0
    assert "Snippets a week" in seen["names"]

    fits = await tab(_fits)
    assert fits["scroll"] <= fits["view"] == 360
    assert 0 < fits["chart"] <= 360
    assert tab.dialogs == []
    assert tab.errors == []


async def test_a_member_on_a_phone_sees_their_own_part_without_sideways_scrolling(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab, clock: FrozenClock
) -> None:
    bot = await start_dashboard_bot(start_nexus, clock)
    await make_snippets(sandbox, world, bot)
    link = await sign_in_link(sandbox, world.alice, world.guild, world.general)
    await tab(lambda page: page.goto(link))
    await tab(lambda page: page.goto(f"{base(bot)}/d/{world.guild.id}"))
    fits = await tab(_fits)
    assert fits["scroll"] <= fits["view"] == 360
    headings = await tab(lambda page: page.locator("h2").all_inner_texts())
    # Announcements belong to the server: a member's dashboard has no part of them.
    assert sorted(headings) == ["API feedback", "Pairing rounds", "Snippets"]
    assert tab.dialogs == []
    assert tab.errors == []
