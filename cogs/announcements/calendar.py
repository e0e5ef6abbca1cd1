"""The guild's announcements as calendar entries: a series with a recurrence rule where the
schedule has one, single events for one-offs.

Only announcements that will post (active) or did (done) are shown: a paused, failed or
cancelled one posts nothing, so a calendar showing it would mislead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from bot.calendar import CalendarEntry, entry_uid
from bot.rrule import cron_rrule
from bot.text import one_line
from cogs.announcements.models import Status
from cogs.announcements.schedule import CRON, parse_anchor, to_utc

if TYPE_CHECKING:
    from datetime import datetime

    from cogs.announcements.records import AnnouncementInfo
    from cogs.announcements.store import AnnouncementStore

SHOWN: Final = frozenset({Status.ACTIVE.value, Status.DONE.value})
# A cron expression no single rule can say is shown as its next runs, each its own event.
# Separate events rather than RDATEs on one: every calendar app shows a plain event, while an
# event made of RDATEs alone is a form some subscription importers do not expand.
CRON_RUNS_LISTED: Final = 30
# Months whose length never cuts a day off: up to the 28th a month's day is always there.
SHORTEST_MONTH: Final = 28
SUMMARY_LENGTH: Final = 80
STORE_PAGE: Final = 200
# A feed is fetched often and rendered whole: its size is bounded, as a page of a list is.
MOST_ENTRIES: Final = 500


class NoRule:
    """A schedule no recurrence rule says: list its runs instead."""


NO_RULE: Final = NoRule()


def schedule_rrule(info: AnnouncementInfo) -> str | NoRule | None:
    """The announcement's recurrence rule; None for a one-off, NO_RULE for a cron expression
    that no single rule says (bot.rrule)."""
    if info.repeat == "daily":
        return "FREQ=DAILY"
    if info.repeat == "weekly":
        return "FREQ=WEEKLY"
    if info.repeat == "monthly":
        day = parse_anchor(info.anchor_local).day
        if day <= SHORTEST_MONTH:
            return "FREQ=MONTHLY"
        # Announcements on the 29th-31st run on the last day of shorter months: the first of
        # (that day, the month's last day) that the month has.
        return f"FREQ=MONTHLY;BYMONTHDAY={day},-1;BYSETPOS=1"
    if info.repeat == CRON:
        return cron_rrule(info.cron or "") or NO_RULE
    return None


def _entry(
    info: AnnouncementInfo, start: datetime, uid: str, length: timedelta, rrule: str | None = None
) -> CalendarEntry:
    return CalendarEntry(
        uid=uid,
        summary=one_line(info.title or info.body, SUMMARY_LENGTH),
        start=start,
        duration=length,
        tz=info.timezone,
        description=info.body,
        rrule=rrule,
        url=f"https://discord.com/channels/{info.guild_id}/{info.channel_id}",
    )


def _run_uid(info: AnnouncementInfo, run: datetime) -> str:
    return entry_uid("announcement", f"{info.id}-{run:%Y%m%dT%H%M%SZ}", info.guild_id)


def _anchor(info: AnnouncementInfo) -> datetime:
    # A series starts at its anchor as a wall time in its zone: a time typed in a DST gap
    # stays as typed, so each later run keeps it, as the announcement's own schedule does.
    return parse_anchor(info.anchor_local).replace(tzinfo=ZoneInfo(info.timezone))


def _one_off_at(info: AnnouncementInfo) -> datetime:
    anchor = _anchor(info)
    return info.next_run_at or to_utc(anchor.replace(tzinfo=None), ZoneInfo(info.timezone))


def announcement_entries(
    info: AnnouncementInfo, window: tuple[datetime, datetime], length: timedelta
) -> list[CalendarEntry]:
    """The calendar entries of one announcement: a series (whatever the window, since it
    runs in it or later), or its runs and one-off inside `window`."""
    if info.status not in SHOWN:
        return []
    rule = schedule_rrule(info)
    tz = ZoneInfo(info.timezone)
    uid = entry_uid("announcement", info.id, info.guild_id)
    if isinstance(rule, str):
        return [_entry(info, _anchor(info), uid, length, rule)]
    begin, end = window
    if rule is None:
        when = _one_off_at(info)
        return [_entry(info, when.astimezone(tz), uid, length)] if begin <= when < end else []
    runs = [run for run in info.next_runs(CRON_RUNS_LISTED) if begin <= run < end]
    return [_entry(info, run.astimezone(tz), _run_uid(info, run), length) for run in runs]


def runs_in(info: AnnouncementInfo, window: tuple[datetime, datetime], most: int) -> list[datetime]:
    """The announcement's runs in `window` (at most `most`), walked by its own schedule (the
    code its dispatcher posts by), from its first run on: never by a recurrence rule."""
    if info.status not in SHOWN:
        return []
    begin, end = window
    recurrence = info.recurrence
    if recurrence.repeat.kind == "none":
        when = _one_off_at(info)
        return [when] if begin <= when < end else []
    first = recurrence.first_run(to_utc(recurrence.anchor, recurrence.tz))
    moment = first
    if first is not None and first < begin:
        moment = recurrence.next_after(begin - timedelta(microseconds=1))
    runs: list[datetime] = []
    while moment is not None and moment < end and len(runs) < most:
        runs.append(moment)
        moment = recurrence.next_after(moment)
    return runs


def announcement_occurrences(
    info: AnnouncementInfo, window: tuple[datetime, datetime], length: timedelta, most: int
) -> list[CalendarEntry]:
    """One single entry per run of the announcement in `window`, in its own zone."""
    tz = ZoneInfo(info.timezone)
    return [
        _entry(info, run.astimezone(tz), _run_uid(info, run), length)
        for run in runs_in(info, window, most)
    ]


async def guild_entries(
    store: AnnouncementStore,
    guild_id: int,
    window: tuple[datetime, datetime],
    length: timedelta,
    *,
    each_run: bool = False,
) -> list[CalendarEntry]:
    """The guild's shown announcements (MOST_ENTRIES at most), in id order, read page by
    page (keyset): series as series, or with `each_run` every run in `window` on its own."""
    entries: list[CalendarEntry] = []
    after: int | None = None
    while True:
        page = await store.list_page(guild_id, after, limit=STORE_PAGE)
        for info in page.items:
            if each_run:
                left = MOST_ENTRIES - len(entries)
                entries += announcement_occurrences(info, window, length, left)
            else:
                entries += announcement_entries(info, window, length)
        if page.next_after_id is None or len(entries) >= MOST_ENTRIES:
            return entries[:MOST_ENTRIES]
        after = page.next_after_id
