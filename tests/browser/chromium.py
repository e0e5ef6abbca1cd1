"""Debian's Chromium, driven by Playwright on a thread of its own.

The bot under test serves pages from the test's event loop, so the browser must not block that
loop: Playwright's sync API runs on one dedicated thread, and a test awaits each browser step
(`await tab(step)`), leaving its loop free to answer the browser's requests. One browser is
launched per test process and kept; each test gets a fresh context (its own cookies) and page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Playwright, sync_playwright

R = TypeVar("R")
# Reports every CSP violation in the page as a console error, as well as Chromium's own line.
REPORT_CSP = (
    "document.addEventListener('securitypolicyviolation', (e) => "
    "console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"
)


@dataclass
class Tab:
    """One page in a fresh browser context, with what it logged and the dialogs it opened."""

    chromium: Chromium
    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    async def __call__(self, step: Callable[..., R], *args: Any) -> R:
        """Run `step(page, *args)` in the browser's thread."""
        return await self.chromium.run(step, self.page, *args)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


class Chromium:
    def __init__(self, executable: str) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Playwright | None = None
        self._browser: Browser = self._thread.submit(self._launch, executable).result()

    def _launch(self, executable: str) -> Browser:
        self._playwright = sync_playwright().start()
        return self._playwright.chromium.launch(executable_path=executable)

    async def run(self, step: Callable[..., R], *args: Any) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._thread, step, *args)

    async def new_tab(self, width: int = 1280, height: int = 800) -> Tab:
        return await self.run(self._new_tab, width, height)

    def _new_tab(self, width: int, height: int) -> Tab:
        context = self._browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(REPORT_CSP)
        tab = Tab(self, context.new_page())
        tab.page.on("console", tab._console)
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.page.on("dialog", tab._dialog)
        return tab

    async def close_tab(self, tab: Tab) -> None:
        await self.run(tab.page.context.close)

    def close(self) -> None:
        def stop() -> None:
            self._browser.close()
            if self._playwright is not None:
                self._playwright.stop()

        self._thread.submit(stop).result()
        self._thread.shutdown()
