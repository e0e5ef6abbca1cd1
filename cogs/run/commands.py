"""/run, the "Run code" message menu, the result buttons' actions, and running code for other
features (RunsCode: a snippet's ▶ Run and /snippet run come here).

Thin: parse what Discord gives, call the flow, let the one error handler answer refusals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.capabilities import CodeToRun
from bot.code_blocks import fenced_blocks
from bot.errors import UserFacingError
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.permissions import any_install, anywhere, ensure_not_blocked
from cogs.run.flows import RunFlow
from cogs.run.rules import FEATURE, PRUNE_EVERY
from cogs.run.settings import SETTING_SPECS
from cogs.run.views import DYNAMIC_ITEMS, RunModal

if TYPE_CHECKING:
    from bot.app import NexusBot

PRUNE_JOB = "run.prune"


class RunCog(FeatureCog, name="RunCog"):
    feature = FEATURE
    setting_specs = SETTING_SPECS

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.flow = RunFlow(bot)
        # /run and Run code work everywhere: in a server with its run settings, elsewhere (a DM,
        # a private channel) with their defaults and the member's rate (flows.server_of).
        self.run_menu = app_commands.ContextMenu(
            name="Run code",
            callback=self.run_message,
            allowed_contexts=anywhere(),
            allowed_installs=any_install(),
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.run_menu)
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.scheduler.handle(PRUNE_JOB, self.flow.prune)
        self.bot.scheduler.schedule_every(PRUNE_JOB, PRUNE_EVERY, PRUNE_JOB)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.run_menu.name, type=self.run_menu.type)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.scheduler.cancel(PRUNE_JOB)
        self.bot.scheduler.unhandle(PRUNE_JOB)

    # ---- the contract ------------------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return {"code runs deleted": await self.flow.store.forget_member(guild_id, user_id)}

    async def forget_preview(self, guild_id: int) -> str:
        return "the code they ran is deleted"

    async def stats(self, guild_id: int) -> FeatureStats:
        return {"code runs": await self.flow.store.count(guild_id)}

    # ---- RunsCode: what other features ask ---------------------------------------------------

    async def run_for_member(self, interaction: discord.Interaction, code: CodeToRun) -> None:
        await ensure_not_blocked(interaction, FEATURE)
        await self.flow.run_for_member(interaction, code)

    # ---- /run and the message menu -----------------------------------------------------------

    @app_commands.command(name="run", description="Run code: Python, SQL, JavaScript or Bash")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.allowed_installs(guilds=True, users=True)
    async def run(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(RunModal(self._run_typed, self.flow.language_names()))

    async def _run_typed(
        self, interaction: discord.Interaction, language: str, code: str, stdin: str
    ) -> None:
        await self.flow.run_for_member(
            interaction, CodeToRun(code=code, language=language.strip() or None, stdin=stdin)
        )

    async def run_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await ensure_not_blocked(interaction, FEATURE)
        block = next((b for b in fenced_blocks(message.content) if b.body.strip()), None)
        if block is None:
            raise UserFacingError(
                "That message has no ``` fenced code block to run. Put the code between "
                "lines of three backticks, or use /run."
            )
        await self.flow.run_for_member(interaction, CodeToRun(code=block.body, language=block.tag))

    # ---- button actions (RunButtonActions: the dynamic items in views.py call them) ----------

    async def run_again(self, interaction: discord.Interaction, run_id: int) -> None:
        await self.flow.run_again(interaction, run_id)

    async def save_run(self, interaction: discord.Interaction, run_id: int) -> None:
        await self.flow.save(interaction, run_id)

    async def delete_run(self, interaction: discord.Interaction, run_id: int) -> None:
        await self.flow.delete(interaction, run_id)
