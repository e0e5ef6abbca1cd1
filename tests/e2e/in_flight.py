"""Waiting for the bot's interactions still at work after their answer.

Some commands answer first and finish after (a status move edits the item's post and tells
its watchers once the triager has heard): a test that looks at those waits here, instead of
hoping they are done within the sandbox's quiet period.
"""

from __future__ import annotations

import asyncio
import time
import types
from typing import Any

import discord

from bot.app import NexusBot

# A view's methods that wait for a member's click (discord.py's View.wait, ConfirmView.decided).
WAITS_FOR_AN_ANSWER = frozenset({"wait", "decided"})


def parked_on_a_view(task: asyncio.Task[Any]) -> bool:
    """True when the task waits for a button answer (a confirmation prompt left open)."""
    awaited: Any = task.get_coro()
    while isinstance(awaited, types.CoroutineType):
        owner = awaited.cr_frame.f_locals.get("self") if awaited.cr_frame else None
        if awaited.cr_code.co_name in WAITS_FOR_AN_ANSWER and isinstance(owner, discord.ui.View):
            return True
        awaited = awaited.cr_await
    return False


async def interactions_done(timeout: float = 5.0) -> None:
    """Until every interaction the bot is working on has finished (or waits for a click)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in NexusBot._interaction_tasks() if not parked_on_a_view(t)]
        if not busy:
            return
        await asyncio.wait(busy, timeout=deadline - time.monotonic())
