"""Cursor (keyset) pagination with Previous / Next buttons.

Pages come from an async ``fetch(cursor)``; the first page is fetched with ``None``. The view
remembers the cursor of every page it has shown, so Previous re-fetches the page before with
its own cursor: no OFFSET, and each page shows fresh data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import discord

from bot.ui.base import OwnerOnlyView, send_with_view

__all__ = ["Cursor", "Page", "PageFetcher", "PageRenderer", "Paginator", "send_paginated"]

T = TypeVar("T")

Cursor = Hashable
"""Opaque position in a listing, e.g. ``(created_at, id)`` of the last row shown."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results, and the cursor of the page after it (``None`` on the last page)."""

    items: Sequence[T]
    next_cursor: Cursor | None = None


PageFetcher = Callable[[Cursor | None], Awaitable[Page[T]]]
PageRenderer = Callable[[Page[T], int], discord.Embed]


# A bot without settings (a test's client): discord.py's own default for a view.
DEFAULT_PAGE_BUTTONS_SECONDS = 180.0


def page_buttons_seconds(client: discord.Client) -> float:
    """How long a list's page buttons wait for a click on `client` (memory.page_buttons_seconds).

    Until then the view is registered and keeps its page and what disables its buttons when
    it times out (its interaction, or a followup's id): a few KB each, ~400 of them at 20
    commands a second with 60 s (bench.soak), so the wait bounds what lists hold.
    """
    settings = getattr(client, "settings", None)
    memory = getattr(settings, "memory", None)
    return float(getattr(memory, "page_buttons_seconds", DEFAULT_PAGE_BUTTONS_SECONDS))


class Paginator(OwnerOnlyView, Generic[T]):
    """Previous / Page n / Next over pages from ``fetch``, drawn by ``render(page, number)``.

    Page numbers start at 1. Build it inside a running event loop, call :meth:`load_first_page`,
    then send :meth:`current_embed` with the view (or use :func:`send_paginated`).
    """

    refusal = "Only the person who ran this command can turn its pages."

    def __init__(
        self,
        fetch: PageFetcher[T],
        render: PageRenderer[T],
        *,
        owner_id: int,
        timeout: float = 180,
    ) -> None:
        super().__init__(owner_id, timeout=timeout)
        self._fetch = fetch
        self._render = render
        # _cursors[i] is the cursor that fetched page i + 1; the last one is the current page.
        self._cursors: list[Cursor | None] = [None]
        self._page: Page[T] = Page(items=())
        # Two quick clicks must not interleave their fetches and corrupt the cursor stack.
        self._turning = asyncio.Lock()

        self.previous_button = _TurnButton("Previous", -1)
        self.page_label = discord.ui.Button[Paginator[Any]](
            label="Page 1", style=discord.ButtonStyle.secondary, disabled=True
        )
        self.next_button = _TurnButton("Next", +1)
        for item in (self.previous_button, self.page_label, self.next_button):
            self.add_item(item)
        self._sync_buttons()

    @property
    def page(self) -> Page[T]:
        return self._page

    @property
    def page_number(self) -> int:
        return len(self._cursors)

    async def load_first_page(self) -> Page[T]:
        async with self._turning:
            self._cursors = [None]
            self._page = await self._fetch(None)
            self._sync_buttons()
            return self._page

    def current_embed(self) -> discord.Embed:
        return self._render(self._page, self.page_number)

    async def go_next(self) -> bool:
        """Move to the next page; returns whether the page changed."""
        async with self._turning:
            cursor = self._page.next_cursor
            if cursor is None:
                return False
            page = await self._fetch(cursor)
            if not page.items:
                # Rows vanished since this page was drawn: this page is the last one now.
                self._page = Page(self._page.items, None)
                self._sync_buttons()
                return False
            self._cursors.append(cursor)
            self._page = page
            self._sync_buttons()
            return True

    async def go_previous(self) -> bool:
        """Move to the previous page; returns whether the page changed."""
        async with self._turning:
            if len(self._cursors) <= 1:
                return False
            self._page = await self._fetch(self._cursors[-2])
            self._cursors.pop()
            self._sync_buttons()
            return True

    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        """Button handler: move one page and redraw the message in place."""
        if step > 0:
            await self.go_next()
        else:
            await self.go_previous()
        await interaction.response.edit_message(embed=self.current_embed(), view=self)

    def _sync_buttons(self) -> None:
        self.previous_button.disabled = len(self._cursors) <= 1
        self.next_button.disabled = self._page.next_cursor is None
        self.page_label.label = f"Page {self.page_number}"


class _TurnButton(discord.ui.Button[Paginator[Any]]):
    """Previous or Next: moves the paginator by ``step`` pages."""

    def __init__(self, label: str, step: int) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary)
        self.step = step

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            await self.view.turn(interaction, self.step)


async def send_paginated(
    interaction: discord.Interaction,
    fetch: PageFetcher[T],
    render: PageRenderer[T],
    *,
    ephemeral: bool = True,
    empty_message: str = "Nothing to show.",
    timeout: float | None = None,
) -> Paginator[T] | None:
    """Fetch the first page and send it: with buttons only when there is more than one page.

    An empty listing gets ``empty_message`` (always ephemeral). Works whether or not the
    interaction was already answered or deferred. Returns the view when one was sent. The
    buttons wait ``timeout`` seconds for a click, by default the bot's
    ``memory.page_buttons_seconds``.
    """
    if timeout is None:
        timeout = page_buttons_seconds(interaction.client)
    view = Paginator(fetch, render, owner_id=interaction.user.id, timeout=timeout)
    first = await view.load_first_page()
    if not first.items:
        view.stop()
        await send_with_view(interaction, content=empty_message, ephemeral=True)
        return None
    if first.next_cursor is None:
        view.stop()
        await send_with_view(interaction, embed=view.current_embed(), ephemeral=ephemeral)
        return None
    await send_with_view(interaction, embed=view.current_embed(), view=view, ephemeral=ephemeral)
    return view
