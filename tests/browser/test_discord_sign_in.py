"""Signing in with Discord in Chromium: a page that needs a member sends the browser to sign in,
"Sign in with Discord" goes through the sandbox's OAuth2 authorize page and back, and the
browser lands on the page it asked for, signed in."""

from __future__ import annotations

from playwright.sync_api import Page

from bot.sandbox import SandboxServer
from bot.sandbox.routes.oauth import USER_HEADER
from tests.browser.chromium import Tab
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, start_web


def _through_discord(page: Page, wanted: str, user_id: int) -> tuple[str, str, str]:
    # The sandbox's authorize page knows who is "logged in to Discord" by this header.
    page.context.set_extra_http_headers({USER_HEADER: str(user_id)})
    page.goto(wanted)
    asked = page.url
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with Discord").click()
    return asked, page.url, page.locator("header .who").inner_text()


async def test_a_member_signs_in_with_discord_and_lands_on_the_page_they_opened(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, tab: Tab
) -> None:
    oauth = {"client_id": sandbox.oauth.client_id, "client_secret": sandbox.oauth.client_secret}
    bot = await start_web(start_nexus, oauth=oauth)
    sandbox.oauth.redirect_uris.add(f"{base(bot)}/api/v1/auth/discord/callback")
    wanted = f"{base(bot)}/f/{world.guild.id}"
    asked, landed, who = await tab(_through_discord, wanted, world.alice.id)
    assert asked.startswith(f"{base(bot)}/signin?")  # sent to sign in first
    assert landed == wanted
    assert who == "Signed in as alice"
    assert tab.errors == []
