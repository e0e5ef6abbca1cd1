"""API feedback: frontend learners report problems with endpoints, backend learners triage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.feedback.commands import FeedbackCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(FeedbackCog(bot))
