"""The run feature's per-guild settings (`/admin config`): where code may run, who may run it,
how results are shown and how often a member may run."""

from __future__ import annotations

from bot.guild_settings import Kind, SettingSpec

CHANNELS = "run.channels"
TIER = "run.tier"
VISIBILITY = "run.visibility"
RUNS_PER_MINUTE = "run.runs_per_minute"

TIERS = ("member", "triager", "moderator")
VISIBILITIES = ("public", "ephemeral")

SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        CHANNELS,
        Kind.TEXT_CHANNELS,
        "channels where members may run code (empty: anywhere)",
        [],
    ),
    SettingSpec(TIER, Kind.CHOICE, "who may run code", "member", choices=TIERS),
    SettingSpec(
        VISIBILITY,
        Kind.CHOICE,
        "whether run results are posted for everyone or shown only to the runner",
        "public",
        choices=VISIBILITIES,
    ),
    SettingSpec(
        RUNS_PER_MINUTE,
        Kind.INT,
        "how many runs one member may start per minute",
        5,
        minimum=1,
        maximum=60,
    ),
)
