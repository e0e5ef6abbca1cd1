"""The per-guild settings the feedback feature owns (`/admin config`)."""

from __future__ import annotations

from bot.guild_settings import SettingSpec, channel_spec

SETTING_SPECS: tuple[SettingSpec, ...] = (channel_spec("feedback", "where API feedback is posted"),)
