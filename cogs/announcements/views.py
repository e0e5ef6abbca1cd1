"""The modals of /announce create (no `message` given) and /announce edit (prefilled)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.text import EMBED_TITLE_LIMIT, TEXT_INPUT_PARAGRAPH_LIMIT
from bot.ui import NexusModal, text_input


@dataclass(frozen=True)
class MessageFields:
    title: str | None
    body: str


@dataclass(frozen=True)
class EditFields:
    title: str | None
    body: str
    when: str
    repeat: str
    timezone: str


def _optional(value: str) -> str | None:
    stripped = value.strip()
    return stripped or None


class MessageModal(NexusModal):
    """Asks for the title and body of a new announcement."""

    def __init__(
        self,
        title: str | None,
        on_done: Callable[[discord.Interaction, MessageFields], Awaitable[None]],
    ) -> None:
        super().__init__(title="New announcement")
        self._on_done = on_done
        self.title_input = text_input(
            "Title (leave empty for plain text)",
            custom_id="announce:title",
            default=title,
            required=False,
            max_length=EMBED_TITLE_LIMIT,
        )
        self.body_input = text_input(
            "Message",
            custom_id="announce:body",
            paragraph=True,
            max_length=TEXT_INPUT_PARAGRAPH_LIMIT,
        )
        self.add_item(self.title_input)
        self.add_item(self.body_input)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        fields = MessageFields(_optional(self.title_input.value), self.body_input.value)
        await self._on_done(interaction, fields)


class EditModal(NexusModal):
    """Everything about an announcement that is text, prefilled with what it is now."""

    def __init__(
        self,
        announcement_id: int,
        current: EditFields,
        on_done: Callable[[discord.Interaction, EditFields], Awaitable[None]],
    ) -> None:
        super().__init__(title=f"Edit announcement #{announcement_id}")
        self.current = current
        self._on_done = on_done
        self.title_input = text_input(
            "Title (leave empty for plain text)",
            custom_id="announce:title",
            default=current.title,
            required=False,
            max_length=EMBED_TITLE_LIMIT,
        )
        self.body_input = text_input(
            "Message",
            custom_id="announce:body",
            default=current.body,
            paragraph=True,
            max_length=TEXT_INPUT_PARAGRAPH_LIMIT,
        )
        self.when_input = text_input(
            "Next run (e.g. 2026-12-01 09:00, tomorrow 9am)",
            custom_id="announce:when",
            default=current.when,
            max_length=100,
        )
        self.repeat_input = text_input(
            "Repeat: none, daily, weekly, monthly or cron",
            custom_id="announce:repeat",
            default=current.repeat,
            max_length=120,
        )
        self.timezone_input = text_input(
            "Time zone (IANA name)",
            custom_id="announce:timezone",
            default=current.timezone,
            max_length=64,
        )
        for item in (
            self.title_input,
            self.body_input,
            self.when_input,
            self.repeat_input,
            self.timezone_input,
        ):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        fields = EditFields(
            title=_optional(self.title_input.value),
            body=self.body_input.value,
            when=self.when_input.value.strip(),
            repeat=self.repeat_input.value.strip(),
            timezone=self.timezone_input.value.strip(),
        )
        await self._on_done(interaction, fields)
