"""/admin: setup, settings, audit, data rights, blocks and maintenance (moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin.commands import AdminCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(AdminCog(bot))
