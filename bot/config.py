"""One validated, typed Settings object, read from a YAML file and the environment.

Order of precedence (highest first): environment variables, the YAML file, defaults.
The YAML file is `$NEXUS_CONFIG`, else `data/config.yaml` when it exists. Environment variables
are `NEXUS_<SECTION>__<KEY>` (e.g. `NEXUS_WEB__PORT=9000`) plus the well-known names
`DISCORD_TOKEN`, `DATABASE_URL`, `DISCORD_API_URL` and `DISCORD_GATEWAY_URL`.

The core declares its own sections here (its memory caps in `bot/memory_settings.py`); each feature
declares its own (`FileSettings` in `cogs/<feature>/settings.py`, the section named after the
feature), validated with the rest.

Secrets (the token) live only in the environment and are `SecretStr`, so they never reach a log,
an error message or `/admin config show`.
"""

from __future__ import annotations

import functools
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.addresses import AllowList
from bot.config_section import ConfigSection as ConfigSection  # noqa: PLC0414 (features import it here)
from bot.durations import parse_duration
from bot.extensions import feature_modules
from bot.memory_settings import MemorySettings

DEFAULT_CONFIG_PATH = Path("data/config.yaml")
DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"

# Environment names kept for compatibility with every other Discord bot's deployment docs.
WELL_KNOWN_ENV: dict[str, tuple[str, ...]] = {
    "DISCORD_TOKEN": ("discord_token",),
    "DATABASE_URL": ("database", "url"),
    "DISCORD_API_URL": ("discord", "api_url"),
    "DISCORD_GATEWAY_URL": ("discord", "gateway_url"),
    "NEXUS_JWT_SECRET": ("web", "jwt_secret"),
}
# Secrets only the environment may hold: a config file gets copied, shared and committed.
ENV_ONLY_SECRETS = {
    ("discord_token",): "DISCORD_TOKEN",
    ("web", "jwt_secret"): "NEXUS_JWT_SECRET",
    ("web", "oauth", "client_secret"): "NEXUS_WEB__OAUTH__CLIENT_SECRET",
}


class ConfigError(Exception):
    """A configuration problem, worded for the person running the bot (one line, no traceback)."""


SectionT = TypeVar("SectionT", bound=ConfigSection)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
        ) from None
    return value


def _check_url(value: str, schemes: tuple[str, ...]) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or not rest or scheme not in schemes:
        raise ValueError(f"{value!r} is not a URL starting with one of {', '.join(schemes)}")
    return value.rstrip("/") if scheme.startswith("http") else value


HttpUrlText = Annotated[str, AfterValidator(lambda value: _check_url(value, ("http", "https")))]


class DatabaseSettings(ConfigSection):
    url: str = "sqlite+aiosqlite:///data/nexus.db"
    echo: bool = False
    # Seconds SQLite waits for a lock before failing a write.
    busy_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value, ("sqlite+aiosqlite", "postgresql+asyncpg"))


class DiscordSettings(ConfigSection):
    api_url: str = DISCORD_API_URL
    gateway_url: str = DISCORD_GATEWAY_URL
    # Guilds to sync commands to instantly; empty means global commands.
    sync_guild_ids: list[int] = Field(default_factory=list)
    # Sharding: None lets discord.py pick; otherwise the total and this process's shard ids.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    # Seconds on_ready waits after the last GUILD_CREATE (discord.py's default is 2).
    guild_ready_timeout: float = Field(default=2.0, ge=0)
    # Seconds to wait before re-identifying after a lost session (discord.py's default is 5).
    reidentify_delay: float = Field(default=5.0, ge=0)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _check_url(value, ("http", "https"))

    @field_validator("gateway_url")
    @classmethod
    def _gateway_url(cls, value: str) -> str:
        return _check_url(value, ("ws", "wss"))


class LogSettings(ConfigSection):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class OAuthSettings(ConfigSection):
    # Sign-in with Discord (off until both are set): the application's OAuth2 client.
    client_id: str | None = Field(default=None, pattern=r"^\d{15,21}$")
    client_secret: SecretStr | None = None
    # Exactly as the application lists it; unset: <public_url>/api/v1/auth/discord/callback.
    redirect_uri: HttpUrlText | None = None
    # Discord's consent page; unset means /oauth2/authorize on discord.api_url's host.
    authorize_url: HttpUrlText | None = None


class WebSettings(ConfigSection):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # The address people open (behind a proxy, https://…); unset: http://<host>:<port>.
    public_url: HttpUrlText | None = None
    # Requests each API token may make a minute (a burst of that many, then refilled evenly).
    api_requests_per_minute: int = Field(default=120, ge=1)
    # Origins whose pages may call the API from a browser (CORS); none by default.
    cors_origins: list[str] = Field(default_factory=list)
    # HS256 key (NEXUS_JWT_SECRET, 32+ characters); unset: generated into the data directory.
    jwt_secret: SecretStr | None = Field(default=None, min_length=32)
    oauth: OAuthSettings = OAuthSettings()


class FetchSettings(ConfigSection):
    # Hosts ("specs.internal") and addresses or ranges ("127.0.0.1/32") the URL fetcher may
    # reach although they are not public internet addresses; empty refuses them all.
    allow: list[str] = Field(default_factory=list)

    @field_validator("allow")
    @classmethod
    def _allow(cls, value: list[str]) -> list[str]:
        AllowList.parse(value)
        return value


class BackupSettings(ConfigSection):
    # Scheduled backups: how often (e.g. 6h, 1d); unset means only `python -m bot db backup`.
    every: timedelta | None = None
    # Scheduled backups kept in `directory`; older ones are deleted. Manual ones are never.
    keep: int = Field(default=7, ge=1)
    directory: Path = Path("data/backups")

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("every")
    @classmethod
    def _often_enough(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError("backups at most once a minute (e.g. 6h or 1d)")
        return value


class RunnerSettings(ConfigSection):
    # Where members' code runs: `local` (a bubblewrap jail on this machine), `piston` or
    # `judge0` (an existing engine at `url`), or `off`.
    backend: Literal["local", "piston", "judge0", "off"] = "local"
    url: str | None = None
    # Judge0's X-Auth-Token or Piston's Authorization header, when the server wants one.
    token: SecretStr | None = None
    # Runs at the same time; 0 means one per CPU core.
    pool_size: int = Field(default=0, ge=0, le=64)
    # Runs that may wait for a free runner before new ones are refused.
    queue_limit: int = Field(default=50, ge=0)
    cpu_seconds: float = Field(default=2.0, gt=0, le=60)
    wall_seconds: float = Field(default=5.0, gt=0, le=120)
    memory_mb: int = Field(default=256, ge=16, le=8192)
    processes: int = Field(default=32, ge=1, le=4096)
    file_size_mb: int = Field(default=16, ge=1, le=1024)
    output_bytes: int = Field(default=1_000_000, ge=1024, le=64_000_000)
    tmp_size_mb: int = Field(default=64, ge=1, le=4096)
    # The host user id jail runs use when the bot itself runs as root (never root inside).
    uid: int = Field(default=65534, ge=1)

    @field_validator("url")
    @classmethod
    def _engine_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value, ("http", "https"))

    @model_validator(mode="after")
    def _url_for_remote(self) -> RunnerSettings:
        if self.backend in ("piston", "judge0") and not self.url:
            raise ValueError(f"runner.backend {self.backend} needs runner.url")
        return self


class Settings(BaseSettings):
    """Everything the bot reads from outside, validated once at start."""

    model_config = SettingsConfigDict(
        env_prefix="NEXUS_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    discord_token: SecretStr | None = None
    timezone: str = "UTC"
    database: DatabaseSettings = DatabaseSettings()
    discord: DiscordSettings = DiscordSettings()
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    fetch: FetchSettings = FetchSettings()
    backup: BackupSettings = BackupSettings()
    runner: RunnerSettings = RunnerSettings()
    memory: MemorySettings = MemorySettings()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)

    def section(self, name: str, model: type[SectionT]) -> SectionT:
        """A feature's own section, as its model (`FileSettings`) validated it at load."""
        value = getattr(self, name, None)
        if isinstance(value, model):
            return value
        if isinstance(value, BaseModel):
            # The feature was reloaded (/admin reload): same fields, a new class object.
            return model.model_validate(value.model_dump())
        return model()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Init values hold the YAML file merged with the well-known variables (see load_settings).
        return (env_settings, init_settings)


def config_path_from_env() -> Path | None:
    explicit = os.environ.get("NEXUS_CONFIG")
    if explicit:
        return Path(explicit)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def _read_yaml(path: Path) -> dict[str, Any]:
    # Imported here: a start configured by its environment alone never parses YAML.
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    for keys, variable in ENV_ONLY_SECRETS.items():
        node: Any = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            secret = ".".join(keys)
            raise ConfigError(f"{path}: {secret} must not be stored in a file; set {variable}")
    return data


def _apply_well_known_env(data: dict[str, Any], environ: os._Environ[str]) -> None:
    for name, path in WELL_KNOWN_ENV.items():
        value = environ.get(name)
        if not value:
            continue
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{'.'.join(path[:-1])} must be a mapping")
        node[path[-1]] = value


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting"
    return f"{source}: {key}: {message}"


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read, merge and validate the configuration; raise ConfigError with one clear line.

    `overrides` are applied over the YAML file (and under NEXUS_* variables), as a test or the
    sandbox command would set them.
    """
    if path is None:
        path = config_path_from_env()
    data: dict[str, Any] = _read_yaml(path) if path is not None else {}
    _apply_well_known_env(data, os.environ)
    _merge(data, overrides)
    try:
        return _settings_model(_feature_sections())(**data)
    except ValidationError as error:
        source = str(path) if path is not None else "environment"
        raise ConfigError(_describe(error, source)) from None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _feature_sections() -> tuple[tuple[str, type[ConfigSection]], ...]:
    """Each feature's section of the file: `FileSettings` in `cogs/<feature>/settings.py`."""
    sections = []
    for module in feature_modules("settings"):
        model = getattr(module, "FileSettings", None)
        if isinstance(model, type) and issubclass(model, ConfigSection):
            sections.append((module.__name__.split(".")[-2], model))
    return tuple(sections)


# A few entries: the features' classes are new each time discord.py re-imports them.
@functools.lru_cache(maxsize=8)
def _settings_model(sections: tuple[tuple[str, type[ConfigSection]], ...]) -> type[Settings]:
    """Settings with the features' sections as fields, so the file and NEXUS_<FEATURE>__<KEY>
    variables are validated (and a misspelt key refused) before the bot starts."""
    if not sections:
        return Settings
    fields: dict[str, Any] = {
        name: (model, Field(default_factory=model)) for name, model in sections
    }
    built: type[Settings] = create_model("Settings", __base__=Settings, **fields)
    return built
