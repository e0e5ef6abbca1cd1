"""Modal helpers: text inputs that respect Discord's limits, and the base modal."""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import MISSING

from bot.text import (
    CUSTOM_ID_LIMIT,
    MODAL_TITLE_LIMIT,
    TEXT_INPUT_LABEL_LIMIT,
    TEXT_INPUT_PARAGRAPH_LIMIT,
    TEXT_INPUT_PLACEHOLDER_LIMIT,
    truncate,
)
from bot.ui.base import report_error

__all__ = ["NexusModal", "text_input"]


def text_input(
    label: str,
    *,
    custom_id: str,
    default: str | None = None,
    required: bool = True,
    max_length: int | None = None,
    min_length: int | None = None,
    paragraph: bool = False,
    placeholder: str | None = None,
) -> discord.ui.TextInput[Any]:
    """A TextInput that Discord will accept whatever text it is given.

    Discord rejects the whole modal if one field breaks a limit, so the label (45) and
    placeholder (100) are shortened, ``max_length`` is clamped to 1..4000, and a prefilled
    ``default`` is cut to ``max_length`` (plainly, with no "…": it is text the user edits and
    submits back). A ``custom_id`` over 100 characters is a programming error and raises.
    """
    if not custom_id or len(custom_id) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom_id must be 1 to {CUSTOM_ID_LIMIT} characters: {custom_id!r}")
    limit = TEXT_INPUT_PARAGRAPH_LIMIT
    if max_length is not None:
        limit = max(1, min(max_length, TEXT_INPUT_PARAGRAPH_LIMIT))
    if min_length is not None:
        min_length = max(0, min(min_length, limit))
    return discord.ui.TextInput(
        label=truncate(label, TEXT_INPUT_LABEL_LIMIT),
        custom_id=custom_id,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        default=default[:limit] if default is not None else None,
        required=required,
        min_length=min_length,
        max_length=limit if max_length is not None else None,
        placeholder=(
            truncate(placeholder, TEXT_INPUT_PLACEHOLDER_LIMIT) if placeholder is not None else None
        ),
    )


class NexusModal(discord.ui.Modal):
    """Base for every modal: errors in ``on_submit`` reach the bot's one error handler.

    A long title is shortened to Discord's 45 characters instead of failing the modal.
    """

    def __init__(
        self, *, title: str = MISSING, timeout: float | None = None, custom_id: str = MISSING
    ) -> None:
        if title is not MISSING:
            title = truncate(title, MODAL_TITLE_LIMIT)
        super().__init__(title=title, timeout=timeout, custom_id=custom_id)

    # Modal.on_error takes no ``item``; discord.py's own Modal narrows BaseView's signature.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await report_error(interaction, error)
