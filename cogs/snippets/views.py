"""The buttons under a posted snippet, the share/edit modal, and the server picker.

The buttons are `DynamicItem`s: their custom ids carry the snippet id (`snippet:star:12`), so
they keep working on messages posted before a restart. Each click goes through
`bot.feature.act_for_feature`: a blocked member is refused, the feature is looked up and seen
through the `SnippetButtonActions` Protocol, and errors reach the bot's one error handler
(discord.py runs a dynamic item's callback outside any view of ours).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, cast

import discord

from bot.feature import act_for_feature
from bot.text import TEXT_INPUT_PARAGRAPH_LIMIT, one_line
from bot.ui import NexusModal, OwnerOnlyView, text_input
from cogs.snippets.drafts import DESCRIPTION_MAX, TITLE_MAX
from cogs.snippets.rules import FEATURE

Button = discord.ui.Button[Any]
DynamicButton = discord.ui.DynamicItem[Button]


class SnippetButtonActions(Protocol):
    """What the buttons under a posted snippet ask of the feature."""

    async def star_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None: ...

    async def send_raw(self, interaction: discord.Interaction, snippet_id: int) -> None: ...

    async def run_from_button(self, interaction: discord.Interaction, snippet_id: int) -> None: ...

    async def delete_from_button(
        self, interaction: discord.Interaction, snippet_id: int
    ) -> None: ...


class HasSnippetButtons(Protocol):
    """The snippets feature, as its buttons find it."""

    @property
    def buttons(self) -> SnippetButtonActions: ...


async def _act_safely(
    interaction: discord.Interaction,
    action: Callable[[SnippetButtonActions], Awaitable[None]],
) -> None:
    """Run a button's action after the feature-block check, errors to the one handler."""
    await act_for_feature(
        interaction, FEATURE, lambda feature: action(cast(HasSnippetButtons, feature).buttons)
    )


def _button(label: str, emoji: str, style: discord.ButtonStyle, custom_id: str) -> Button:
    return discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id)


class StarButton(DynamicButton, template=r"snippet:star:(?P<id>\d+)"):
    def __init__(self, snippet_id: int, stars: int = 0) -> None:
        super().__init__(
            _button(
                f"Star ({stars})", "⭐", discord.ButtonStyle.primary, f"snippet:star:{snippet_id}"
            )
        )
        self.snippet_id = snippet_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StarButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act_safely(
            interaction, lambda actions: actions.star_from_button(interaction, self.snippet_id)
        )


class RawButton(DynamicButton, template=r"snippet:raw:(?P<id>\d+)"):
    def __init__(self, snippet_id: int) -> None:
        super().__init__(
            _button("Raw", "📄", discord.ButtonStyle.secondary, f"snippet:raw:{snippet_id}")
        )
        self.snippet_id = snippet_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RawButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act_safely(
            interaction, lambda actions: actions.send_raw(interaction, self.snippet_id)
        )


class RunButton(DynamicButton, template=r"snippet:run:(?P<id>\d+)"):
    def __init__(self, snippet_id: int) -> None:
        super().__init__(
            _button("Run", "▶️", discord.ButtonStyle.success, f"snippet:run:{snippet_id}")
        )
        self.snippet_id = snippet_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RunButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act_safely(
            interaction, lambda actions: actions.run_from_button(interaction, self.snippet_id)
        )


class DeleteButton(DynamicButton, template=r"snippet:delete:(?P<id>\d+)"):
    def __init__(self, snippet_id: int) -> None:
        super().__init__(
            _button("Delete", "🗑️", discord.ButtonStyle.danger, f"snippet:delete:{snippet_id}")
        )
        self.snippet_id = snippet_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _act_safely(
            interaction, lambda actions: actions.delete_from_button(interaction, self.snippet_id)
        )


DYNAMIC_ITEMS: Final = (StarButton, RawButton, RunButton, DeleteButton)


def snippet_buttons(
    snippet_id: int, stars: int, *, runnable: bool = False, page_url: str | None = None
) -> discord.ui.View:
    """The row under a posted snippet. No timeout: the dynamic items outlive this object.
    `runnable`: the snippet's language runs and a feature that runs code is loaded;
    `page_url`: the snippet's web page, when people can reach it (an Open link)."""
    view = discord.ui.View(timeout=None)
    view.add_item(StarButton(snippet_id, stars))
    if runnable:
        view.add_item(RunButton(snippet_id))
    view.add_item(RawButton(snippet_id))
    if page_url is not None:
        view.add_item(_open_button(page_url))
    view.add_item(DeleteButton(snippet_id))
    return view


def open_link(page_url: str) -> discord.ui.View:
    """Only the Open link: a snippet posted outside its server, where its buttons cannot act."""
    view = discord.ui.View(timeout=None)
    view.add_item(_open_button(page_url))
    return view


def _open_button(page_url: str) -> discord.ui.Button[discord.ui.View]:
    return discord.ui.Button(label="Open", emoji="🌐", url=page_url)


# --- the modal ---------------------------------------------------------------------------------
SubmitHandler = Callable[[discord.Interaction, dict[str, str | None]], Awaitable[None]]


class SnippetModal(NexusModal):
    """Title, language, code, tags and description (Discord's maximum of five inputs).

    Code longer than a text input can hold (4,000 characters: a long file being edited or
    saved from a message) is kept aside and not shown; the other fields stay editable.
    """

    def __init__(
        self,
        *,
        heading: str,
        on_done: SubmitHandler,
        title: str | None = None,
        language: str | None = None,
        code: str | None = None,
        tags: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(title=heading, timeout=900)
        self._on_done = on_done
        self.kept_code: str | None = None
        self.title_input = text_input(
            "Title", custom_id="title", default=title, max_length=TITLE_MAX
        )
        self.language_input = text_input(
            "Language (empty: detect it)",
            custom_id="language",
            default=language,
            required=False,
            max_length=32,
            placeholder="python, ts, go, sql…",
        )
        self.code_input: discord.ui.TextInput[Any] | None = None
        if code is not None and len(code) > TEXT_INPUT_PARAGRAPH_LIMIT:
            self.kept_code = code
        else:
            self.code_input = text_input(
                "Code", custom_id="code", default=code, paragraph=True, min_length=1
            )
        self.tags_input = text_input(
            "Tags (up to 5, comma separated)",
            custom_id="tags",
            default=tags,
            required=False,
            max_length=200,
        )
        self.description_input = text_input(
            "Description",
            custom_id="description",
            default=description,
            required=False,
            paragraph=True,
            max_length=DESCRIPTION_MAX,
        )
        for item in (
            self.title_input,
            self.language_input,
            self.code_input,
            self.tags_input,
            self.description_input,
        ):
            if item is not None:
                self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        code = self.kept_code if self.code_input is None else self.code_input.value
        values: dict[str, str | None] = {
            "title": self.title_input.value,
            "language": self.language_input.value or None,
            "code": code,
            "tags": self.tags_input.value or None,
            "description": self.description_input.value or None,
        }
        await self._on_done(interaction, values)


# --- choosing the server, outside one ----------------------------------------------------------
PickHandler = Callable[[discord.Interaction, str], Awaitable[None]]
SELECT_OPTIONS_MAX: Final = 25


class ServerPicker(OwnerOnlyView):
    """Which server keeps a snippet saved outside one (a DM, a private channel): a select of
    the member's servers. A modal has no room left for it (five inputs), so the pick comes
    first and opens the modal; a cancelled modal can be opened again by picking again."""

    def __init__(self, owner_id: int, servers: list[tuple[int, str]], on_pick: PickHandler) -> None:
        super().__init__(owner_id, timeout=300)
        self._on_pick = on_pick
        self._select: discord.ui.Select[ServerPicker] = discord.ui.Select(
            placeholder="Choose the server that keeps it",
            options=[
                discord.SelectOption(label=one_line(name, 100), value=str(guild_id))
                for guild_id, name in servers[:SELECT_OPTIONS_MAX]
            ],
        )
        self._select.callback = self._picked  # type: ignore[method-assign]
        self.add_item(self._select)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await self._on_pick(interaction, self._select.values[0])
