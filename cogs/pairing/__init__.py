"""/pair: fair, explained pair-programming rounds and on-demand pairing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.pairing.commands import PairingCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(PairingCog(bot))
