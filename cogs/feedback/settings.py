"""The feedback feature's settings: per guild (`/admin config`) and in the file (`feedback:`)."""

from __future__ import annotations

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import SettingSpec, channel_spec


class FileSettings(ConfigSection):
    """The `feedback:` section of the configuration file: how API specs are fetched."""

    spec_timeout_seconds: float = Field(default=10.0, gt=0)
    spec_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("feedback", FileSettings)


SETTING_SPECS: tuple[SettingSpec, ...] = (channel_spec("feedback", "where API feedback is posted"),)
