"""The operations of one registered spec, a page at a time in the document's own order (keyset
on the row id, which follows it): what a spec holds, for readers of the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from cogs.feedback.models import FeedbackOperation

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One operation of a registered spec, as it was read from the document."""

    id: int
    method: str
    path: str
    summary: str | None


@dataclass(frozen=True, slots=True)
class OperationPage:
    items: tuple[OperationRecord, ...]
    next_cursor: int | None  # the last operation's id; None on the last page


class SpecOperations:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def page(
        self, spec_id: int, after: int | None = None, limit: int = PAGE_SIZE
    ) -> OperationPage:
        """`spec_id` from `SpecRegistry.get_spec`, which refuses a name the guild lacks."""
        query = select(
            FeedbackOperation.id,
            FeedbackOperation.method,
            FeedbackOperation.path,
            FeedbackOperation.summary,
        ).where(FeedbackOperation.spec_id == spec_id)
        if after is not None:
            query = query.where(FeedbackOperation.id > after)
        async with self._sessions() as session:
            result = await session.execute(query.order_by(FeedbackOperation.id).limit(limit + 1))
            rows = result.all()
        items = tuple(OperationRecord(*row) for row in rows[:limit])
        more = len(rows) > limit
        return OperationPage(items, items[-1].id if more and items else None)
