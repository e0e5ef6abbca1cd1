"""The workflow: a triager moves an item along its statuses or assigns it, and its reporter may
withdraw it while it is open; every change writes its history (and audit) rows with it, and
reads who is to be told. Marking a duplicate folds its +1s and watchers into the original."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from sqlalchemy import bindparam, select, update

from bot.db import lock_rows
from bot.errors import NotFoundError
from bot.in_place_writes import in_place_writes
from cogs.feedback.models import FeedbackItem
from cogs.feedback.records import Assignment, Merge, StatusChange
from cogs.feedback.rules import (
    CLOSED_STATUSES,
    NOTE_MAX,
    STATUS_LABELS,
    TRANSITIONS,
    FeedbackError,
    ItemMovedMeanwhile,
    check_status,
    clean_text,
)
from cogs.feedback.store import NEW_HISTORY, history_row, item_record

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock
    from cogs.feedback.open_index import OpenItemIndexes
    from cogs.feedback.store import ItemStore
    from cogs.feedback.votes import VoteStore
    from cogs.feedback.watchers import WatcherStore


# The common status move's statements. The lock is `lock_rows`' write of a column to itself
# (see ItemStore.item_for_update), reading the row back in the same statement.
_ITEMS: Final = cast("Table", FeedbackItem.__table__)
LOCK_ITEM: Final = (
    update(_ITEMS)
    .where(_ITEMS.c.guild_id == bindparam("in_guild"), _ITEMS.c.number == bindparam("in_number"))
    .values(updated_at=_ITEMS.c.updated_at)
    .returning(*_ITEMS.columns)
)
MOVE_ITEM: Final = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(status=bindparam("new_status"), duplicate_of_id=None, updated_at=bindparam("at"))
    .returning(*_ITEMS.columns)
)


def _check_move(number: int, old_status: str, new_status: str, expected: str | None) -> None:
    if expected is not None and old_status != expected:
        raise ItemMovedMeanwhile(number, old_status)
    if new_status == old_status:
        raise FeedbackError(f"FB-{number} is already {STATUS_LABELS[old_status]}.")
    allowed = TRANSITIONS[old_status]
    if new_status not in allowed:
        raise FeedbackError(
            f"FB-{number} is {STATUS_LABELS[old_status]}; from there it can go to: "
            + ", ".join(f"`{s}`" for s in allowed)
            + "."
        )


class FeedbackWorkflow:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        *,
        clock: Clock,
        store: ItemStore,
        open_items: OpenItemIndexes,
        votes: VoteStore,
        watchers: WatcherStore,
    ) -> None:
        self._sessions = sessions
        self._votes = votes
        self._watchers = watchers
        self._audit = audit
        self._clock = clock
        self._store = store
        self._open_items = open_items

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
    ) -> StatusChange:
        """A triager's move along TRANSITIONS, with a history row and an audit row.

        `expected_status`: the status the triager saw (a page's form); a move made from a page
        that is out of date is refused rather than applied to an item in another state."""
        new_status = check_status(status)
        note = clean_text(note, "note", NOTE_MAX, required=False)
        if new_status == "withdrawn":
            raise FeedbackError("Only the reporter can withdraw an item, from `/feedback show`.")
        if duplicate_of is not None and new_status != "duplicate":
            raise FeedbackError("`duplicate_of` only goes with the status `duplicate`.")
        if new_status == "duplicate" and duplicate_of is None:
            raise FeedbackError("Say which item this duplicates: set `duplicate_of` (like `FB-3`).")
        if duplicate_of == number:
            raise FeedbackError(f"FB-{number} can't be a duplicate of itself.")
        if duplicate_of is None:
            change = await self._move(
                guild_id, number, actor_id, new_status, note=note, expected_status=expected_status
            )
        else:
            change = await self._move_as_duplicate(
                guild_id, number, actor_id, duplicate_of, note=note, expected_status=expected_status
            )
        self._open_items.track(change.item)
        return change

    async def _move(
        self,
        guild_id: int,
        number: int,
        actor_id: int,
        new_status: str,
        *,
        note: str | None,
        expected_status: str | None,
    ) -> StatusChange:
        """The common move, in Core statements built once (a triager waits for it)."""
        async with in_place_writes(self._sessions).connection() as connection:
            item = (
                await connection.execute(LOCK_ITEM, {"in_guild": guild_id, "in_number": number})
            ).first()
            if item is None:
                raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
            old_status = item.status
            _check_move(number, old_status, new_status, expected_status)
            audience = await self._watchers.audience(connection, item.id, leaving_out=actor_id)
            now = self._clock.now()
            moved = (
                await connection.execute(
                    MOVE_ITEM, {"item_id": item.id, "new_status": new_status, "at": now}
                )
            ).one()
            action = "reopened" if old_status in CLOSED_STATUSES else "status"
            await connection.execute(
                NEW_HISTORY,
                history_row(moved, actor_id, action, old_status, new_status, note, now),
            )
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.status",
                f"FB-{number}",
                {"from": old_status, "to": new_status, "note": note, "duplicate_of": None},
                session=connection,
            )
        record = item_record(moved, None)
        return StatusChange(record, actor_id, old_status, new_status, note, audience)

    async def _move_as_duplicate(
        self,
        guild_id: int,
        number: int,
        actor_id: int,
        duplicate_of: int,
        *,
        note: str | None,
        expected_status: str | None,
    ) -> StatusChange:
        """Marking a duplicate folds it into the original: the ORM's objects move together."""
        async with in_place_writes(self._sessions).session() as session:
            item = await self._store.item_for_update(session, guild_id, number)
            old_status = item.status
            _check_move(number, old_status, "duplicate", expected_status)
            # Read before anything changes (so no flush runs first), and before the merge: the
            # duplicate's own watchers hear it became one.
            audience = await self._watchers.audience(session, item.id, leaving_out=actor_id)
            target = await self._duplicate_target(session, guild_id, number, duplicate_of)
            item.status = "duplicate"
            item.duplicate_of_id = target.id
            item.updated_at = self._clock.now()
            action = "reopened" if old_status in CLOSED_STATUSES else "status"
            self._store.add_history_row(
                session,
                item,
                actor_id,
                action,
                from_value=old_status,
                to_value=f"duplicate of FB-{target.number}",
                note=note,
            )
            merge = await self._merge(session, item, target, actor_id, note)
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.status",
                f"FB-{number}",
                {"from": old_status, "to": "duplicate", "note": note, "duplicate_of": duplicate_of},
                session=session,
            )
            record = item_record(item, target.number)
        return StatusChange(record, actor_id, old_status, "duplicate", note, audience, merge)

    async def _merge(
        self,
        session: AsyncSession,
        duplicate: FeedbackItem,
        original: FeedbackItem,
        actor_id: int,
        note: str | None,
    ) -> Merge:
        """The duplicate's +1s (its reporter's among them) move to the original, and its
        watchers watch the original too; the original's history says so."""
        # Watchers first, so each keeps their choice of DMs (a moved +1 would add them plain).
        added = await self._watchers.copy(session, duplicate, original)
        moved = await self._votes.move(session, duplicate, original)
        original.updated_at = self._clock.now()
        self._store.add_history_row(
            session,
            original,
            actor_id,
            "duplicate_linked",
            from_value=str(moved),
            to_value=f"FB-{duplicate.number}",
            note=note,
        )
        original_record = item_record(
            original, await self._store.number_of(session, original.duplicate_of_id)
        )
        return Merge(original_record, moved, added)

    async def _duplicate_target(
        self, session: AsyncSession, guild_id: int, number: int, target_number: int
    ) -> FeedbackItem:
        # Locked like the item itself: the merge adds to its +1s.
        where = (FeedbackItem.guild_id == guild_id, FeedbackItem.number == target_number)
        await lock_rows(session, FeedbackItem.updated_at, *where)
        target = await session.scalar(select(FeedbackItem).where(*where))
        if target is None:
            raise NotFoundError(f"There is no feedback item FB-{target_number} to point to.")
        if target.status == "duplicate":
            root = await self._store.number_of(session, target.duplicate_of_id)
            hint = f" of FB-{root}; point to that one instead" if root else ""
            raise FeedbackError(f"FB-{target_number} is itself a duplicate{hint}.")
        return target

    async def withdraw(self, guild_id: int, number: int, user_id: int) -> StatusChange:
        """The reporter takes back their own item while it is still open."""
        async with in_place_writes(self._sessions).session() as session:
            item = await self._store.item_for_update(session, guild_id, number)
            if item.reporter_id != user_id:
                raise FeedbackError(f"Only the person who reported FB-{number} can withdraw it.")
            if item.status != "open":
                raise FeedbackError(
                    f"FB-{number} is {STATUS_LABELS[item.status]}; only open items can be "
                    "withdrawn. Ask a triager in its thread instead."
                )
            audience = await self._watchers.audience(session, item.id, leaving_out=user_id)
            item.status = "withdrawn"
            item.updated_at = self._clock.now()
            self._store.add_history_row(
                session, item, user_id, "withdrawn", from_value="open", to_value="withdrawn"
            )
            record = item_record(item, None)
        self._open_items.track(record)
        return StatusChange(record, user_id, "open", "withdrawn", None, audience)

    async def assign(
        self, guild_id: int, number: int, actor_id: int, assignee_id: int
    ) -> Assignment:
        async with in_place_writes(self._sessions).session() as session:
            item = await self._store.item_for_update(session, guild_id, number)
            old = item.assignee_id
            if old == assignee_id:
                raise FeedbackError(f"FB-{number} is already assigned to them.")
            item.assignee_id = assignee_id
            item.updated_at = self._clock.now()
            self._store.add_history_row(
                session,
                item,
                actor_id,
                "assigned",
                from_value=str(old) if old is not None else None,
                to_value=str(assignee_id),
            )
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.assign",
                f"FB-{number}",
                {"from": old, "to": assignee_id},
                session=session,
            )
            record = item_record(item, await self._store.number_of(session, item.duplicate_of_id))
        return Assignment(record, actor_id, assignee_id)
