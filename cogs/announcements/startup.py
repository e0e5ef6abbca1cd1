"""The feature's start: apply the announcements file, then — once Discord's channels are
known — keep the file's Discord events in step and start the dispatcher, which first posts
whatever fell due while the bot was down."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cogs.announcements.file_sync import sync_file

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from cogs.announcements.dispatcher import Dispatcher
    from cogs.announcements.store import AnnouncementStore

log = logging.getLogger(__name__)


async def apply_file_then_dispatch(
    store: AnnouncementStore,
    dispatcher: Dispatcher,
    path: Path,
    guild_timezone: Callable[[int], Awaitable[ZoneInfo]],
    *,
    now: datetime,
    wait_until_ready: Callable[[], Awaitable[None]],
    sync_events: Callable[[], Awaitable[None]],
) -> None:
    report = await sync_file(store, path, guild_timezone, now)
    for error in report.errors:
        log.error("announcements file: %s", error)
    await wait_until_ready()
    # The file's entries with `event: true` get (or keep in step) their Discord events.
    try:
        await sync_events()
    except Exception:
        log.exception("announcements: keeping the file's events in step failed")
    dispatcher.start()
    await dispatcher.started.wait()
