"""Answer an interaction whether or not it was answered (or deferred) already.

Discord takes one response per interaction; anything after it is a follow-up. Code that may
run either first or after a defer (an error, a modal's result, a long command) answers through
`reply` so it never has to know which.
"""

from __future__ import annotations

from typing import Any

import discord


async def reply(
    interaction: discord.Interaction, content: str | None = None, **options: Any
) -> None:
    """Send `content` (and any of discord.py's send options), ephemeral unless told otherwise."""
    options.setdefault("ephemeral", True)
    if interaction.response.is_done():
        await interaction.followup.send(
            content if content is not None else discord.utils.MISSING, **options
        )
    else:
        await interaction.response.send_message(content, **options)
