"""/admin stats' counts: each feature's own counters and the core's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.models import AuditEntry, FeatureBlock
from cogs.admin.asking import ask_every_feature
from cogs.admin.models import PendingForget
from cogs.admin.rules import FEATURE_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import MemberDataOwner


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
            pending = await session.scalar(
                select(func.count())
                .select_from(PendingForget)
                .where(PendingForget.guild_id == guild_id)
            )
        return {
            "audit entries": audit or 0,
            "feature blocks": blocks or 0,
            "pending forgets": pending or 0,
        }
