"""Run code: /run, the "Run code" message menu and the result buttons; other features' ▶ Run
buttons come here through the RunsCode capability."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.run.commands import RunCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(RunCog(bot))
