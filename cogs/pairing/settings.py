"""The per-guild settings the pairing feature owns (`/admin config`)."""

from __future__ import annotations

from bot.guild_settings import Kind, SettingSpec, channel_spec

SCHEDULE = "pairing.schedule"

SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("pairing", "where pairing threads and summaries go"),
    SettingSpec(
        SCHEDULE,
        Kind.CRON,
        "when pairing rounds run (5-field cron, in the guild's time zone)",
        "0 9 * * 1",
        lambda s: s.pairing.default_schedule,
    ),
)
