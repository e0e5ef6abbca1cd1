"""The code links feature's settings: its section of the configuration file (`codelinks:`)
and, per guild, the channels where a moderator turned expansion on (`/admin config`)."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config import ConfigSection
from bot.guild_settings import Kind, SettingSpec

CHANNELS = "codelinks.channels"

SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        CHANNELS,
        Kind.TEXT_CHANNELS,
        "channels where links to lines of code are answered with the lines (empty: nowhere)",
        [],
    ),
)


class FileSettings(ConfigSection):
    # Reading members' links needs Discord's privileged Message Content intent, which the bot
    # requests only when this is on (see the README on enabling it in the Developer Portal).
    enabled: bool = False
    # Lines shown in a reply; the rest of the range is behind the link.
    max_lines: int = Field(default=25, ge=1, le=60)
    # A raw file larger than this is not expanded.
    max_file_bytes: int = Field(default=512_000, ge=1_024, le=10_000_000)
    fetch_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # Files kept in memory, and for how long, so a link posted again is not fetched again.
    cache_entries: int = Field(default=64, ge=1, le=10_000)
    cache_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # Expansions per minute in one guild; more links are left as they are.
    per_guild_per_minute: int = Field(default=10, ge=1, le=600)
    # Where each service's raw files are (a GitHub Enterprise or a mirror may differ), and
    # which hosts are GitLab servers (gitlab.com and any of one's own, as host or host:port).
    github_raw_url: str = "https://raw.githubusercontent.com"
    gist_raw_url: str = "https://gist.githubusercontent.com"
    bitbucket_raw_url: str = "https://bitbucket.org"
    gitlab_hosts: list[str] = Field(default_factory=lambda: ["gitlab.com"])

    @field_validator("github_raw_url", "gist_raw_url", "bitbucket_raw_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        scheme, sep, rest = value.partition("://")
        if not sep or not rest or scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not a URL starting with http:// or https://")
        return value.rstrip("/")

    @field_validator("gitlab_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        return [host.strip().lower() for host in value if host.strip()]
