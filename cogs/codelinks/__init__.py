"""Code links: a permalink to lines of a file on GitHub, GitLab, Bitbucket or a gist, posted
where a moderator turned it on, is answered with those lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.codelinks.commands import CodeLinksCog

if TYPE_CHECKING:
    from bot.app import NexusBot


async def setup(bot: NexusBot) -> None:
    await bot.add_cog(CodeLinksCog(bot))
