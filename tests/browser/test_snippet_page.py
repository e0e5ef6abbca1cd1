"""The snippet page in Chromium: signing in by /nexus web's link, the highlighted code, copy and
download, keyboard use, members only by default, hostile text rendered inert, a 360 px phone
and print, under the Content-Security-Policy with no violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from bot.sandbox import SandboxServer
from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, share, sign_in_link, start_web

CODE = "def greet(name: str) -> str:\n    return f'hi {name}'  # a greeting\n"


async def signed_in(tab: Tab, sandbox: SandboxServer, world: World, user: Any = None) -> None:
    link = await sign_in_link(sandbox, user or world.bob, world.guild, world.general)
    await tab(lambda page: page.goto(link))


def open_page(page: Page, url: str) -> dict[str, str]:
    response = page.goto(url)
    assert response is not None
    return response.headers


def _highlighted_and_copied(page: Page, url: str) -> None:
    headers = open_page(page, url)
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.locator("h1").inner_text() == "Greeter"
    keyword = page.locator("pre.code .k").first
    assert keyword.inner_text() == "def"
    # The colours come from Nexus's own stylesheet: a keyword is not the text's colour.
    assert keyword.evaluate("e => getComputedStyle(e).color") != page.locator("h1").evaluate(
        "e => getComputedStyle(e).color"
    )
    assert page.locator("pre.code code").inner_text() == CODE
    assert page.locator(".author").inner_text() == "alice"
    assert page.locator(".tags li").all_inner_texts() == ["#intro", "#strings"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # By its place, not its name: the name changes to "Copied".
    copy = page.locator("button[data-copy]")
    expect(copy).to_have_text("Copy")
    copy.click()
    expect(copy).to_have_attribute("data-state", "copied")
    expect(copy).to_have_text("Copied")
    assert page.locator("#copy-status").inner_text() == "The code is on your clipboard."
    assert page.evaluate("navigator.clipboard.readText()") == CODE


def _downloaded(page: Page) -> tuple[str, str]:
    with page.expect_download() as started:
        page.get_by_role("link", name="Download").click()
    download = started.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def _keyboard_order(page: Page, url: str) -> list[str]:
    """What Tab reaches, in order, from the top of the page."""
    open_page(page, url)
    reached = []
    for _ in range(9):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.getAttribute('aria-label') || e.textContent.trim(); }"
            )
        )
    return reached


async def test_a_member_signs_in_by_link_and_reads_copies_and_downloads_a_snippet(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Greeter", CODE, language="python", tags="intro,strings")
    url = f"{base(bot)}/s/{world.guild.id}/{snippet}"
    await signed_in(tab, sandbox, world)
    cookies = await tab(lambda page: page.context.cookies())
    session = next(cookie for cookie in cookies if cookie["name"] == "nexus_session")
    assert (session["httpOnly"], session["sameSite"]) == (True, "Lax")

    await tab(_highlighted_and_copied, url)
    assert await tab(_downloaded) == (f"snippet-{snippet}.py", CODE)
    assert await tab(_keyboard_order, url) == [
        "Skip to the content",
        "Feedback",
        "Snippets",
        "Calendar",
        "Dashboard",
        "Sign out",
        "Copy",
        f"Download snippet-{snippet}.py",
        "The code, in Python",
    ]
    assert tab.errors == []
    assert tab.dialogs == []


HOSTILE = [
    {"title": "<script>alert('title')</script>", "code": "x = 1"},
    {"title": '"><img src=x onerror=alert("title")>', "code": "y = 2"},
    {
        "title": "Code that closes its block",
        "code": "</code></pre><script>alert('code')</script><img src=x onerror=alert(1)>",
    },
    {
        "title": "javascript:alert('title')",
        "code": "javascript:alert('code')",
        "description": "javascript:alert('description') <a href=\"javascript:alert(1)\">x</a>",
    },
    {"title": "Hostile tags", "code": "z = 3", "tags": '<svg/onload=alert(1)>, "><b>x</b>'},
]


def _inert(page: Page, url: str, expected: dict[str, str]) -> None:
    open_page(page, url)
    assert page.locator("h1").inner_text() == expected["title"]
    assert page.locator("pre.code code").inner_text() == expected["code"]
    if "description" in expected:
        assert page.locator(".description").inner_text() == expected["description"]
    if "tags" in expected:
        shown = [tag.removeprefix("#") for tag in page.locator(".tags li").all_inner_texts()]
        assert shown == [tag.strip() for tag in expected["tags"].split(",")]
    # Only Nexus's own elements: no image, SVG, bold text or script came from the snippet.
    assert page.locator("main img, main svg, main b, main script").count() == 0
    assert page.locator("script").count() == 1
    assert page.locator("a[href^='javascript']").count() == 0


async def test_hostile_titles_code_descriptions_tags_and_names_render_as_text(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    await bot.guild_settings.set_many(
        world.guild.id, {"snippets.page_visibility": "public"}, actor_id=None
    )
    author = sandbox.create_user("<img src=x onerror=alert('name')>")
    world.guild.add_member(author)
    for fields in HOSTILE:
        snippet = await share(sandbox, world, user=author, language="text", **fields)
        await tab(_inert, f"{base(bot)}/s/{world.guild.id}/{snippet}", fields)
        assert await tab(lambda page: page.locator(".author").inner_text()) == author.name
    # Signed in as the hostile name: the header shows it as text too.
    link = await sign_in_link(sandbox, author, world.guild, world.general)
    await tab(lambda page: page.goto(link))
    await tab(_inert, f"{base(bot)}/s/{world.guild.id}/{snippet}", HOSTILE[-1])
    assert await tab(lambda page: page.locator(".who strong").inner_text()) == author.name
    assert tab.dialogs == []
    assert tab.errors == []


def _lands_on(page: Page, url: str) -> tuple[str, str]:
    response = page.goto(url)
    assert response is not None
    return page.url, page.locator("main").inner_text()


async def test_members_only_by_default_signed_out_visitors_sign_in_and_other_servers_are_refused(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Members only", "secret = 1")
    url = f"{base(bot)}/s/{world.guild.id}/{snippet}"
    landed, text = await tab(_lands_on, url)
    assert landed.startswith(f"{base(bot)}/signin?next=")
    assert "/nexus web" in text and "secret" not in text
    back = await tab(
        lambda page: page.get_by_role("link", name="open the page you wanted").get_attribute("href")
    )
    assert back == f"/s/{world.guild.id}/{snippet}"

    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("lobby")
    stranger = sandbox.create_user("stranger")
    other.add_member(stranger)
    link = await sign_in_link(sandbox, stranger, other, lobby)
    await tab(lambda page: page.goto(link))
    landed, text = await tab(_lands_on, url)
    assert landed == url
    assert "You are signed in to another server." in text
    assert "secret" not in text
    # Chromium logs the refusal's status; nothing else went wrong.
    assert tab.errors == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    assert tab.dialogs == []


def _fits(page: Page, url: str) -> dict[str, Any]:
    page.set_viewport_size({"width": 360, "height": 740})
    open_page(page, url)
    fits = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth,"
        " view: document.documentElement.clientWidth,"
        " code: document.querySelector('pre.code').scrollWidth >"
        " document.querySelector('pre.code').clientWidth})"
    )
    page.emulate_media(media="print")
    fits["printed_header"] = page.locator("header.site").is_visible()
    fits["printed_buttons"] = page.locator(".actions").is_visible()
    fits["printed_code_wraps"] = page.locator("pre.code").evaluate(
        "e => getComputedStyle(e).whiteSpace"
    )
    page.emulate_media(media="screen")
    return fits


async def test_a_360_px_phone_never_scrolls_sideways_and_print_keeps_only_the_snippet(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(
        sandbox,
        world,
        "A" * 100,
        "x = '" + "long line " * 40 + "'\n",
        language="python",
        tags="one,two,three,four,five",
        description="w" * 300,
    )
    await signed_in(tab, sandbox, world, world.alice)
    fits = await tab(_fits, f"{base(bot)}/s/{world.guild.id}/{snippet}")
    assert fits["page"] <= fits["view"] == 360
    # The long line scrolls inside the code's own box.
    assert fits["code"] is True
    assert (fits["printed_header"], fits["printed_buttons"]) == (False, False)
    assert fits["printed_code_wraps"] == "pre-wrap"
    assert tab.errors == []
