"""The announcements feature's settings: per guild (`/admin config`) and in the file
(`announcements:`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import SettingSpec, channel_spec


class FileSettings(ConfigSection):
    """The `announcements:` section of the configuration file."""

    # Announcements declared in YAML, applied at start (cogs/announcements/file_sync.py).
    file: Path = Path("data/announcements.yaml")
    missed_grace_hours: float = Field(default=6.0, ge=0)
    # How long an announcement's Discord event lasts (Discord needs an end for external events).
    event_minutes: int = Field(default=60, ge=1, le=24 * 60)


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("announcements", FileSettings)


SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("announcements", "where moderators hear about failed posts"),
)
