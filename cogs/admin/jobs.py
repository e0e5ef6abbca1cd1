"""Scheduler job functions: module-level and taking ids only (see DESIGN.md, "exactly once").

The job reaches the live cog through `attach`/`detach`, called in the cog's load and unload, so
a job that fires while the extension is being reloaded simply finds nothing to do; the pending
row stays and the reloaded cog schedules it again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.admin.commands import AdminCog

log = logging.getLogger(__name__)

_active: AdminCog | None = None


def attach(cog: AdminCog) -> None:
    global _active  # noqa: PLW0603  (one live cog per process, swapped on reload)
    _active = cog


def detach(cog: AdminCog) -> None:
    global _active  # noqa: PLW0603
    if _active is cog:
        _active = None


async def run_pending_forget(guild_id: int, user_id: int) -> None:
    cog = _active
    if cog is None:
        log.info(
            "admin is not loaded; pending forget %s/%s waits for its reload", guild_id, user_id
        )
        return
    try:
        await cog.forget_if_due(guild_id, user_id)
    except Exception:
        log.exception("automatic forget of %s in guild %s failed", user_id, guild_id)
