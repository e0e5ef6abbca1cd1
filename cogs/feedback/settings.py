"""The feedback feature's settings: per guild (`/admin config`) and in the file (`feedback:`)."""

from __future__ import annotations

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import GuildConfig, Kind, SettingSpec, channel_spec

MODE = "feedback.mode"
FORUM = "feedback.forum"
MODES = ("channel", "forum")


class FileSettings(ConfigSection):
    """The `feedback:` section of the configuration file: how API specs are fetched."""

    spec_timeout_seconds: float = Field(default=10.0, gt=0)
    spec_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("feedback", FileSettings)


def mode_of(config: GuildConfig) -> str:
    """ "channel" or "forum": where the guild's new items are posted."""
    return str(config.get(MODE))


def forum_id_of(config: GuildConfig) -> int | None:
    value = config.get(FORUM)
    return int(value) if value is not None else None


SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("feedback", "where API feedback is posted"),
    SettingSpec(
        MODE,
        Kind.CHOICE,
        "channel: each item is a message with a thread; forum: each item is a post in "
        "feedback.forum (changing it moves the open items)",
        "channel",
        choices=MODES,
    ),
    SettingSpec(FORUM, Kind.FORUM_CHANNEL, "the forum whose posts are API feedback items"),
)
