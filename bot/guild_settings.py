"""Per-guild settings: one registry of keys, one service every feature reads them through.

A value comes from one of three places, in this order: set in Discord (stored in the
`guild_settings` table), the configuration file (`Settings`), or the built-in default. `/admin
config show` reports which. Values are kept as JSON in the table and typed on the way out.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from bot.cron import validate_cron
from bot.errors import NotFoundError, UserFacingError
from bot.in_place_writes import in_place_writes
from bot.lru import LruDict
from bot.models import GuildSetting
from bot.timezones import resolve_timezone

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.config import Settings

log = logging.getLogger(__name__)


class Kind(StrEnum):
    TEXT_CHANNEL = "text channel"
    # Several text channels (stored as a list of ids); empty means "anywhere".
    TEXT_CHANNELS = "text channels"
    # A forum channel (a feature that keeps each item as a forum post).
    FORUM_CHANNEL = "forum channel"
    ROLE = "role"
    TIMEZONE = "time zone"
    BOOL = "true/false"
    INT = "whole number"
    CHOICE = "choice"
    CRON = "cron expression"


class Source(StrEnum):
    DEFAULT = "default"
    FILE = "config file"
    DISCORD = "set in Discord"


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: Kind
    description: str
    default: Any = None
    # Reads a default from the configuration file, when the file has a say in this key.
    from_file: Callable[[Settings], Any] | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


# The core's own settings; each feature registers its own (`FeatureCog.setting_specs`).
CORE_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("timezone", Kind.TIMEZONE, "the guild's time zone", "UTC", lambda s: s.timezone),
    SettingSpec("roles.moderator", Kind.ROLE, "members with this role are moderators"),
    SettingSpec("roles.triager", Kind.ROLE, "members with this role triage API feedback"),
    SettingSpec(
        "privacy.forget_on_leave",
        Kind.BOOL,
        "forget a member's personal data after they leave the server",
        False,
    ),
    SettingSpec(
        "privacy.forget_delay_days",
        Kind.INT,
        "days to wait after a member leaves before forgetting them",
        30,
        minimum=0,
        maximum=365,
    ),
)


def channel_spec(feature: str, description: str) -> SettingSpec:
    """The `channels.<feature>` setting a feature posts in (`GuildConfig.channel_id` reads it)."""
    return SettingSpec(f"channels.{feature}", Kind.TEXT_CHANNEL, description)


@dataclass(frozen=True)
class SettingValue:
    spec: SettingSpec
    value: Any
    source: Source


@dataclass(frozen=True)
class GuildConfig:
    """Every setting of one guild, resolved. Features read the typed properties."""

    guild_id: int
    values: dict[str, SettingValue] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key].value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.get("timezone"))

    def channel_id(self, feature: str) -> int | None:
        value = self.get(f"channels.{feature}")
        return int(value) if value is not None else None

    @property
    def moderator_role_id(self) -> int | None:
        value = self.get("roles.moderator")
        return int(value) if value is not None else None

    @property
    def triager_role_id(self) -> int | None:
        value = self.get("roles.triager")
        return int(value) if value is not None else None


def parse_value(spec: SettingSpec, raw: str) -> Any:
    """Turn what a moderator typed into the stored value, or explain why it is wrong.

    Channel and role keys take an id or a mention; checking that the id exists in the guild is
    the caller's job, since it needs Discord.
    """
    text = raw.strip()
    if spec.kind is Kind.TEXT_CHANNELS:
        return parse_channel_list(spec.key, text)
    if spec.kind in (Kind.TEXT_CHANNEL, Kind.FORUM_CHANNEL, Kind.ROLE):
        if text.lower() in ("", "none", "unset"):
            return None
        digits = re.fullmatch(r"<#(\d+)>|<@&(\d+)>|(\d{15,21})", text)
        if digits is None:
            raise UserFacingError(f"`{spec.key}` takes a {spec.kind} mention or id.")
        return int(next(group for group in digits.groups() if group))
    if spec.kind is Kind.TIMEZONE:
        # A name looked up in the list of known zones, never opened as a file: ZoneInfo() of a
        # 6,000-character value failed with "File name too long".
        return resolve_timezone(text)
    if spec.kind is Kind.BOOL:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise UserFacingError(f"`{spec.key}` takes true or false.")
    if spec.kind is Kind.INT:
        try:
            number = int(text)
        except ValueError:
            raise UserFacingError(f"`{spec.key}` takes a whole number.") from None
        if spec.minimum is not None and number < spec.minimum:
            raise UserFacingError(f"`{spec.key}` must be at least {spec.minimum}.")
        if spec.maximum is not None and number > spec.maximum:
            raise UserFacingError(f"`{spec.key}` must be at most {spec.maximum}.")
        return number
    if spec.kind is Kind.CHOICE:
        if text.lower() not in spec.choices:
            raise UserFacingError(f"`{spec.key}` takes one of: {', '.join(spec.choices)}.")
        return text.lower()
    if spec.kind is Kind.CRON:
        return validate_cron(text)
    raise AssertionError(f"unhandled kind {spec.kind}")


def typed_value(spec: SettingSpec, value: Any) -> str:
    """What a moderator would type for the stored `value`: `parse_value` reads it back as the
    same value (the web's confirmation carries a parsed value this way)."""
    if value is None:
        return "none"
    if spec.kind is Kind.TEXT_CHANNELS:
        return " ".join(str(int(channel_id)) for channel_id in value) or "anywhere"
    if spec.kind is Kind.BOOL:
        return "true" if value else "false"
    return str(value)


# More would not fit a readable setting line; a guild that wants that many wants "anywhere".
CHANNEL_LIST_MAX = 25
_CHANNEL_ITEM = re.compile(r"<#(\d{15,21})>|(\d{15,21})")


def parse_channel_list(key: str, text: str) -> list[int]:
    """`#a #b`, mentions or ids separated by spaces or commas; `anywhere` (or none) is []."""
    if text.lower() in ("", "none", "unset", "anywhere", "all"):
        return []
    items = [item for item in re.split(r"[\s,]+", text) if item]
    found: list[int] = []
    for item in items:
        match = _CHANNEL_ITEM.fullmatch(item)
        if match is None:
            raise UserFacingError(
                f"`{key}` takes channel mentions or ids separated by spaces, or `anywhere`."
            )
        channel_id = int(match.group(1) or match.group(2))
        if channel_id not in found:
            found.append(channel_id)
    if len(found) > CHANNEL_LIST_MAX:
        raise UserFacingError(f"`{key}` takes at most {CHANNEL_LIST_MAX} channels.")
    return found


# Called after a guild's settings changed: (guild id, the keys that changed).
ChangeCallback = Callable[[int, frozenset[str]], Awaitable[None]]
# More writes that belong with a change, in its transaction (its audit row).
AlsoWrite = Callable[["AsyncSession"], Awaitable[None]]


class GuildSettingsService:
    """Reads and writes per-guild settings, with a small in-process cache.

    The registry starts with the core's keys; features add theirs (`register`) when they load.
    The cache is per process; a value changed by another process sharing the database is seen
    after at most `ttl_seconds`. `on_change` callbacks hear changes made through this process.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        ttl_seconds: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._ttl = ttl_seconds
        self._cache: LruDict[int, tuple[float, GuildConfig]] = LruDict(
            settings.memory.guilds_cached
        )
        self._specs: dict[str, SettingSpec] = {spec.key: spec for spec in CORE_SPECS}
        self._listeners: list[ChangeCallback] = []
        # This process's writes per guild: a read that a write overtook keeps nothing.
        self._writes: dict[int, int] = {}

    # ---- the registry ------------------------------------------------------------------------

    def register(self, specs: Iterable[SettingSpec]) -> None:
        """Add (or replace, on a reload) settings a feature owns."""
        for spec in specs:
            self._specs[spec.key] = spec
        self._cache.clear()

    def unregister(self, specs: Iterable[SettingSpec]) -> None:
        for spec in specs:
            self._specs.pop(spec.key, None)
        self._cache.clear()

    def specs(self) -> list[SettingSpec]:
        """Every registered setting, by key (so a guild's list reads the same whatever order the
        features loaded in)."""
        return [self._specs[key] for key in sorted(self._specs)]

    def spec(self, key: str) -> SettingSpec:
        """The setting called `key`, or a friendly error naming the ones there are."""
        found = self._specs.get(key.strip())
        if found is None:
            known = ", ".join(f"`{k}`" for k in sorted(self._specs))
            raise NotFoundError(f"There is no setting called `{key[:64]}`. Settings: {known}.")
        return found

    def on_change(self, callback: ChangeCallback) -> Callable[[], None]:
        """Call `callback` after every change; returns the function that stops it."""
        self._listeners.append(callback)

        def stop() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return stop

    async def _changed(self, guild_id: int, keys: Iterable[str]) -> None:
        changed = frozenset(keys)
        for listener in list(self._listeners):
            try:
                await listener(guild_id, changed)
            except Exception:
                # The change is stored; a listener that fails must not make it look refused.
                log.exception("a settings listener failed for guild %s, keys %s", guild_id, changed)

    # ---- values ------------------------------------------------------------------------------

    def fallback(self, spec: SettingSpec) -> SettingValue:
        """The value `spec` has when nothing is set in Discord: the file's, or the default."""
        if spec.from_file is not None:
            file_value = spec.from_file(self._settings)
            if file_value != spec.default:
                return SettingValue(spec, file_value, Source.FILE)
        return SettingValue(spec, spec.default, Source.DEFAULT)

    async def get(self, guild_id: int) -> GuildConfig:
        cached = self._cache.get(guild_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        for _ in range(3):
            writes = self._writes.get(guild_id, 0)
            config = await self._read(guild_id)
            # A write committed while this read was out may be missing from it; kept, it
            # would hide that write for the cache's lifetime. Read again.
            if self._writes.get(guild_id, 0) == writes:
                self._cache[guild_id] = (time.monotonic(), config)
                return config
        return await self._read(guild_id)  # writes kept overtaking: answer, keep nothing

    async def _read(self, guild_id: int) -> GuildConfig:
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(GuildSetting).where(GuildSetting.guild_id == guild_id))
            ).all()
        stored = {row.key: json.loads(row.value) for row in rows}
        values = {
            spec.key: SettingValue(spec, stored[spec.key], Source.DISCORD)
            if spec.key in stored
            else self.fallback(spec)
            for spec in self.specs()
        }
        return GuildConfig(guild_id, values)

    async def set(
        self,
        guild_id: int,
        key: str,
        value: Any,
        actor_id: int | None,
        *,
        also: AlsoWrite | None = None,
    ) -> None:
        """Store an already-parsed value (see `parse_value`); None removes the override."""
        await self.set_many(guild_id, {key: value}, actor_id, also=also)

    async def set_many(
        self,
        guild_id: int,
        values: dict[str, Any],
        actor_id: int | None,
        *,
        also: AlsoWrite | None = None,
    ) -> None:
        by_key = {self.spec(key).key: value for key, value in values.items()}
        async with in_place_writes(self._sessions).session() as session:
            for key, value in by_key.items():
                await self._write(session, guild_id, key, value, actor_id)
            if also is not None:
                await also(session)
        self._writes[guild_id] = self._writes.get(guild_id, 0) + 1
        self._keep_in_cache(guild_id, by_key)
        await self._changed(guild_id, by_key)

    def _keep_in_cache(self, guild_id: int, by_key: dict[str, Any]) -> None:
        """Put what was just stored into the kept copy, as reading it back would give it
        (through JSON, as stored), instead of reading every setting again. The copy keeps its
        age: others' changes still show when it expires, as before."""
        cached = self._cache.get(guild_id)
        if cached is None:
            return
        read_at, config = cached
        values = dict(config.values)
        for key, value in by_key.items():
            spec = self._specs[key]
            values[key] = (
                SettingValue(spec, json.loads(json.dumps(value)), Source.DISCORD)
                if value is not None
                else self.fallback(spec)
            )
        self._cache[guild_id] = (read_at, GuildConfig(guild_id, values))

    async def _write(
        self, session: AsyncSession, guild_id: int, key: str, value: Any, actor_id: int | None
    ) -> None:
        await session.execute(
            delete(GuildSetting).where(GuildSetting.guild_id == guild_id, GuildSetting.key == key)
        )
        if value is not None:
            session.add(
                GuildSetting(
                    guild_id=guild_id, key=key, value=json.dumps(value), updated_by=actor_id
                )
            )

    def forget_cache(self, guild_id: int | None = None) -> None:
        if guild_id is None:
            self._cache.clear()
        else:
            self._cache.pop(guild_id, None)
