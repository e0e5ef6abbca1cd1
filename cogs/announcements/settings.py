"""The per-guild settings the announcements feature owns (`/admin config`)."""

from __future__ import annotations

from bot.guild_settings import SettingSpec, channel_spec

SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("announcements", "where moderators hear about failed posts"),
)
