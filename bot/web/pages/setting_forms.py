"""The settings page's rows: every registered setting with its value as a moderator reads it
(channel and role names, not ids), its source, and the control that edits it — a select where
the setting has a fixed set of values (choices, on/off, the server's channels and roles), a
text box where it takes what `/admin config set` takes as text.

Grouped by the feature whose contract registered the key (the core's own first), read from
the registry and the loaded features: no feature is named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import discord

from bot.guild_settings import CORE_SPECS, Kind, Source, typed_value

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.feature import FeatureCog
    from bot.guild_settings import GuildConfig, SettingSpec, SettingValue

CORE_GROUP: Final = "core"
UNOWNED_GROUP: Final = "other"
# The longest value /admin config set takes (its option's limit).
VALUE_MAX_LENGTH: Final = 100
# The kinds whose parser reads `none` as "nothing set here" (a channel, a role).
RESETTABLE: Final = frozenset(
    {Kind.TEXT_CHANNEL, Kind.TEXT_CHANNELS, Kind.FORUM_CHANNEL, Kind.ROLE}
)
SOURCE_WORDS: Final = {
    Source.DEFAULT: "default",
    Source.FILE: "config file",
    Source.DISCORD: "set in Discord",
}


@dataclass(frozen=True)
class Option:
    value: str  # sent as typed; the one equal to the row's `typed` is selected
    label: str


@dataclass(frozen=True)
class SettingRow:
    key: str
    anchor: str  # the row's HTML id
    description: str
    kind: str
    shown: str
    source: str
    from_file: bool
    resettable: bool  # takes `none`, which goes back to the file's value or the default
    typed: str  # the current value as /admin config set would take it
    options: tuple[Option, ...]  # none: a text box
    number: bool
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class SettingGroup:
    name: str
    rows: tuple[SettingRow, ...]


def anchor_of(key: str) -> str:
    return "setting-" + key.replace(".", "-")


def _channel_name(guild: discord.Guild, channel_id: Any) -> str:
    channel = guild.get_channel(int(channel_id))
    return f"#{channel.name}" if channel is not None else f"a channel that is gone ({channel_id})"


def shown_value(guild: discord.Guild, kind: Kind, value: Any) -> str:
    """A setting's value as a moderator reads it on a page: names, not ids or mentions."""
    if value is None:
        return "not set"
    if kind is Kind.TEXT_CHANNELS:
        return " ".join(_channel_name(guild, channel_id) for channel_id in value) or "anywhere"
    if kind in (Kind.TEXT_CHANNEL, Kind.FORUM_CHANNEL):
        return _channel_name(guild, value)
    if kind is Kind.ROLE:
        role = guild.get_role(int(value))
        return f"@{role.name}" if role is not None else f"a role that is gone ({value})"
    if kind is Kind.BOOL:
        return "on" if value else "off"
    return str(value)


def source_words(source: Source) -> str:
    return SOURCE_WORDS[source]


def _choices(guild: discord.Guild, spec: SettingSpec) -> list[tuple[str, str]]:
    """The values a select offers, as (what is sent, what is shown); none for a text box."""
    if spec.kind is Kind.CHOICE:
        return [(choice, choice) for choice in spec.choices]
    if spec.kind is Kind.BOOL:
        return [("true", "on"), ("false", "off")]
    if spec.kind is Kind.ROLE:
        roles = sorted(
            (role for role in guild.roles if not role.is_default()),
            key=lambda role: -role.position,
        )
        return [("none", "not set"), *((str(role.id), f"@{role.name}") for role in roles)]
    wanted = {Kind.TEXT_CHANNEL: discord.TextChannel, Kind.FORUM_CHANNEL: discord.ForumChannel}
    channel_type = wanted.get(spec.kind)
    if channel_type is None:
        return []
    channels = sorted(
        (channel for channel in guild.channels if isinstance(channel, channel_type)),
        key=lambda channel: (channel.position, channel.name),
    )
    return [("none", "not set"), *((str(c.id), f"#{c.name}") for c in channels)]


def setting_row(guild: discord.Guild, resolved: SettingValue) -> SettingRow:
    spec = resolved.spec
    typed = typed_value(spec, resolved.value)
    options = tuple(Option(value, label) for value, label in _choices(guild, spec))
    return SettingRow(
        key=spec.key,
        anchor=anchor_of(spec.key),
        description=spec.description,
        kind=spec.kind.value,
        shown=shown_value(guild, spec.kind, resolved.value),
        source=source_words(resolved.source),
        from_file=resolved.source is Source.FILE,
        resettable=spec.kind in RESETTABLE,
        typed=typed,
        options=options,
        number=spec.kind is Kind.INT,
        minimum=spec.minimum,
        maximum=spec.maximum,
    )


def setting_groups(
    guild: discord.Guild, config: GuildConfig, features: Iterable[FeatureCog]
) -> list[SettingGroup]:
    """Every setting of `config`, grouped by the feature that registered it, the core's
    first, then the features by name."""
    owners = {spec.key: feature.feature for feature in features for spec in feature.setting_specs}
    owners.update({spec.key: CORE_GROUP for spec in CORE_SPECS})
    grouped: dict[str, list[SettingRow]] = {}
    for resolved in config.values.values():
        group = owners.get(resolved.spec.key, UNOWNED_GROUP)
        grouped.setdefault(group, []).append(setting_row(guild, resolved))
    names = sorted(grouped, key=lambda name: (name != CORE_GROUP, name == UNOWNED_GROUP, name))
    return [SettingGroup(name, tuple(grouped[name])) for name in names]
