"""The check that needs the interaction itself: the clicker is still a moderator (the guild's
own checks of channels and roles are `bot.settings_changes`')."""

from __future__ import annotations

import discord

from bot.errors import TierRequired
from bot.permissions import Tier, has_tier


async def ensure_moderator(interaction: discord.Interaction) -> None:
    if not await has_tier(interaction, Tier.MODERATOR):
        raise TierRequired(Tier.MODERATOR.label)
