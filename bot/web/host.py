"""What the web side needs from the running bot, as a Protocol: the bot satisfies it, and the
web side never imports the bot's module (which starts the web server)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import discord

    from bot.audit import AuditService
    from bot.clock import Clock
    from bot.config import Settings
    from bot.db import Database
    from bot.feature import FeatureCog
    from bot.guild_settings import GuildSettingsService
    from bot.guild_stats import StatsService
    from bot.metrics import Metrics
    from bot.permissions import BlockService


class WebHost(Protocol):
    settings: Settings
    clock: Clock
    db: Database
    metrics: Metrics
    blocks: BlockService
    guild_settings: GuildSettingsService
    audit: AuditService
    guild_stats: StatsService

    @property
    def features(self) -> list[FeatureCog]: ...

    def get_guild(self, id: int, /) -> discord.Guild | None: ...
