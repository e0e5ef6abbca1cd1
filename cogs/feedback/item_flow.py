"""What members and triagers do to an item, with its Discord side kept in step: a report created
and posted with its thread, details added to an item, a +1, a status change, an assignment, a
withdrawal. One path for each, whether a slash command, a button or the HTTP API asked.

Each step changes the database first and then Discord. Between the two it calls `acknowledge`:
an interaction must be answered within 3 s, so the Discord side answers there (a status move:
what was stored, at once) or arms a deferral (or takes the buttons off a prompt) while posting,
which may take longer, is still to come. A report is answered once its post and thread exist
(`posted`), before the welcome in the thread. The API has nothing to acknowledge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.feedback.outcomes import Outcome
from cogs.feedback.rules import FeedbackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import discord

    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.publisher import FeedbackPublisher
    from cogs.feedback.records import Assignment, Draft, PlusOne, StatusChange, Vote

    Acknowledge = Callable[[], Awaitable[None]]
    AcknowledgeChange = Callable[[StatusChange], Awaitable[None]]


async def _nothing() -> None:
    return None


async def _nothing_to_tell(_: StatusChange) -> None:
    return None


class ItemFlow:
    def __init__(self, parts: FeedbackParts, publisher: FeedbackPublisher) -> None:
        self.parts = parts
        self.publisher = publisher

    async def report(
        self,
        draft: Draft,
        *,
        draft_id: int | None = None,
        acknowledge: Acknowledge = _nothing,
        posted: Callable[[Outcome], Awaitable[None]] | None = None,
    ) -> Outcome:
        """Store a new item, then post it in the feedback channel with its thread (`posted`
        hears of them before the reporter is welcomed in the thread)."""
        item = await self.parts.intake.create(draft, draft_id=draft_id)
        await acknowledge()
        return await self.publisher.post(item, posted=posted)

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
