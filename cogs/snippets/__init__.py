"""Snippets: share, find and reuse code in the channel (/snippet, "Save as snippet")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.snippets.commands import SnippetsCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(SnippetsCog(bot))
