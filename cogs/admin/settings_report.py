"""The settings report: every registered setting with its value as a moderator reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.guild_settings import GuildConfig, Kind, Source


@dataclass(frozen=True)
class SettingLine:
    key: str
    description: str
    shown_value: str
    source: Source


def describe_value(kind: Kind, value: Any) -> str:
    """A setting's value as a moderator reads it; mentions render as names in embeds, never ping."""
    if value is None:
        return "not set"
    if kind is Kind.TEXT_CHANNEL:
        return f"<#{int(value)}>"
    if kind is Kind.ROLE:
        return f"<@&{int(value)}>"
    if kind is Kind.BOOL:
        return "on" if value else "off"
    if hasattr(value, "get_secret_value"):
        # Defensive: a secret must never be shown, even if a feature registers one.
        return "(secret, hidden)"
    return f"`{value}`"


def settings_report(config: GuildConfig) -> list[SettingLine]:
    """Every registered setting, in registry order, with its value and where it came from."""
    lines = []
    for resolved in config.values.values():
        spec = resolved.spec
        lines.append(
            SettingLine(
                spec.key,
                spec.description,
                describe_value(spec.kind, resolved.value),
                resolved.source,
            )
        )
    return lines
