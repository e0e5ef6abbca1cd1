"""The guild's HTTP shapes: settings with their source, a setting's new value (as typed in
/admin config set), the statistics, audit entries. Ids are strings, times RFC 3339 UTC."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from bot.guild_settings import Kind
from bot.web.fields import UtcTime

if TYPE_CHECKING:
    from bot.audit import AuditRecord
    from bot.guild_settings import SettingValue
    from bot.guild_stats import StatsReport

# A setting's value as JSON: channel and role ids as strings, a channel list as strings.
WireValue = str | int | bool | list[str] | None
ID_KINDS = (Kind.TEXT_CHANNEL, Kind.FORUM_CHANNEL, Kind.ROLE)


class SettingIn(BaseModel):
    """The value option of `/admin config set`, with its limits."""

    value: str = Field(
        min_length=1,
        max_length=100,
        description="the new value, as typed in Discord (a channel or role id or mention, "
        "true/false, a number, a time zone …); 'none' resets it to the default",
        examples=["Europe/Berlin"],
    )


class SettingOut(BaseModel):
    key: str
    kind: str = Field(description="what the setting takes: " + ", ".join(k.value for k in Kind))
    description: str
    value: WireValue
    source: Literal["default", "config file", "set in Discord"] = Field(
        description="where the value comes from (set through the API counts as set in Discord)"
    )
    default: WireValue = Field(description="the built-in default")
    choices: list[str] = Field(description="the values a choice setting takes")
    minimum: int | None
    maximum: int | None


class SettingsOut(BaseModel):
    items: list[SettingOut]


class StatsOut(BaseModel):
    """What /admin stats counts."""

    features: dict[str, dict[str, int]] = Field(description="each feature's own counters")
    core: dict[str, int]
    failed: list[str] = Field(description="features whose counts could not be read")
    database_bytes: int | None = Field(description="the database's size on disk")


class AuditEntryOut(BaseModel):
    id: str
    actor_id: str | None = Field(description="null for an action of Nexus itself")
    action: str
    target: str | None
    details: dict[str, Any] = Field(description="what changed; `via` says discord or api")
    created_at: UtcTime


def wire_value(kind: Kind, value: Any) -> WireValue:
    if value is None:
        return None
    if kind in ID_KINDS:
        return str(int(value))
    if kind is Kind.TEXT_CHANNELS:
        return [str(int(channel_id)) for channel_id in value]
    if isinstance(value, str | int | bool):
        return value
    return str(value)


def setting_out(resolved: SettingValue) -> SettingOut:
    spec = resolved.spec
    return SettingOut(
        key=spec.key,
        kind=spec.kind.value,
        description=spec.description,
        value=wire_value(spec.kind, resolved.value),
        source=resolved.source.value,
        default=wire_value(spec.kind, spec.default),
        choices=list(spec.choices),
        minimum=spec.minimum,
        maximum=spec.maximum,
    )


def stats_out(report: StatsReport, database_bytes: int | None) -> StatsOut:
    return StatsOut(
        features=report.features,
        core=report.core,
        failed=list(report.failed),
        database_bytes=database_bytes,
    )


def audit_entry_out(record: AuditRecord) -> AuditEntryOut:
    return AuditEntryOut(
        id=str(record.id),
        actor_id=None if record.actor_id is None else str(record.actor_id),
        action=record.action,
        target=record.target,
        details=record.details,
        created_at=record.created_at,
    )
