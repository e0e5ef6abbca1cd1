"""The item store: a guild's next number, one item read (or locked for a change), item numbers
by id, history rows, and where an item lives in Discord. Intake, the workflow and the queries
share it; plain ids in, rows and records out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Row, and_, bindparam, func, insert, or_, select, true, update

from bot.errors import NotFoundError
from bot.in_place_writes import in_place_writes
from bot.sql import dialect_insert
from cogs.feedback.models import FeedbackCounter, FeedbackHistory, FeedbackItem
from cogs.feedback.records import ItemRecord
from cogs.feedback.rules import ACTIVE_STATUSES

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

    from bot.clock import Clock


class ItemStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # Built once for the backend (an upsert is spelled per dialect), the guild bound.
        self._next_number = (
            dialect_insert(sessions.kw["bind"].dialect.name, FeedbackCounter)
            .values(guild_id=bindparam("guild_id"), last_number=1)
            .on_conflict_do_update(
                index_elements=[FeedbackCounter.guild_id],
                set_={"last_number": FeedbackCounter.last_number + 1},
            )
            .returning(FeedbackCounter.last_number)
        )

    async def next_number(self, session: AsyncSession | AsyncConnection, guild_id: int) -> int:
        """Hand out the guild's next number atomically (an upsert on the counter row)."""
        number = (await session.execute(self._next_number, {"guild_id": guild_id})).scalar_one()
        return int(number)

    def add_history_row(
        self,
        session: AsyncSession,
        item: FeedbackItem | ItemRecord,
        actor_id: int | None,
        action: str,
        *,
        from_value: str | None = None,
        to_value: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> None:
        values = history_row(
            item, actor_id, action, from_value, to_value, note, at or self._clock.now()
        )
        session.add(FeedbackHistory(**values))

    async def item(self, session: AsyncSession, guild_id: int, number: int) -> FeedbackItem:
        item = await session.scalar(
            select(FeedbackItem).where(
                FeedbackItem.guild_id == guild_id, FeedbackItem.number == number
            )
        )
        if item is None:
            raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
        return item

    async def item_for_update(
        self, session: AsyncSession, guild_id: int, number: int
    ) -> FeedbackItem:
        """The item, locked until the transaction ends: concurrent changes queue behind it.

        Three status changes at the same moment each read Open before this lock was taken.
        The lock is `lock_rows`' write of a column to itself, here with RETURNING: the write
        that locks it reads it too, in one statement.
        """
        where = (FeedbackItem.guild_id == guild_id, FeedbackItem.number == number)
        item = await session.scalar(
            update(FeedbackItem)
            .where(*where)
            .values(updated_at=FeedbackItem.updated_at)
            .returning(FeedbackItem)
            .execution_options(synchronize_session=False)
        )
        if item is None:
            raise NotFoundError(f"There is no feedback item FB-{number} in this server.")
        return item

    async def number_of(
        self, session: AsyncSession | AsyncConnection, item_id: int | None
    ) -> int | None:
        if item_id is None:
            return None
        number = await session.scalar(select(FeedbackItem.number).where(FeedbackItem.id == item_id))
        return int(number) if number is not None else None

    async def numbers_by_id(
        self, session: AsyncSession | AsyncConnection, ids: set[int]
    ) -> dict[int, int]:
        if not ids:
            return {}
        rows = await session.execute(
            select(FeedbackItem.id, FeedbackItem.number).where(FeedbackItem.id.in_(ids))
        )
        return {int(item_id): int(number) for item_id, number in rows.all()}

    async def record_posting(
        self,
        item: ItemRecord,
        *,
        channel_id: int | None,
        message_id: int | None,
        thread_id: int | None,
        note: str | None = None,
        placement: str | None = None,
    ) -> ItemRecord:
        """Remember where the item lives in Discord (after posting or re-creating it); the
        item as it is now, read by the write itself. NotFoundError if it is gone meanwhile."""
        where = {
            "item_id": item.id,
            "to_channel": channel_id,
            "to_message": message_id,
            "to_thread": thread_id,
            "to_placement": placement,
        }
        async with in_place_writes(self._sessions).connection() as connection:
            row = (await connection.execute(_RECORD_POSTING, where)).one_or_none()
            if row is None:
                raise NotFoundError(f"There is no feedback item {item.ref} in this server.")
            if note is not None:
                at = self._clock.now()
                await connection.execute(
                    NEW_HISTORY, history_row(row, None, "reposted", None, None, note, at)
                )
        return item_record(row, item.duplicate_of_number)

    # ---- a new item's first post --------------------------------------------------------

    async def numbers_due_a_post(self, guild_id: int) -> list[int]:
        """The guild's items stored but whose first post was never recorded (a crash came
        between the two), oldest first."""
        async with self._sessions() as session:
            numbers = await session.scalars(
                select(FeedbackItem.number)
                .where(FeedbackItem.guild_id == guild_id, FeedbackItem.post_due == true())
                .order_by(FeedbackItem.number)
            )
            return [int(number) for number in numbers]

    async def post_refused(self, item_id: int) -> None:
        """The first post was tried and refused (no channel set, no permission): the reporter
        was told, and a restart does not try again."""
        async with in_place_writes(self._sessions).connection() as connection:
            await connection.execute(
                update(FeedbackItem).where(FeedbackItem.id == item_id).values(post_due=False)
            )

    # ---- moving an item between placements (feedback.mode) ------------------------------

    async def number_by_thread(self, guild_id: int, thread_id: int) -> int | None:
        """The item whose discussion is thread `thread_id` (a forum post), if any."""
        async with self._sessions() as session:
            number = await session.scalar(
                select(FeedbackItem.number).where(
                    FeedbackItem.guild_id == guild_id, FeedbackItem.thread_id == thread_id
                )
            )
        return int(number) if number is not None else None

    async def numbers_to_move(self, guild_id: int, mode: str) -> list[int]:
        """Open items not yet in `mode`'s placement, and any item whose move is unfinished."""
        unfinished = or_(
            FeedbackItem.moved_from_message_id.is_not(None),
            FeedbackItem.moved_from_thread_id.is_not(None),
        )
        # An item whose first post is still due has nothing to move: it is posted in `mode`.
        wrong_place = and_(
            FeedbackItem.status.in_(ACTIVE_STATUSES),
            FeedbackItem.placement != mode,
            ~FeedbackItem.post_due,
        )
        async with self._sessions() as session:
            numbers = await session.scalars(
                select(FeedbackItem.number)
                .where(FeedbackItem.guild_id == guild_id, or_(wrong_place, unfinished))
                .order_by(FeedbackItem.number)
            )
            return [int(number) for number in numbers]

    async def begin_move(self, item_id: int, mode: str) -> bool:
        """Claim the move to `mode` before posting there; True when an earlier attempt had
        claimed it already (and may have posted before it stopped)."""
        async with self._sessions.begin() as session:
            item = await session.get(FeedbackItem, item_id)
            if item is None:
                return False
            claimed = item.moving_to == mode
            item.moving_to = mode
            return claimed

    async def record_move(
        self, item_id: int, mode: str, *, channel_id: int, message_id: int, thread_id: int | None
    ) -> None:
        """The item now lives at the new post; the old one is kept until it links here."""
        async with self._sessions.begin() as session:
            item = await session.get(FeedbackItem, item_id)
            if item is None:
                return
            old_placement = item.placement
            item.moved_from_channel_id = item.channel_id
            item.moved_from_message_id = item.message_id
            item.moved_from_thread_id = item.thread_id
            item.channel_id, item.message_id, item.thread_id = channel_id, message_id, thread_id
            item.placement, item.moving_to = mode, None
            self.add_history_row(
                session, item, None, "moved", from_value=old_placement, to_value=mode
            )

    async def moved_from(self, item_id: int) -> tuple[int | None, int | None, int | None]:
        """(channel, message, thread) of the post the item moved from, not yet retired."""
        async with self._sessions() as session:
            item = await session.get(FeedbackItem, item_id)
            if item is None:
                return None, None, None
            return (
                item.moved_from_channel_id,
                item.moved_from_message_id,
                item.moved_from_thread_id,
            )

    async def finish_move(self, item_id: int) -> None:
        async with self._sessions.begin() as session:
            item = await session.get(FeedbackItem, item_id)
            if item is not None:
                item.moved_from_channel_id = None
                item.moved_from_message_id = None
                item.moved_from_thread_id = None
                item.moving_to = None


# A history row's insert, built once, for transactions in Core statements.
NEW_HISTORY: Final = insert(cast("Table", FeedbackHistory.__table__))
_ITEMS: Final = cast("Table", FeedbackItem.__table__)
_RECORD_POSTING: Final = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(
        channel_id=bindparam("to_channel"),
        message_id=bindparam("to_message"),
        thread_id=bindparam("to_thread"),
        placement=func.coalesce(bindparam("to_placement"), _ITEMS.c.placement),
        post_due=False,
    )
    .returning(*_ITEMS.c)
)


def history_row(  # noqa: PLR0917 (one parameter per column)
    item: FeedbackItem | ItemRecord | Row[Any, *tuple[Any, ...]],
    actor_id: int | None,
    action: str,
    from_value: str | None,
    to_value: str | None,
    note: str | None,
    at: datetime,
) -> dict[str, Any]:
    """A history row's values (its from and to cut to their columns' 200 characters)."""
    return {
        "guild_id": item.guild_id,
        "item_id": item.id,
        "actor_id": actor_id,
        "action": action,
        "from_value": from_value[:200] if from_value else None,
        "to_value": to_value[:200] if to_value else None,
        "note": note,
        "created_at": at,
    }


def item_record(
    item: FeedbackItem | Row[Any, *tuple[Any, ...]], duplicate_of_number: int | None
) -> ItemRecord:
    return ItemRecord(
        id=item.id,
        guild_id=item.guild_id,
        number=item.number,
        reporter_id=item.reporter_id,
        method=item.method,
        path=item.path,
        in_spec=item.in_spec,
        severity=item.severity,
        title=item.title,
        details=item.details,
        expected=item.expected,
        actual=item.actual,
        status=item.status,
        duplicate_of_number=duplicate_of_number,
        assignee_id=item.assignee_id,
        plus_ones=item.plus_ones,
        channel_id=item.channel_id,
        message_id=item.message_id,
        thread_id=item.thread_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        placement=item.placement,
    )
