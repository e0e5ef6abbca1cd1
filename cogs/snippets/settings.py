"""The snippets feature's settings: per guild (`/admin config`) and in the file (`snippets:`)."""

from __future__ import annotations

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import Kind, SettingSpec, channel_spec

SHARES_PER_MINUTE = "snippets.shares_per_minute"
ON_FORGET = "snippets.on_forget"
PAGE_VISIBILITY = "snippets.page_visibility"


class FileSettings(ConfigSection):
    """The `snippets:` section of the configuration file."""

    # The default of the per-guild setting of the same name.
    shares_per_minute: int = Field(default=5, ge=1)
    max_file_bytes: int = Field(default=100_000, ge=1)


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("snippets", FileSettings)


SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("snippets", "where shared snippets are posted"),
    SettingSpec(
        SHARES_PER_MINUTE,
        Kind.INT,
        "how many snippets one member may share per minute",
        5,
        lambda s: file_settings(s).shares_per_minute,
        minimum=1,
        maximum=100,
    ),
    SettingSpec(
        ON_FORGET,
        Kind.CHOICE,
        "what /admin forget does to a member's snippets",
        "anonymise",
        choices=("anonymise", "delete"),
    ),
    SettingSpec(
        PAGE_VISIBILITY,
        Kind.CHOICE,
        "who may open a snippet's web page: signed-in members of the server, or anyone",
        "members",
        choices=("members", "public"),
    ),
)
