"""The playground in Chromium: the sandbox guild like a Discord client, the real bot behind it.

A member types `/snippet share`, fills the modal, sees the post and stars it; ephemeral replies
are marked and shown only to their member; the command box offers commands and the bot's own
autocomplete; hostile text stays text; a 360 px phone needs no sideways scroll.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import Page, expect

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from bot.sandbox.playground import Playground
from bot.web.pages.headers import CONTENT_SECURITY_POLICY
from tests.browser.chromium import Chromium, Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import share
from tests.e2e.test_admin import raise_bot_role

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


@pytest.fixture
async def bot(start_nexus: StartBot) -> NexusBot:
    return await start_nexus()


@pytest.fixture
async def playground(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> AsyncIterator[Playground]:
    page = Playground(sandbox, world.guild, world.general, world.alice)
    await page.start()
    try:
        yield page
    finally:
        await page.close()


def address(playground: Playground, user: Any, channel: Any) -> str:
    return f"{playground.url}?as={user.id}&channel={channel.id}"


def run_command(page: Page, line: str) -> None:
    box = page.locator("#command")
    box.fill(line)
    box.press("Enter")


def _share_fill_and_star(page: Page, url: str, snippets_channel: int, bob: int) -> str | None:
    response = page.goto(url)
    assert response is not None
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    run_command(page, '/snippet share title:"Retry helper" tags:python')
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_label("Title")).to_have_value("Retry helper")
    # The dialog takes the focus, as Discord's does: the keyboard goes on from its first field.
    expect(modal.get_by_label("Title")).to_be_focused()
    modal.get_by_label("Code").fill("def retry(times):\n    return [attempt() for _ in range(3)]")
    modal.get_by_role("button", name="Submit").click()
    expect(modal).to_be_hidden()
    reply = page.locator(".message.ephemeral").last
    expect(reply).to_contain_text("Only you can see this")
    expect(reply.locator(".used")).to_have_text("alice filled in a form")
    page.locator(f'a[data-channel="{snippets_channel}"]').click()
    expect(page.locator("#channel-title")).to_have_text("snippets")
    post = page.locator(".message", has=page.locator(".embed")).last
    expect(post.locator(".embed-title")).to_contain_text("Retry helper")
    expect(post.locator("pre.block code")).to_contain_text("def retry(times):")
    # Stars are for other people's snippets: bob stars it.
    page.locator("#as").select_option(str(bob))
    star = post.get_by_role("button", name=re.compile("Star"))
    expect(star).to_have_text("⭐ Star (0)")
    star.click()
    expect(
        page.locator(".message", has=page.locator(".embed")).last.get_by_role(
            "button", name=re.compile("Star")
        )
    ).to_have_text("⭐ Star (1)")
    # The Raw button answers with a file only bob sees.
    post = page.locator(".message", has=page.locator(".embed")).last
    post.get_by_role("button", name="Raw").click()
    attached = page.locator(".message.ephemeral .attachment a").last
    expect(attached).to_have_text(re.compile(r"^📎 snippet-\d+\.py$"))
    return attached.get_attribute("href")


async def test_a_member_shares_through_the_modal_sees_the_post_and_stars_it(
    playground: Playground, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    url = address(playground, world.alice, world.general)
    href = await tab(_share_fill_and_star, url, world.snippets.id, world.bob.id)
    assert href is not None and href.startswith(sandbox.base_url)
    assert tab.errors == []


def _ephemeral_then_other_member(page: Page, url: str, bob: int) -> tuple[int, int]:
    page.goto(url)
    run_command(page, "/snippet mine")
    mine = page.locator(".message.ephemeral")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Only you can see this")
    seen_by_alice = page.locator(".message").count()
    page.locator("#as").select_option(str(bob))
    expect(page.locator(".message.ephemeral")).to_have_count(0)
    return seen_by_alice, page.locator(".only-you").count()


async def test_an_ephemeral_reply_is_marked_and_shown_only_to_its_member(
    playground: Playground, world: World, tab: Tab
) -> None:
    seen, marked_for_bob = await tab(
        _ephemeral_then_other_member,
        address(playground, world.alice, world.general),
        world.bob.id,
    )
    assert seen >= 1
    assert marked_for_bob == 0


def _suggestions(page: Page, typed: str) -> list[str]:
    box = page.locator("#command")
    box.fill(typed)
    expect(page.locator("#suggestions")).to_be_visible()
    return page.locator("#suggestions .label").all_inner_texts()


def _autocomplete(page: Page, url: str) -> tuple[list[str], list[str], list[str]]:
    page.goto(url)
    commands = _suggestions(page, "/snip")
    options = _suggestions(page, "/snippet get ")
    box = page.locator("#command")
    box.fill("/snippet get id:Gree")
    expect(page.locator("#suggestions .label").first).to_contain_text("Greeter")
    from_the_bot = page.locator("#suggestions .label").all_inner_texts()
    # Arrow down and Enter take the choice into the line.
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value(re.compile(r"^/snippet get id:\d+ $"))
    box.press("Escape")
    expect(page.locator("#suggestions")).to_be_hidden()
    return commands, options, from_the_bot


async def test_the_command_box_offers_commands_options_and_the_bots_own_choices(
    playground: Playground, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    await share(sandbox, world, "Greeter", "print('hi')")
    commands, options, from_the_bot = await tab(
        _autocomplete, address(playground, world.alice, world.general)
    )
    assert {"/snippet share", "/snippet search", "/snippet get"} <= set(commands)
    assert all(c.startswith("/snip") for c in commands)
    assert "id:" in options
    assert any("Greeter" in choice for choice in from_the_bot)


def _hostile_rendered(page: Page, url: str, snippets_channel: int) -> dict[str, Any]:
    page.goto(url)
    message = page.locator(".message", has_text="onerror").first
    expect(message).to_be_visible()
    page.locator(f'a[data-channel="{snippets_channel}"]').click()
    embed = page.locator(".embed").last
    expect(embed).to_contain_text("onerror")
    return {
        "pwned": page.evaluate("window.pwned === undefined ? null : window.pwned"),
        "images": page.locator("#messages img, #messages script").count(),
        "title": embed.locator(".embed-title").inner_text(),
        "scripts": page.locator("script").count(),
    }


def _markup_of_general(page: Page, url: str) -> dict[str, Any]:
    page.goto(url)
    message = page.locator(".message", has_text="onerror").first
    expect(message.locator("strong")).to_have_text("loud")
    return {
        "text": message.locator(".content").inner_text(),
        "mentions": message.locator(".mention").all_inner_texts(),
        "time": message.locator("time.stamp").get_attribute("datetime"),
        "code": message.locator("pre.block code").inner_text(),
        "inline": message.locator("code.inline").inner_text(),
        "link": message.locator(".content a").get_attribute("href"),
    }


async def test_hostile_messages_and_embed_text_are_rendered_inert_and_markup_as_discord_shows_it(
    playground: Playground, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    sandbox.send_user_message(
        world.general,
        world.bob,
        f"{HOSTILE} **loud** <@{world.alice.id}> <@&{world.moderator_role.id}> "
        f"<#{world.snippets.id}> <t:1700000000:F> `x<b>` https://127.0.0.1/doc\n```py\n{HOSTILE}\n```",
    )
    await share(sandbox, world, HOSTILE[:60], HOSTILE, description=HOSTILE)
    url = address(playground, world.alice, world.general)
    shown = await tab(_markup_of_general, url)
    assert HOSTILE in shown["text"]
    assert shown["mentions"] == ["@alice", "@Moderators", "#snippets"]
    assert shown["time"] == "2023-11-14T22:13:20+00:00"
    assert shown["code"].strip() == HOSTILE
    assert shown["inline"] == "x<b>"
    assert shown["link"] == "https://127.0.0.1/doc"
    inert = await tab(_hostile_rendered, url, world.snippets.id)
    assert inert["pwned"] is None
    assert inert["images"] == 0
    assert inert["title"].startswith("<img src=x")
    assert inert["scripts"] == 1  # the page's own script only
    assert not [e for e in tab.errors if "CSP" not in e]


def _narrow(page: Page, url: str) -> tuple[int, bool]:
    page.goto(url)
    expect(page.locator(".embed").last).to_be_visible()
    page.locator(".message").last.scroll_into_view_if_needed()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    run_command(page, "/snippet share title:Phone")
    expect(page.locator("dialog#modal")).to_be_visible()
    fits = page.evaluate("document.scrollingElement.scrollWidth <= 360")
    return width, fits


async def test_a_360_px_phone_needs_no_sideways_scroll(
    playground: Playground, sandbox: SandboxServer, world: World, chromium: Chromium
) -> None:
    code = "x = '" + "long_line_" * 40 + "'"
    await share(sandbox, world, "A very long title " * 4, code, description="word" * 60)
    phone = await chromium.new_tab(width=360, height=740)
    try:
        width, fits = await phone(_narrow, address(playground, world.alice, world.snippets))
    finally:
        await chromium.close_tab(phone)
    assert width <= 360
    assert fits


async def test_actions_need_the_pages_token_and_the_loopback_host(
    playground: Playground, sandbox: SandboxServer, world: World
) -> None:
    sandbox.send_user_message(world.general, world.bob, HOSTILE)
    body = {"as": str(world.alice.id), "channel": str(world.general.id), "line": "/snippet mine"}
    async with aiohttp.ClientSession() as client:
        async with client.post(playground.url + "api/invoke", json=body) as refused:
            assert refused.status == 403
        async with client.get(playground.url, headers={"Host": "evil.example:80"}) as rebound:
            assert rebound.status == 421
        # Without its script the page shows the messages as text, escaped.
        async with client.get(address(playground, world.alice, world.general)) as page:
            html = await page.text()
            assert "&lt;img src=x onerror=" in html
            assert "<img" not in html and html.count("<script") == 1
        async with client.get(playground.url + "?as=1&channel=2") as unknown:
            assert unknown.status == 404
            assert "Open http://127.0.0.1" in await unknown.text()
    assert not [m for m in world.general.all_messages if m.ephemeral]


def _setup_with_pickers(page: Page, url: str) -> str:
    page.goto(url)
    run_command(page, "/admin setup")
    setup = page.locator(".message.ephemeral").last
    expect(setup).to_contain_text("step 1 of 2")
    setup.get_by_label("Snippets channel").select_option(label="#pairing")
    # The pick redraws the message with new buttons: press Next once it is drawn.
    expect(page.locator("#status")).to_have_text("")
    page.locator(".message.ephemeral").last.get_by_role("button", name="Next").click()
    roles = page.locator(".message.ephemeral").last
    expect(roles).to_contain_text("step 2 of 2")
    roles.get_by_label("Triager role").select_option(label="@Moderators")
    expect(page.locator("#status")).to_have_text("")
    page.locator(".message.ephemeral").last.get_by_role("button", name="Save").click()
    saved = page.locator(".message.ephemeral", has_text="Setup saved.").last
    expect(saved).to_be_visible()
    return saved.inner_text()


async def test_channel_and_role_pickers_answer_the_bots_selects(
    playground: Playground, bot: NexusBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    await raise_bot_role(bot, sandbox, world)
    saved = await tab(_setup_with_pickers, address(playground, world.admin, world.general))
    assert "#pairing" in saved
    assert f"<#{world.pairing.id}>" not in saved


def _forum_post_and_direct_messages(page: Page, url: str, bob: int) -> dict[str, Any]:
    page.goto(url)
    listed = page.locator("#channel-list li").all_inner_texts()
    kinds = page.locator("#channel-list li").evaluate_all("items => items.map(i => i.className)")
    page.get_by_role("link", name="Pagination idea").click()
    expect(page.locator("#channel-title")).to_have_text("Pagination idea")
    first = page.locator(".message").first
    expect(first.locator("strong")).to_have_text("cursors")
    page.get_by_role("link", name="Nexus").click()
    expect(page.locator("#channel-title")).to_have_text("Nexus (direct messages)")
    run_command(page, "/snippet mine")
    expect(page.locator(".message")).not_to_have_count(0)
    direct = page.locator(".message").count()
    page.locator("#as").select_option(str(bob))
    expect(page.locator(".empty")).to_have_text("No messages here yet.")
    return {"listed": listed, "kinds": kinds, "direct": direct}


async def test_forum_posts_nest_under_their_forum_and_each_member_has_direct_messages(
    playground: Playground, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    forum = world.guild.create_channel("ideas", "forum")
    sandbox.create_forum_post(forum, world.bob, "Pagination idea", "What about **cursors**?")
    seen = await tab(
        _forum_post_and_direct_messages,
        address(playground, world.alice, world.general),
        world.bob.id,
    )
    listed = [text.strip() for text in seen["listed"]]
    at = listed.index("ideas")
    assert listed[at + 1] == "Pagination idea"
    assert seen["kinds"][at : at + 2] == ["kind-forum depth-0", "kind-post depth-1"]
    assert listed[-1] == "Nexus" and seen["kinds"][-1] == "kind-dm depth-0"
    assert seen["direct"] >= 1


CODE_IN_A_MESSAGE = "```py\nprint('hi from a dm')\n```"


def _save_from_a_message(page: Page, url: str, other_guild: str) -> str:
    page.goto(url)
    page.get_by_role("link", name="Nexus").click()
    expect(page.locator("#channel-title")).to_have_text("Nexus (direct messages)")
    run_command(page, CODE_IN_A_MESSAGE)
    posted = page.locator(".message", has_text="hi from a dm").last
    expect(posted.locator("pre.block")).to_be_visible()
    posted.locator(".apps summary").click()
    posted.get_by_role("button", name="Save as snippet").click()
    asked = page.locator(".message.ephemeral", has_text="Which server keeps this snippet?")
    expect(asked).to_be_visible()
    asked.get_by_label("Choose the server that keeps it").select_option(label=other_guild)
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    modal.get_by_label("Title").fill("From my DM")
    modal.get_by_role("button", name="Submit").click()
    saved = page.locator(".message.ephemeral", has_text="Saved as snippet").last
    expect(saved).to_be_visible()
    return saved.inner_text()


async def test_a_posted_message_is_saved_through_the_apps_menu_and_a_string_select(
    playground: Playground, bot: NexusBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    other = sandbox.create_guild("Other place")
    other.add_member(world.alice)
    await sandbox.wait_until(lambda: bot.get_guild(other.id) is not None, timeout=5)
    await share(sandbox, world, "home loop", "print(1)")
    await sandbox.invoke(
        "/snippet share",
        user=world.alice,
        channel=other.text_channels[0],
        title="other loop",
        code="print(2)",
    )
    saved = await tab(
        _save_from_a_message, address(playground, world.alice, world.general), "Other place"
    )
    assert "Other place" in saved
