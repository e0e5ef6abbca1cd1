"""The snippets feature's settings: per guild (`/admin config`) and in the file (`snippets:`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from bot.config import ConfigSection, Settings
from bot.guild_settings import Kind, SettingSpec, channel_spec

SHARES_PER_MINUTE = "snippets.shares_per_minute"
ON_FORGET = "snippets.on_forget"
PAGE_VISIBILITY = "snippets.page_visibility"
# The search change log keeps this many of its newest changes (a day of them at a write a
# second); at least the changes an index looks at again after a build
# (search_changes.RECHECKED_AFTER_BUILD; tests/unit/test_snippets_search_pruning.py holds the two
# together). The module stays light: every feature's settings are read before the bot starts.
SEARCH_CHANGES_KEPT = 100_000
SEARCH_CHANGES_KEPT_MIN = 1000


class FileSettings(ConfigSection):
    """The `snippets:` section of the configuration file."""

    # The default of the per-guild setting of the same name.
    shares_per_minute: int = Field(default=5, ge=1)
    max_file_bytes: int = Field(default=100_000, ge=1)
    # On PostgreSQL, where each process keeps its search index (a directory per database and
    # set of shards under it). On SQLite the index sits beside the database file.
    search_index_directory: Path = Path("data/search")
    # How many of the newest search changes the log keeps (pruned daily). A process whose
    # index is further behind than that, e.g. one stopped meanwhile, rebuilds it from the table.
    search_changes_kept: int = Field(default=SEARCH_CHANGES_KEPT, ge=SEARCH_CHANGES_KEPT_MIN)


def file_settings(settings: Settings) -> FileSettings:
    return settings.section("snippets", FileSettings)


def search_index_directory(settings: Settings) -> Path | None:
    """Where this process's search index lives; None keeps it in memory (an in-memory
    database)."""
    from sqlalchemy.engine import make_url

    from bot.db import is_sqlite, sqlite_path

    url = settings.database.url
    if is_sqlite(url):
        database_file = sqlite_path(url)
        if database_file is None:
            return None
        return database_file.with_name(database_file.name + ".search")
    shards = settings.discord.shard_ids
    suffix = "" if shards is None else "-shards-" + "-".join(str(shard) for shard in shards)
    return file_settings(settings).search_index_directory / f"{make_url(url).database}{suffix}"


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
