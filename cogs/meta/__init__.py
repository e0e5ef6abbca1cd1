"""/nexus: ping, help and about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.meta.commands import MetaCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(MetaCog(bot))
