"""Telling an item's watchers that its status changed: one mention in its thread each, or a
direct message for those who asked (a mention after all when their DMs are closed). Each
watcher hears of each change once; the member who made it is not told of their own move."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.markdown import safe_truncate
from bot.text import MESSAGE_LIMIT, truncate
from cogs.feedback.outcomes import mentions_only, why
from cogs.feedback.render import jump_url, status_text, user_text
from cogs.feedback.rules import STATUS_LABELS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cogs.feedback.outcomes import Outcome
    from cogs.feedback.records import ItemRecord, StatusChange

log = logging.getLogger(__name__)

NOTE_SHOWN = 1500
# Mentions after the notice itself go in messages of their own, each well inside the limit.
MENTIONS_PER_MESSAGE = 1800
# Discord's cap on the users one message's allowed_mentions may name.
USERS_PER_MESSAGE = 100


def notice_text(change: StatusChange, item: ItemRecord, original: ItemRecord | None) -> str:
    """What changed, by whom, with the triager's note and, for a duplicate, where to follow."""
    if change.new_status == "withdrawn":
        text = f"**{item.ref}** was withdrawn by its reporter, {user_text(change.actor_id)}."
    else:
        text = (
            f"**{item.ref}** is now **{status_text(item)}** "
            f"(was {STATUS_LABELS[change.old_status]}), set by {user_text(change.actor_id)}."
        )
    if change.note:
        text += "\n> " + safe_truncate(change.note, NOTE_SHOWN).replace("\n", "\n> ")
    if original is not None:
        link = jump_url(original)
        text += f"\nFollow **{original.ref}** from now on" + (f": {link}" if link else ".")
    return text


def mention_batches(user_ids: Sequence[int], room: int) -> list[list[int]]:
    """Split mentions into messages: the first batch fits in `room` characters, the others in
    MENTIONS_PER_MESSAGE each, and none names more users than Discord lets it ping."""
    batches: list[list[int]] = [[]]
    used, limit = 0, room
    for user_id in user_ids:
        size = len(user_text(user_id)) + 1
        if batches[-1] and (used + size > limit or len(batches[-1]) == USERS_PER_MESSAGE):
            batches.append([])
            used, limit = 0, MENTIONS_PER_MESSAGE
        batches[-1].append(user_id)
        used += size
    return batches


class StatusNotices:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def tell(
        self,
        change: StatusChange,
        item: ItemRecord,
        thread: discord.Thread | None,
        outcome: Outcome,
        *,
        original: ItemRecord | None = None,
    ) -> None:
        text = notice_text(change, item, original)
        pinged = [watcher.user_id for watcher in change.audience if not watcher.dm]
        for watcher in change.audience:
            if watcher.dm and not await self._direct(watcher.user_id, text, item):
                pinged.append(watcher.user_id)
        if thread is None:
            return
        first, *rest = mention_batches(pinged, MESSAGE_LIMIT - len(text) - 3)
        lead = " ".join(user_text(user_id) for user_id in first)
        await self._post(thread, f"{lead}: {text}" if lead else text, first, outcome)
        for batch in rest:
            also = " ".join(user_text(user_id) for user_id in batch)
            await self._post(thread, f"{also}: see above for **{item.ref}**.", batch, outcome)

    async def _direct(self, user_id: int, text: str, item: ItemRecord) -> bool:
        """DM one watcher; False when Discord refuses (closed DMs, left the server)."""
        where = jump_url(item)
        body = truncate(text + (f"\n{where}" if where else ""), MESSAGE_LIMIT)
        try:
            user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
            await user.send(body, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.info("could not DM %s about %s: %s", user_id, item.ref, error)
            return False
        return True

    async def _post(
        self, thread: discord.Thread, text: str, user_ids: list[int], outcome: Outcome
    ) -> None:
        try:
            await thread.send(
                truncate(text, MESSAGE_LIMIT), allowed_mentions=mentions_only(*user_ids)
            )
        except discord.HTTPException as error:
            outcome.problems.append(f"I couldn't post in the thread ({why(error)}).")
