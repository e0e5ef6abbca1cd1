"""The snippet search page in Chromium: signing in by /nexus web's link lands on the search
asked for, searching, filtering and paging through results by keyboard and mouse, hostile
titles and tags rendered inert, a 360 px phone, under the Content-Security-Policy with no
violation."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from bot.sandbox import SandboxServer
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, share, sign_in_link, start_web


def _goto(page: Page, url: str) -> str:
    page.goto(url)
    return page.url


def _search_by_keyboard(page: Page, words: str) -> list[str]:
    """Tab to the search field from the top of the page, type, press Enter: the titles."""
    page.locator("body").focus()
    for _ in range(8):  # past the skip link, the site's pages and Sign out
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-q":
            break
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type(words)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page.locator(".snippet-results h3").all_inner_texts()


def _filter_by_language(page: Page, language: str) -> list[str]:
    page.get_by_label("Language").select_option(label=language)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    return page.locator(".snippet-results h3").all_inner_texts()


def _page_through(page: Page) -> tuple[int, int, str]:
    first = page.locator(".snippet-results > li").count()
    with page.expect_navigation():
        page.get_by_role("link", name="Next page").click()
    second = page.locator(".snippet-results > li").count()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    # The search is kept on every page: the field still says what was searched.
    return first, second, page.get_by_label("Words").input_value()


def _open_result_and_come_back(page: Page) -> tuple[str, str, str]:
    result = page.locator(".snippet-results h3 a").first
    title = result.inner_text()
    with page.expect_navigation():
        result.click()
    opened = page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Search this server's snippets").click()
    return title, opened, page.locator("h1").inner_text()


async def test_a_member_signs_in_by_link_lands_on_the_search_and_pages_through_it(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    for n in range(11):
        await share(
            sandbox, world, f"Loop {n}", f"for i in range({n}):\n    print(i)", language="python"
        )
    await share(sandbox, world, "Loop in JS", "for (const x of xs) log(x);", language="javascript")
    asked = f"{base(bot)}/s/{world.guild.id}?q=loop"
    landed = await tab(_goto, asked)
    assert landed.startswith(f"{base(bot)}/signin?next=")
    link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
    assert await tab(_goto, link) == asked

    assert await tab(lambda page: page.get_by_label("Words").input_value()) == "loop"
    await tab(_goto, f"{base(bot)}/s/{world.guild.id}")
    titles = await tab(_search_by_keyboard, "loop")
    assert len(titles) == 10 and all(title.startswith("Loop") for title in titles)
    assert await tab(_filter_by_language, "JavaScript") == ["Loop in JS"]
    assert await tab(_filter_by_language, "Any language") == titles
    assert await tab(_page_through) == (10, 2, "loop")
    title, opened, back = await tab(_open_result_and_come_back)
    assert (opened, back) == (title, "Search snippets")
    assert tab.errors == []
    assert tab.dialogs == []


HOSTILE = [
    {"title": "<script>alert('title')</script>", "tags": "<svg/onload=alert(1)>"},
    {"title": '"><img src=x onerror=alert("title")>', "tags": '"><b>x</b>'},
    {"title": "</a></h3><iframe src=javascript:alert(1)>", "tags": "javascript:alert(1)"},
]


def _inert(page: Page, url: str) -> dict[str, Any]:
    page.goto(url)
    return {
        "titles": page.locator(".snippet-results h3").all_inner_texts(),
        "tags": page.locator(".snippet-results .tags li").all_inner_texts(),
        "injected": page.locator("main img, main svg, main b, main script, main iframe").count(),
        "scripts": page.locator("script").count(),
        "javascript_links": page.locator("a[href^='javascript']").count(),
    }


async def test_hostile_titles_tags_and_code_render_as_text_in_the_results(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    await bot.guild_settings.set_many(
        world.guild.id, {"snippets.page_visibility": "public"}, actor_id=None
    )
    for fields in HOSTILE:
        await share(sandbox, world, code="</code></pre><img src=x onerror=alert(2)>", **fields)
    shown = await tab(_inert, f"{base(bot)}/s/{world.guild.id}")
    assert shown["titles"] == [fields["title"] for fields in reversed(HOSTILE)]
    assert shown["tags"] == [f"#{fields['tags']}" for fields in reversed(HOSTILE)]
    assert (shown["injected"], shown["scripts"], shown["javascript_links"]) == (0, 0, 0)
    # What was searched for, hostile too, comes back as text in the form.
    echoed = await tab(_inert, f"{base(bot)}/s/{world.guild.id}?q=%22%3E%3Cimg+src%3Dx%3E")
    assert echoed["injected"] == 0
    assert tab.dialogs == []
    assert tab.errors == []


def _fits(page: Page, url: str) -> dict[str, Any]:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    fits = page.evaluate(
        "() => ({page: document.scrollingElement.scrollWidth,"
        " view: document.documentElement.clientWidth})"
    )
    page.emulate_media(media="print")
    fits["printed_form"] = page.locator("form.snippet-search").is_visible()
    page.emulate_media(media="screen")
    return fits


async def test_a_360_px_phone_never_scrolls_sideways_on_the_search_page(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    await share(
        sandbox,
        world,
        "W" * 100,
        "x = '" + "long line " * 40 + "'\n" + "y" * 300,
        language="python",
        tags="a" * 30 + ", " + "b" * 30,
    )
    await share(sandbox, world, "Short", "z = 1")
    link = await sign_in_link(sandbox, world.bob, world.guild, world.general)
    await tab(_goto, link)
    fits = await tab(_fits, f"{base(bot)}/s/{world.guild.id}")
    assert fits["page"] <= 360 and fits["view"] <= 360, fits
    assert fits["printed_form"] is False
    assert tab.errors == []
