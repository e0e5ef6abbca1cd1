"""Running code for a member: the guild's policy, the language, the queue, the result message.

Everything that can refuse a run is checked before the interaction is answered, so a refusal is
one ephemeral line and leaves nothing behind; the run is recorded when it is accepted and
completed when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import discord

from bot.capabilities import CodeToRun, KeepsSnippets, SnippetOffer, capability, offered
from bot.errors import NotFoundError, UserFacingError
from bot.markdown import safe_truncate
from bot.permissions import Tier, has_tier
from bot.runner.records import LanguageStatus, RunnerUnavailable, RunRequest
from cogs.run.render import queued_line, result_message
from cogs.run.rules import CODE_MAX_CHARS, NO_SERVER, RETENTION, STDIN_MAX_CHARS
from cogs.run.settings import CHANNELS, RUNS_PER_MINUTE, TIER, VISIBILITY
from cogs.run.store import RunStore
from cogs.run.views import result_buttons

if TYPE_CHECKING:
    from bot.app import NexusBot
    from bot.guild_settings import GuildConfig
    from bot.runner.records import CodeRunner
    from cogs.run.records import StoredRun

# Of Discord's 3 s to answer, what waiting for the runner's own start may take.
START_WAIT_SECONDS = 1.5
TIERS = {"member": Tier.MEMBER, "triager": Tier.TRIAGER, "moderator": Tier.MODERATOR}
NO_MENTIONS = discord.AllowedMentions.none()


def server_of(interaction: discord.Interaction) -> int:
    """The server a run belongs to: where it was started, when Nexus is in it, else none."""
    guild_id = interaction.guild_id
    if guild_id is not None and interaction.client.get_guild(guild_id) is not None:
        return guild_id
    return NO_SERVER


class RunFlow:
    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.store = RunStore(bot.db.sessions, bot.clock)

    @property
    def runner(self) -> CodeRunner:
        return self.bot.runner

    # ---- checks, before anything is answered or stored ---------------------------------------

    async def check_allowed(self, interaction: discord.Interaction, config: GuildConfig) -> None:
        channels: list[int] = config.get(CHANNELS) or []
        here = {interaction.channel_id}
        if isinstance(interaction.channel, discord.Thread):
            here.add(interaction.channel.parent_id)
        if channels and not here & set(channels):
            where = " ".join(f"<#{channel_id}>" for channel_id in channels)
            raise UserFacingError(f"Code can't run in this channel; try {where}.")
        tier = TIERS[config.get(TIER)]
        if not await has_tier(interaction, tier):
            raise UserFacingError(f"Running code is for {tier.label} in this server.")

    def language_names(self) -> str:
        names = [status.name for status in self.runner.languages() if status.available]
        return ", ".join(names) if names else "none right now"

    async def detect(self, interaction: discord.Interaction, code: CodeToRun) -> str | None:
        """The language the member named, else the snippet feature's guess."""
        if code.language is not None:
            return code.language
        keeper = offered(interaction.client, KeepsSnippets)
        if keeper is None:
            return None
        # Detection reads the code with Pygments: off the loop for long code.
        return await asyncio.to_thread(keeper.detect_language, code.code)

    def resolve(self, name: str | None) -> LanguageStatus:
        reason = self.runner.unavailable_reason
        if reason is not None:
            raise RunnerUnavailable(f"Running code is off: {reason}.")
        if name is None:
            raise UserFacingError(
                f"I couldn't tell which language this is; name it ({self.language_names()})."
            )
        status = self.runner.resolve_language(name)
        if status is None:
            raise UserFacingError(
                f"I can't run {safe_truncate(name, 32)} code. I can run: {self.language_names()}."
            )
        if not status.available:
            raise RunnerUnavailable(f"{status.label} can't run here: {status.reason}.")
        return status

    @staticmethod
    def check_sizes(code: CodeToRun) -> None:
        if not code.code.strip():
            raise UserFacingError("There is no code to run.")
        if len(code.code) > CODE_MAX_CHARS:
            raise UserFacingError(
                f"That code is {len(code.code):,} characters; a run takes at most "
                f"{CODE_MAX_CHARS:,}."
            )
        if len(code.stdin) > STDIN_MAX_CHARS:
            raise UserFacingError(f"The input can be at most {STDIN_MAX_CHARS:,} characters.")

    # ---- a run -------------------------------------------------------------------------------

    async def run_for_member(self, interaction: discord.Interaction, code: CodeToRun) -> None:
        guild_id = server_of(interaction)
        config = await self.bot.guild_settings.get(guild_id)
        if guild_id != NO_SERVER:
            await self.check_allowed(interaction, config)
        self.check_sizes(code)
        await self._started()
        language = self.resolve(await self.detect(interaction, code))
        fixture = await self._fixture(interaction, guild_id, language)
        run_id = await self.store.accept(
            guild_id=guild_id,
            user_id=interaction.user.id,
            language=language.name,
            code=code.code,
            stdin=code.stdin,
            snippet_id=code.snippet_id,
            title=code.title,
            runs_per_minute=config.get(RUNS_PER_MINUTE),
        )
        ephemeral = config.get(VISIBILITY) == "ephemeral"
        try:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)

            async def show_position(position: int) -> None:
                await interaction.edit_original_response(content=queued_line(position))

            result = await self.runner.run(
                RunRequest(language.name, code.code, code.stdin, fixture),
                on_queued=show_position,
            )
        except BaseException:
            await self.store.withdraw(run_id)
            raise
        rendered = result_message(
            run_id=run_id,
            language_label=language.label,
            title=code.title,
            result=result,
            limits=self.runner.limits,
        )
        view = result_buttons(
            run_id,
            can_save=offered(self.bot, KeepsSnippets) is not None,
            # Outside a server the result is the member's own (a DM) or sits where Nexus can't
            # delete messages (a private channel, reached by the member's installation).
            can_delete=not ephemeral and guild_id != NO_SERVER,
        )
        message = await interaction.edit_original_response(
            content=None,
            embed=rendered.embed,
            attachments=rendered.files,
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        # One write for the result and where it is shown (Delete finds it there).
        await self.store.finish(
            run_id, result, None if ephemeral else (message.channel.id, message.id)
        )

    async def _started(self) -> None:
        """The runner's check of itself (a trial jail, a remote server's hello) is done; it
        runs in the background from start-up, so this is instant unless a remote server is
        slow, and then the member hears so before Discord's 3 s run out."""
        try:
            await asyncio.wait_for(asyncio.shield(self.runner.start()), START_WAIT_SECONDS)
        except TimeoutError:
            raise UserFacingError(
                "The code runner is still starting; try again in a moment."
            ) from None

    async def _fixture(
        self, interaction: discord.Interaction, guild_id: int, language: LanguageStatus
    ) -> str:
        if language.name != "sql" or guild_id == NO_SERVER:
            return ""
        keeper = offered(interaction.client, KeepsSnippets)
        if keeper is None:
            return ""
        return await keeper.sql_fixture(guild_id) or ""

    # ---- the buttons -------------------------------------------------------------------------

    async def stored(self, interaction: discord.Interaction, run_id: int) -> StoredRun:
        run = await self.store.get(server_of(interaction), run_id)
        if run is None:
            raise NotFoundError(
                "That run is no longer kept (runs are kept "
                f"{RETENTION.days} days); run the code again with /run."
            )
        return run

    async def run_again(self, interaction: discord.Interaction, run_id: int) -> None:
        run = await self.stored(interaction, run_id)
        await self.run_for_member(
            interaction,
            CodeToRun(
                code=run.code,
                language=run.language,
                stdin=run.stdin,
                snippet_id=run.snippet_id,
                title=run.title,
            ),
        )

    async def save(self, interaction: discord.Interaction, run_id: int) -> None:
        keeper = capability(
            interaction, KeepsSnippets, "Saving snippets isn't available right now."
        )
        run = await self.stored(interaction, run_id)
        label = self._label(run.language)
        description = f"Output:\n{run.output_excerpt}" if run.output_excerpt else None
        await keeper.offer_snippet(
            interaction,
            SnippetOffer(
                code=run.code,
                language=run.language,
                title=run.title or f"{label} code",
                description=description,
            ),
        )

    async def delete(self, interaction: discord.Interaction, run_id: int) -> None:
        run = await self.stored(interaction, run_id)
        if interaction.user.id != run.user_id and not await has_tier(interaction, Tier.MODERATOR):
            raise UserFacingError("Only the member who ran this code or a moderator can delete it.")
        if interaction.message is not None:
            # Someone else may have deleted it a moment ago; either way it is gone.
            with contextlib.suppress(discord.NotFound):
                await interaction.message.delete()
        await interaction.response.send_message("Deleted the run's result.", ephemeral=True)

    def _label(self, language: str) -> str:
        status = self.runner.resolve_language(language)
        return status.label if status is not None else language

    async def prune(self) -> int:
        return await self.store.prune(RETENTION)
