"""The per-guild settings the snippets feature owns (`/admin config`)."""

from __future__ import annotations

from bot.guild_settings import Kind, SettingSpec, channel_spec

SHARES_PER_MINUTE = "snippets.shares_per_minute"
ON_FORGET = "snippets.on_forget"

SETTING_SPECS: tuple[SettingSpec, ...] = (
    channel_spec("snippets", "where shared snippets are posted"),
    SettingSpec(
        SHARES_PER_MINUTE,
        Kind.INT,
        "how many snippets one member may share per minute",
        5,
        lambda s: s.snippets.shares_per_minute,
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
)
