"""Code links: permalinks to lines of a file, answered with the lines where a moderator turned
it on. Thin: the listener hands each message to the flow; the buttons' actions are here.

Reading members' messages takes Discord's privileged Message Content intent; the feature asks
the bot for it (`gateway_intents`) only when `codelinks.enabled` is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.feature import FeatureCog, FeatureStats, ForgetReport
from cogs.codelinks.flows import CodeLinkFlow
from cogs.codelinks.rules import FEATURE
from cogs.codelinks.settings import SETTING_SPECS, FileSettings
from cogs.codelinks.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.app import NexusBot
    from bot.config import Settings


class CodeLinksCog(FeatureCog, name="CodeLinksCog"):
    feature = FEATURE
    setting_specs = SETTING_SPECS

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.settings = bot.settings.section(FEATURE, FileSettings)
        self.flow = CodeLinkFlow(bot, self.settings)

    @classmethod
    def gateway_intents(cls, settings: Settings) -> discord.Intents:
        if settings.section(FEATURE, FileSettings).enabled:
            return discord.Intents(message_content=True)
        return discord.Intents.none()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    # ---- the contract: nothing is stored about anyone ----------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return {}

    async def stats(self, guild_id: int) -> FeatureStats:
        return {}

    # ---- members' messages -------------------------------------------------------------------

    @commands.Cog.listener("on_message")
    async def expand_code_links(self, message: discord.Message) -> None:
        if self.settings.enabled:
            await self.flow.expand(message)

    # ---- button actions (CodeLinkActions: the dynamic items in views.py call them) -----------

    async def save_excerpt(self, interaction: discord.Interaction) -> None:
        await self.flow.save(interaction)

    async def delete_reply(self, interaction: discord.Interaction, poster_id: int) -> None:
        await self.flow.delete(interaction, poster_id)
