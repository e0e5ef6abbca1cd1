"""The pairing feature's settings: per guild (`/admin config`) and in the file (`pairing:`)."""

from __future__ import annotations

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import Kind, SettingSpec, channel_spec
from cogs.pairing.round_model import MODES

SCHEDULE = "pairing.schedule"
NOTICE_HOURS = "pairing.notice_hours"
MODE = "pairing.mode"
# A round's notice goes out at most a week ahead (rounds are usually weekly).
NOTICE_HOURS_MAX = 168


class FileSettings(ConfigSection):
    """The `pairing:` section of the configuration file."""

    # The default of the per-guild `pairing.schedule`.
    default_schedule: str = "0 9 * * 1"
    queue_wait_minutes: int = Field(default=15, ge=1)
    # Matching runs in a worker process so the bot keeps answering while a round is computed.
    use_process_pool: bool = True


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("pairing", FileSettings)


SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("pairing", "where pairing threads and summaries go"),
    SettingSpec(
        SCHEDULE,
        Kind.CRON,
        "when pairing rounds run (5-field cron, in the guild's time zone)",
        "0 9 * * 1",
        lambda s: file_settings(s).default_schedule,
    ),
    SettingSpec(
        NOTICE_HOURS,
        Kind.INT,
        "hours before a round its notice (Skip this round, Pause until…) is posted; 0 = none",
        24,
        minimum=0,
        maximum=NOTICE_HOURS_MAX,
    ),
    SettingSpec(
        MODE,
        Kind.CHOICE,
        "who rounds prefer to pair: mixed, cross-track (backend with frontend) or same-track",
        "mixed",
        choices=MODES,
    ),
)
