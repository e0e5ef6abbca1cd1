"""/announce: scheduled announcements, posted on time and exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.announcements.commands import AnnouncementsCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(AnnouncementsCog(bot))
