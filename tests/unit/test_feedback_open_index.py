"""The open-item index cache while loads are in flight: every load gets the changes this process
made during its read, whatever order the reads come back in."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from cogs.feedback.models import FeedbackItem
from cogs.feedback.open_index import OpenItemIndexes

if TYPE_CHECKING:
    from collections.abc import Sequence

GUILD = 7


class ReadsReleasedByHand(OpenItemIndexes):
    """The database read of each load waits until the test releases it (the order of the
    reads is what is under test, not the read)."""

    def __init__(self) -> None:
        super().__init__(sessions=None)  # type: ignore[arg-type]  # no read reaches it
        self.reads: list[asyncio.Future[list[tuple[int, int, str, str, str]]]] = []

    async def _read(self, guild_id: int) -> Sequence[Any]:
        read: asyncio.Future[list[tuple[int, int, str, str, str]]] = (
            asyncio.get_running_loop().create_future()
        )
        self.reads.append(read)
        return await read


def open_item(item_id: int, title: str) -> FeedbackItem:
    return FeedbackItem(
        id=item_id, guild_id=GUILD, number=item_id, method="GET", path="/api/jobs",
        title=title, status="open",
    )  # fmt: skip


async def test_a_change_during_two_loads_reaches_both_when_the_later_read_returns_first() -> None:
    indexes = ReadsReleasedByHand()
    older = asyncio.create_task(indexes.for_guild(GUILD))
    newer = asyncio.create_task(indexes.for_guild(GUILD))
    await asyncio.sleep(0)
    first_read, second_read = indexes.reads
    second_read.set_result([(1, 1, "GET", "/api/jobs", "Jobs list returns 500")])
    await newer
    # Made while the older load's read is still out: its read may not hold it.
    indexes.track(open_item(2, "Job detail ignores the salary field"))
    first_read.set_result([(1, 1, "GET", "/api/jobs", "Jobs list returns 500")])
    index = await older
    assert sorted(index.positions) == [1, 2]
    assert indexes._loading == {}
    found = index.find("GET", "/api/jobs", "Job detail ignores the salary field")
    assert [candidate.number for candidate in found][:1] == [2]
