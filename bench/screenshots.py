"""The README's screenshots, taken the same way every time: `scripts/screenshots`.

    .venv/bin/python -m bench.screenshots [--out docs/screenshots]

The real bot runs in this process against the sandbox (as `python -m bot sandbox --web`
does), its web server on 127.0.0.1, a fresh database in a temporary directory and a frozen
clock. bench.screenshot_data fills the demo guild through Nexus's own commands; the moderator
signs in by `/nexus web`'s one-time link in Debian's Chromium (Playwright, launched through
its executable path), and each page is saved as a PNG: the desktop at 1280 px, the phone at
360 px. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from bench.api import free_port
from bench.harness import REPO
from bench.screenshot_data import START, Demo, Filler, build_guild, configure
from bot.app import NexusBot, create_bot
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.sandbox import SandboxServer
from bot.sandbox.playground import Playground

LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/api/v1/auth/link/[A-Za-z0-9_-]+)>")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# How much of a long page a screenshot keeps, in CSS pixels: the part a reader looks at first.
TALLEST = {"desktop": 1100, "phone": 1100}


@dataclass(frozen=True)
class Shot:
    name: str  # the file's name without .png
    path: str  # the page's path on the web server, or "playground"
    width: str  # "desktop" or "phone"
    # Where the picture starts: the top of the page, or of the element this selector finds.
    start: str | None = None


SHOTS = (
    Shot("snippet-page", "/s/{guild}/{snippet}", "desktop"),
    Shot("snippet-page-phone", "/s/{guild}/{snippet}", "phone"),
    Shot("board", "/f/{guild}", "desktop"),
    Shot("board-phone", "/f/{guild}", "phone"),
    # The pairing rounds: the section newcomers ask about, with its charts and tables.
    Shot("dashboard", "/d/{guild}", "desktop", "section[data-feature=pairing]"),
    Shot("playground", "playground", "desktop"),
)


def settings_for(server: SandboxServer, folder: Path, web_port: int) -> Any:
    """The bot's settings for the demo: the sandbox, a fresh database, the web server on."""
    # The developer's own configuration (environment, data/config.yaml) must not change the
    # pictures: the settings come from here alone.
    for name in list(os.environ):
        if name.startswith("NEXUS_") or name in {"DISCORD_TOKEN", "DATABASE_URL"}:
            del os.environ[name]
    os.chdir(folder)
    return load_settings(
        None,
        database={"url": f"sqlite+aiosqlite:///{folder / 'nexus.db'}"},
        discord={
            "api_url": server.api_url,
            "gateway_url": server.gateway_url,
            "guild_ready_timeout": 0.1,
            "reidentify_delay": 0.1,
        },
        web={
            "enabled": True,
            "host": "127.0.0.1",
            "port": web_port,
            "public_url": f"http://127.0.0.1:{web_port}",
        },
        pairing={"use_process_pool": False},
        snippets={"shares_per_minute": 1000},
        announcements={"file": str(folder / "announcements.yaml")},
    )


@contextlib.asynccontextmanager
async def running_bot(
    server: SandboxServer, folder: Path, clock: FrozenClock
) -> AsyncIterator[NexusBot]:
    port = free_port()
    bot = create_bot(settings_for(server, folder, port), clock=clock)
    task = asyncio.create_task(bot.start(server.bot_token), name="nexus-screenshots")
    try:
        await server.wait_until_ready(timeout=30)
        await asyncio.wait_for(bot.wait_until_ready(), timeout=30)
        await asyncio.wait_for(bot.web_serving.wait(), timeout=30)
        await bot.get_cog("AnnouncementsCog").ready.wait()  # type: ignore[union-attr]
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=10)


async def sign_in_link(server: SandboxServer, demo: Demo) -> str:
    reply = await server.invoke(
        "/nexus web", user=demo.you, guild=demo.guild, channel=demo.channels["general"]
    )
    found = LINK.search(reply.text)
    if found is None:
        raise RuntimeError(f"/nexus web gave no link: {reply.text[:300]!r}")
    return found.group(1)


async def save(page: Page, target: Path, shot: Shot) -> None:
    """The page from its top (or `shot.start`), at most TALLEST high; refuses a page that is no
    page, and says when the page scrolls sideways."""
    heading = (
        await page.locator("h1").first.inner_text() if await page.locator("h1").count() else ""
    )
    if "sign in" in heading.lower() or "not found" in heading.lower():
        raise RuntimeError(f"{page.url} shows {heading!r}, not the page")
    viewport = DESKTOP if shot.width == "desktop" else PHONE
    scroll = await page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if scroll[0] > scroll[1]:
        print(f"note: {shot.name} scrolls sideways ({scroll[0]} px wide in {scroll[1]})")
    top = 0
    if shot.start is not None:
        box = await page.locator(shot.start).bounding_box()
        top = 0 if box is None else max(0, int(box["y"]) - 16)
    height = await page.evaluate("document.scrollingElement.scrollHeight") - top
    clip = {
        "x": 0,
        "y": top,
        "width": viewport["width"],
        "height": min(height, TALLEST[shot.width]),
    }
    await page.screenshot(path=str(target), full_page=True, clip=clip)


async def shoot_pages(
    browser: Browser, server: SandboxServer, demo: Demo, base: str, out: Path
) -> None:
    paths = {"guild": str(demo.guild.id), "snippet": str(demo.featured_snippet)}
    for width in ("desktop", "phone"):
        # A phone's screen has twice the pixels of its CSS width, as most phones' do.
        context = await browser.new_context(
            viewport=DESKTOP if width == "desktop" else PHONE,
            device_scale_factor=1 if width == "desktop" else 2,
        )
        page = await context.new_page()
        # Each browser context signs in with a link of its own: a link is good for one use.
        await page.goto(await sign_in_link(server, demo))
        for shot in SHOTS:
            if shot.width != width or shot.path == "playground":
                continue
            response = await page.goto(base + shot.path.format(**paths))
            if response is None or response.status != 200:
                status = None if response is None else response.status
                raise RuntimeError(f"{shot.path.format(**paths)} answered {status}")
            await save(page, out / f"{shot.name}.png", shot)
            print(f"saved {out / shot.name}.png", flush=True)
        await context.close()


async def shoot_playground(browser: Browser, playground: Playground, demo: Demo, out: Path) -> None:
    """The playground as the moderator, in #snippets, typing a command."""
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(f"{playground.url}?as={demo.you.id}&channel={demo.channels['snippets'].id}")
    await page.locator(".message .embed").last.wait_for()
    # A channel opens at its oldest message; a Discord client shows the newest.
    await page.locator("#messages").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    # A command half typed; its suggestions would cover the post's buttons, so they close.
    box = page.locator("#command")
    await box.fill("/snippet search query:retry")
    await box.press("Escape")
    # The whole page: a long channel list makes it taller than the window.
    await page.screenshot(path=str(out / "playground.png"), full_page=True)
    print(f"saved {out / 'playground.png'}", flush=True)
    await context.close()


async def take(out: Path, chromium: str) -> None:
    clock = FrozenClock(START)
    server = SandboxServer(bot_in_process=True)
    await server.start()
    demo = build_guild(server)
    folder = Path(tempfile.mkdtemp(prefix="nexus-screenshots-"))
    try:
        async with running_bot(server, folder, clock) as bot:
            await configure(bot, demo)
            print("filling the demo guild …", flush=True)
            await Filler(server, bot, demo, clock).run()
            assert bot.web is not None
            base = f"http://127.0.0.1:{bot.web.port}"
            playground = await Playground(
                server, demo.guild, demo.channels["general"], demo.you
            ).start()
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium)
                try:
                    await shoot_pages(browser, server, demo, base, out)
                    await shoot_playground(browser, playground, demo, out)
                finally:
                    await browser.close()
                    await playground.close()
    finally:
        await server.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = os.environ.get("NEXUS_TEST_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        print("screenshots: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    # The pictures are the output; the bot's own log lines would only hide the saved paths.
    # (The pairing schedule's skipped-job warnings are the frozen clock jumping weeks ahead.)
    logging.basicConfig(level=logging.ERROR)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(take(out, chromium))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
