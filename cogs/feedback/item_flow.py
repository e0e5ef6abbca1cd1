"""What members and triagers do to an item, with its Discord side kept in step: a report created
and posted with its thread, details added to an item, a +1, a status change, an assignment, a
withdrawal. One path for each, whether a slash command, a button or the HTTP API asked.

Each step changes the database first and then Discord. Between the two it calls `acknowledge`:
an interaction must be answered within 3 s, so the Discord side answers there (a status move:
what was stored, at once) or arms a deferral (or takes the buttons off a prompt) while posting,
which may take longer, is still to come. A report is answered as soon as it is stored
(`stored`); its post follows. The item is stored as due a post until the post is recorded, so
one a crash cut off is made at the next start (`post_what_is_due`). The API has nothing to
acknowledge.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cogs.feedback.outcomes import Outcome
from cogs.feedback.places import welcome
from cogs.feedback.rules import FeedbackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import discord

    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.publisher import FeedbackPublisher
    from cogs.feedback.records import (
        Assignment,
        Draft,
        ItemRecord,
        PlusOne,
        StatusChange,
        Vote,
    )

    Acknowledge = Callable[[], Awaitable[None]]
    AcknowledgeChange = Callable[[StatusChange], Awaitable[None]]
    AcknowledgeItem = Callable[[ItemRecord], Awaitable[None]]

log = logging.getLogger(__name__)


async def _nothing() -> None:
    return None


async def _nothing_stored(_: ItemRecord) -> None:
    return None


async def _nothing_to_tell(_: StatusChange) -> None:
    return None


class ItemFlow:
    def __init__(self, parts: FeedbackParts, publisher: FeedbackPublisher) -> None:
        self.parts = parts
        self.publisher = publisher
        # Items this process is making the first post of: not "due" to a start's catch-up.
        self._posting: set[int] = set()
        self._caught_up = False

    async def report(
        self,
        draft: Draft,
        *,
        draft_id: int | None = None,
        stored: AcknowledgeItem = _nothing_stored,
    ) -> Outcome:
        """Store a new item, tell `stored` (its reporter is answered there), then post it where
        the guild's mode says, with its thread."""
        item = await self.parts.intake.create(draft, draft_id=draft_id, post_due=True)
        self._posting.add(item.id)
        try:
            try:
                await stored(item)
            except Exception:
                await self._first_post(item)  # stored, so posted, whatever the answer met
                raise
            return await self._first_post(item)
        finally:
            self._posting.discard(item.id)

    async def _first_post(self, item: ItemRecord) -> Outcome:
        outcome = await self.publisher.post(item)
        if outcome.item.message_id is None:  # refused, and said so in the outcome
            await self.parts.store.post_refused(item.id)
        return outcome

    async def post_what_is_due(self) -> None:
        """At start (the first ready): post the items of the bot's guilds that a crash left
        stored but not posted (their reporters were told they are logged). One whose post was
        made but not recorded is found and recorded instead of posted twice, its thread opened
        if that was still to come. Once per process: a later ready (a reconnect) finds only
        this process's own reports, which post themselves."""
        if self._caught_up:
            return
        self._caught_up = True
        for guild_id in [guild.id for guild in self.publisher.bot.guilds]:
            for number in await self.parts.store.numbers_due_a_post(guild_id):
                try:
                    item = await self.parts.queries.get(guild_id, number)
                    if item.id not in self._posting:
                        await self._post_due(item)
                except Exception:
                    # One item's trouble must not strand the others; it is tried next start.
                    log.exception(
                        "posting FB-%s of guild %s after a restart failed", number, guild_id
                    )

    async def _post_due(self, item: ItemRecord) -> None:
        mode = await self.publisher.mode(item.guild_id)
        found = await self.publisher.places[mode].find(item)
        if found is None:
            await self._first_post(item)
            return
        item = await self.parts.store.record_posting(
            item,
            channel_id=found.channel_id,
            message_id=found.message_id,
            thread_id=found.thread_id,
            placement=mode,
        )
        if found.thread_id is None:  # the crash came between the post and its thread
            place = self.publisher.place_of(item)
            message = place.message(item)
            outcome = Outcome(item)
            thread = await place.recover_thread(item, message, outcome) if message else None
            if thread is not None:
                await self.parts.store.record_posting(
                    item,
                    channel_id=item.channel_id,
                    message_id=item.message_id,
                    thread_id=thread.id,
                )
                await welcome(thread, item, outcome)

    async def add_details(
        self,
        guild_id: int,
        number: int,
        draft: Draft,
        *,
        draft_id: int | None = None,
        acknowledge: Acknowledge = _nothing,
    ) -> tuple[PlusOne, Outcome]:
        """A report that duplicates item `number`: a +1 there, its details in the thread."""
        plus = await self.parts.intake.add_details(guild_id, number, draft, draft_id=draft_id)
        await acknowledge()
        return plus, await self.publisher.apply_plus_one(plus)

    async def plus_one(
        self, guild_id: int, number: int, user_id: int, *, acknowledge: Acknowledge = _nothing
    ) -> tuple[Vote, Outcome]:
        vote = await self.parts.votes.plus_one(guild_id, number, user_id)
        await acknowledge()
        outcome = Outcome(vote.item)
        if vote.counted:
            await self.publisher.refresh(vote.item, outcome)
        return vote, outcome

    async def change_status(
        self,
        guild_id: int,
        number: int,
        actor_id: int,
        status: str,
        *,
        note: str | None = None,
        duplicate_of: int | None = None,
        expected_status: str | None = None,
        acknowledge: AcknowledgeChange = _nothing_to_tell,
    ) -> tuple[StatusChange, Outcome]:
        """A triager's move along the workflow; the watchers are told, the thread follows.
        `acknowledge` gets the stored move before Discord's side of it begins."""
        change = await self.parts.workflow.change_status(
            guild_id,
            number,
            actor_id,
            status,
            note=note,
            duplicate_of=duplicate_of,
            expected_status=expected_status,
        )
        await acknowledge(change)
        return change, await self.publisher.apply_status(change)

    async def withdraw(
        self, guild_id: int, number: int, user_id: int, *, acknowledge: Acknowledge = _nothing
    ) -> tuple[StatusChange, Outcome]:
        change = await self.parts.workflow.withdraw(guild_id, number, user_id)
        await acknowledge()
        return change, await self.publisher.apply_status(change)

    async def assign(
        self,
        guild_id: int,
        number: int,
        actor_id: int,
        assignee: discord.Member,
        *,
        acknowledge: Acknowledge = _nothing,
    ) -> tuple[Assignment, Outcome]:
        if assignee.bot:
            raise FeedbackError("Assign a person, not a bot.")
        assignment = await self.parts.workflow.assign(guild_id, number, actor_id, assignee.id)
        await acknowledge()
        return assignment, await self.publisher.apply_assignment(assignment)
