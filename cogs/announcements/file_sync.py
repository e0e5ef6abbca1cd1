"""Announcements declared in a YAML file (`announcements.file` in the config), applied at start.

Each entry has a `key`, unique per guild. At every start the file is compared with the
database by key: new keys are created, changed entries updated (their next run recomputed),
keys no longer in the file cancelled. An unchanged entry is left alone (its content hash is
stored), so restarting twice changes nothing. A missing file changes nothing either — only an
existing file that no longer lists a key removes it. See data/announcements.example.yaml.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import UserFacingError
from cogs.announcements.records import AnnouncementInfo, Draft

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from zoneinfo import ZoneInfo

    from cogs.announcements.store import AnnouncementStore

log = logging.getLogger(__name__)


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=100)
    guild_id: int
    channel_id: int
    when: str
    message: str = Field(min_length=1)
    title: str | None = None
    repeat: str = "none"
    timezone: str | None = None
    ping_role_id: int | None = None
    missed: Literal["post_late", "skip"] = "post_late"
    # Also a Discord scheduled event; its post pings the event's interested members.
    event: bool = False
    ping_interested: bool = False

    @field_validator("when", mode="before")
    @classmethod
    def _when_as_text(cls, value: object) -> object:
        # YAML reads an unquoted `2026-12-04 16:00:00` as a datetime: keep it as typed.
        if isinstance(value, date):
            return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        return value

    def draft(self) -> Draft:
        return Draft(
            channel_id=self.channel_id,
            when=str(self.when),
            body=self.message,
            title=self.title,
            repeat=self.repeat,
            timezone=self.timezone,
            ping_role_id=self.ping_role_id,
            missed=self.missed,
            event=self.event,
            ping_interested=self.ping_interested,
        )


class AnnouncementsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    announcements: list[FileEntry] = Field(default_factory=list)


@dataclass
class SyncReport:
    created: list[AnnouncementInfo] = field(default_factory=list)
    updated: list[AnnouncementInfo] = field(default_factory=list)
    removed: list[AnnouncementInfo] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[AnnouncementInfo]:
        return self.created + self.updated + self.removed


class FileError(Exception):
    """The announcements file cannot be used at all (nothing is changed)."""


def read_file(path: Path) -> AnnouncementsFile | None:
    """The parsed file, None when there is no file; FileError when it is broken."""
    if not path.exists():
        return None
    # Imported here: without an announcements file the start never parses YAML.
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FileError(f"{path}: cannot be read as YAML ({error})") from None
    try:
        parsed = AnnouncementsFile.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FileError(f"{path}: {where}: {first['msg']}") from None
    seen: set[tuple[int, str]] = set()
    for entry in parsed.announcements:
        if (entry.guild_id, entry.key) in seen:
            raise FileError(f"{path}: the key {entry.key!r} is used twice in one guild")
        seen.add((entry.guild_id, entry.key))
    return parsed


async def sync_file(
    store: AnnouncementStore,
    path: Path,
    guild_timezone: Callable[[int], Awaitable[ZoneInfo]],
    now: datetime,
) -> SyncReport:
    report = SyncReport()
    try:
        parsed = read_file(path)
    except FileError as error:
        log.error("announcements file not applied: %s", error)
        report.errors.append(str(error))
        return report
    if parsed is None:
        return report
    wanted = {(e.guild_id, e.key) for e in parsed.announcements}
    for entry in parsed.announcements:
        try:
            tz = await guild_timezone(entry.guild_id)
            outcome, info = await store.upsert_managed(
                entry.guild_id, entry.key, entry.draft(), tz, now
            )
        except UserFacingError as error:
            message = f"{path}: {entry.key}: {error.message}"
            log.error("announcements file: %s", message)
            report.errors.append(message)
            continue
        if outcome == "created" and info is not None:
            report.created.append(info)
        elif outcome == "updated" and info is not None:
            report.updated.append(info)
        else:
            report.unchanged += 1
    for (guild_id, key), info in (await store.managed()).items():
        if (guild_id, key) in wanted or info.status == "cancelled":
            continue
        removed = await store.remove_managed(guild_id, key, now)
        if removed is not None:
            report.removed.append(removed)
    log.info(
        "announcements file: %d created, %d updated, %d removed, %d unchanged, %d errors",
        len(report.created),
        len(report.updated),
        len(report.removed),
        report.unchanged,
        len(report.errors),
    )
    return report
