"""A guild's counts, as /admin stats and the API show them: each feature's own counters and
the core's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.feature_asking import FEATURE_TIMEOUT_SECONDS, ask_every_feature
from bot.models import AuditEntry, FeatureBlock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import MemberDataOwner

# More core counters of a guild, from a part of the runtime that keeps its own table (the
# admin cog's members waiting to be forgotten), added while it is loaded.
MoreCounts = Callable[[int], Awaitable[dict[str, int]]]


@dataclass(frozen=True)
class StatsReport:
    # feature → {counter: value}; a feature whose hook failed is in `failed`.
    features: dict[str, dict[str, int]]
    core: dict[str, int]
    failed: tuple[str, ...] = ()


class StatsService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        feature_timeout_seconds: float = FEATURE_TIMEOUT_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._feature_timeout = feature_timeout_seconds
        self._more_counts: list[MoreCounts] = []

    def count_also(self, counts: MoreCounts) -> Callable[[], None]:
        """Add `counts` to the core's; returns the function that stops it (on unload)."""
        self._more_counts.append(counts)

        def stop() -> None:
            if counts in self._more_counts:
                self._more_counts.remove(counts)

        return stop

    async def stats(self, guild_id: int, features: Iterable[MemberDataOwner]) -> StatsReport:
        # The core's counts (the audit log is the longest) run beside the features' own: each
        # session reads on its own connection, so the two overlap instead of adding up.
        (counts, failed), core = await asyncio.gather(
            ask_every_feature(
                features,
                lambda feature: feature.stats(guild_id),
                timeout_seconds=self._feature_timeout,
                doing="count its rows",
            ),
            self._core_counts(guild_id),
        )
        for more in list(self._more_counts):
            core.update(await more(guild_id))
        return StatsReport(counts, core, failed)

    async def _core_counts(self, guild_id: int) -> dict[str, int]:
        async with self._sessions() as session:
            audit = await session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.guild_id == guild_id)
            )
            blocks = await session.scalar(
                select(func.count())
                .select_from(FeatureBlock)
                .where(FeatureBlock.guild_id == guild_id)
            )
        return {"audit entries": audit or 0, "feature blocks": blocks or 0}
