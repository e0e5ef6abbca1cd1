"""A guild's counts, as /admin stats and the API show them: each feature's own counters and
the core's, all read from the counts the database keeps (bot/guild_counts.py) in one query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.feature_asking import FEATURE_TIMEOUT_SECONDS, ask_every_feature
from bot.guild_counts import GuildCounts, one_read

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
        self._counts = GuildCounts(sessions)
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
        # Every feature and the core read the guild's counts; within one_read they share one
        # query. The core asks first and the features find the counts read: one after the
        # other costs no more waiting than side by side, and spares two tasks per request.
        with one_read():
            core = await self._core_counts(guild_id)
            counts, failed = await ask_every_feature(
                features,
                lambda feature: feature.stats(guild_id),
                timeout_seconds=self._feature_timeout,
                doing="count its rows",
            )
        return StatsReport(counts, core, failed)

    async def _core_counts(self, guild_id: int) -> dict[str, int]:
        counts = await self._counts.of(guild_id)
        core = {
            "audit entries": counts.get("audit_log", 0),
            "feature blocks": counts.get("feature_blocks", 0),
        }
        for more in list(self._more_counts):
            core.update(await more(guild_id))
        return core
