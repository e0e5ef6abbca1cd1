"""Forgetting a member: every feature forgets them, then the core's rows about them go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, update

from bot.feature_asking import FEATURE_TIMEOUT_SECONDS, ask_every_feature
from bot.models import FeatureBlock, GuildSetting
from bot.sql import affected_rows
from cogs.admin.models import PendingForget
from cogs.admin.rules import NothingToForget

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import MemberDataOwner


PENDING_KEY = "pending automatic forget removed"
PENDING_REMOVED = f"core: {PENDING_KEY}"


@dataclass(frozen=True)
class ForgetOutcome:
    # "feature: what" → how many, only non-zero entries, in a stable order.
    removed: dict[str, int]
    # Features whose forget hook failed; their data may still be there.
    failed: tuple[str, ...] = ()


class ForgetService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        feature_timeout_seconds: float = FEATURE_TIMEOUT_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._feature_timeout = feature_timeout_seconds

    async def forget_member(
        self, guild_id: int, user_id: int, features: Sequence[MemberDataOwner]
    ) -> ForgetOutcome:
        """Ask every feature to forget the member, then remove the core's rows about them.

        A failing feature does not stop the others; it is reported so a moderator can retry.
        Raises NothingToForget when no feature held anything about the member.
        The audit log is kept: it is the record of moderators' actions, not the member's data.
        """
        reports, failed = await ask_every_feature(
            features,
            lambda feature: feature.forget_member(guild_id, user_id),
            timeout_seconds=self._feature_timeout,
            doing=f"forget member {user_id} of guild {guild_id}",
        )
        removed = {
            f"{name}: {what}": int(count)
            for name, report in reports.items()
            for what, count in report.items()
            if count
        }
        core = await self._forget_core_rows(guild_id, user_id)
        for what, count in core.items():
            if count:
                removed[f"core: {what}"] = count
        if not removed and not failed:
            raise NothingToForget()
        return ForgetOutcome(removed, failed)

    async def _forget_core_rows(self, guild_id: int, user_id: int) -> dict[str, int]:
        async with self._sessions.begin() as session:
            blocks = await session.execute(
                delete(FeatureBlock).where(
                    FeatureBlock.guild_id == guild_id, FeatureBlock.user_id == user_id
                )
            )
            pending = await session.execute(
                delete(PendingForget).where(
                    PendingForget.guild_id == guild_id, PendingForget.user_id == user_id
                )
            )
            # Who last changed a setting is personal; the setting itself is the guild's.
            settings = await session.execute(
                update(GuildSetting)
                .where(GuildSetting.guild_id == guild_id, GuildSetting.updated_by == user_id)
                .values(updated_by=None)
            )
        return {
            "feature blocks removed": affected_rows(blocks),
            PENDING_KEY: affected_rows(pending),
            "settings changes anonymised": affected_rows(settings),
        }
