"""Announcements' HTTP shapes: what a request may send (the limits of /announce create's and
edit's options and form) and what the API answers (ids as strings, times in RFC 3339 UTC)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.text import EMBED_DESCRIPTION_LIMIT, EMBED_TITLE_LIMIT
from bot.timezones import TIMEZONE_OPTION_MAX
from bot.web.fields import ID_PATTERN, UtcTime
from cogs.announcements.records import Edit
from cogs.announcements.render import local_when_text

if TYPE_CHECKING:
    from cogs.announcements.records import AnnouncementInfo

Missed = Literal["post_late", "skip"]
Status = Literal["active", "paused", "failed", "done", "cancelled"]
Repeat = Literal["none", "daily", "weekly", "monthly", "cron"]

WHEN = "e.g. 2026-12-01 09:00, in 2h, tomorrow 9am, next monday 10:00 (read in `timezone`)"
REPEAT = "none, daily, weekly, monthly or a 5-field cron expression"
TIMEZONE = "the IANA time zone `when` and `repeat` are read in (default: the server's)"
MESSAGE = "the text: plain text without a title, an embed's description with one"


class AnnouncementIn(BaseModel):
    """The options of `/announce create`, with the same limits."""

    model_config = ConfigDict(extra="forbid")

    channel_id: str = Field(pattern=ID_PATTERN, description="a text channel of this server")
    when: str = Field(min_length=1, max_length=100, description=WHEN, examples=["tomorrow 9am"])
    message: str = Field(min_length=1, max_length=EMBED_DESCRIPTION_LIMIT, description=MESSAGE)
    title: str | None = Field(
        None, min_length=1, max_length=EMBED_TITLE_LIMIT, description="posts it as an embed"
    )
    repeat: str | None = Field(None, min_length=1, max_length=120, description=REPEAT)
    timezone: str | None = Field(
        None, min_length=1, max_length=TIMEZONE_OPTION_MAX, description=TIMEZONE
    )
    ping_role_id: str | None = Field(None, pattern=ID_PATTERN, description="a role to ping")
    missed: Missed = Field("post_late", description="when the bot was down at the time")
    event: bool = Field(False, description="also a Discord scheduled event")
    ping_interested: bool = Field(False, description="posts ping the event's Interested members")


class AnnouncementPatch(BaseModel):
    """What `/announce edit` changes; a field left out stays as it is. `title` and
    `ping_role_id` set to null remove the title (plain text) and the ping. A new `when`,
    `repeat` or `timezone` reschedules it, the others kept as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=EMBED_TITLE_LIMIT)
    message: str | None = Field(
        None, min_length=1, max_length=EMBED_DESCRIPTION_LIMIT, description=MESSAGE
    )
    channel_id: str | None = Field(None, pattern=ID_PATTERN)
    ping_role_id: str | None = Field(None, pattern=ID_PATTERN)
    missed: Missed | None = None
    event: bool | None = None
    ping_interested: bool | None = None
    when: str | None = Field(None, min_length=1, max_length=100, description=WHEN)
    repeat: str | None = Field(None, min_length=1, max_length=120, description=REPEAT)
    timezone: str | None = Field(
        None, min_length=1, max_length=TIMEZONE_OPTION_MAX, description="an IANA time zone"
    )

    def edit_of(self, current: AnnouncementInfo) -> Edit:
        """The change as /announce edit's form makes it: the schedule's three fields go
        together, those not sent as they are now."""
        sent = self.model_fields_set
        rescheduled = bool(sent & {"when", "repeat", "timezone"})
        return Edit(
            title=self.title,
            clear_title="title" in sent and self.title is None,
            body=self.message,
            channel_id=int(self.channel_id) if self.channel_id else None,
            ping_role_id=int(self.ping_role_id) if self.ping_role_id else None,
            clear_ping="ping_role_id" in sent and self.ping_role_id is None,
            missed=self.missed,
            event=self.event,
            ping_interested=self.ping_interested,
            when=(self.when or local_when_text(current)) if rescheduled else None,
            repeat=(self.repeat or current.cron or current.repeat) if rescheduled else None,
            timezone=(self.timezone or current.timezone) if rescheduled else None,
        )


class AnnouncementOut(BaseModel):
    id: str
    channel_id: str
    title: str | None
    message: str
    repeat: Repeat
    cron: str | None = Field(description="the expression, when `repeat` is cron")
    timezone: str
    status: Status
    next_run_at: UtcTime | None = Field(description="null when it will not post again")
    missed: Missed
    ping_role_id: str | None
    event: bool
    ping_interested: bool
    run_count: int = Field(description="how many times it was posted")
    last_posted_at: UtcTime | None
    failure: str | None = Field(description="why it failed, when its status is failed")
    managed_key: str | None = Field(description="its key, when the announcements file has it")
    created_by: str | None


class AnnouncementDetailOut(AnnouncementOut):
    next_runs: list[UtcTime] = Field(description="its next 5 runs, as /announce show lists")


class AnnouncementChangedOut(AnnouncementDetailOut):
    warnings: list[str] = Field(
        description="what the moderator should know (a ping Discord will not notify, an "
        "event Discord refused); empty when all is well"
    )


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def _fields(info: AnnouncementInfo) -> dict[str, object]:
    return {
        "id": str(info.id),
        "channel_id": str(info.channel_id),
        "title": info.title,
        "message": info.body,
        "repeat": info.repeat,
        "cron": info.cron,
        "timezone": info.timezone,
        "status": info.status,
        "next_run_at": info.next_run_at,
        "missed": info.missed,
        "ping_role_id": _id(info.ping_role_id),
        "event": info.event,
        "ping_interested": info.ping_interested,
        "run_count": info.run_count,
        "last_posted_at": info.last_posted_at,
        "failure": info.failure,
        "managed_key": info.managed_key,
        "created_by": _id(info.created_by),
    }


def announcement_out(info: AnnouncementInfo) -> AnnouncementOut:
    return AnnouncementOut.model_validate(_fields(info))


def detail_out(info: AnnouncementInfo) -> AnnouncementDetailOut:
    return AnnouncementDetailOut.model_validate({**_fields(info), "next_runs": info.next_runs()})


def changed_out(info: AnnouncementInfo, warnings: list[str]) -> AnnouncementChangedOut:
    fields = {**_fields(info), "next_runs": info.next_runs(), "warnings": warnings}
    return AnnouncementChangedOut.model_validate(fields)
