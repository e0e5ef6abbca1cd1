"""What feedback keeps about a member and a server: a member forgotten on request (anonymised,
their drafts deleted), counts for /admin stats, and open items worth pairing on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.guild_counts import GuildCounts, with_prefix
from bot.sql import affected_rows
from cogs.feedback.models import (
    FeedbackDraft,
    FeedbackHistory,
    FeedbackItem,
    FeedbackVote,
    FeedbackWatcher,
)
from cogs.feedback.rules import ACTIVE_STATUSES, SEVERITIES, STATUS_LABELS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.feature import ForgetReport


class FeedbackMemberData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._counts = GuildCounts(sessions)

    async def forget(self, guild_id: int, user_id: int) -> ForgetReport:
        """Anonymise a member: reporter, assignee, history actor and votes lose their id; what they
        watched and their drafts are deleted."""
        async with self._sessions.begin() as session:
            reported = await session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.guild_id == guild_id, FeedbackItem.reporter_id == user_id)
                .values(reporter_id=None)
            )
            assigned = await session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.guild_id == guild_id, FeedbackItem.assignee_id == user_id)
                .values(assignee_id=None)
            )
            history = await session.execute(
                update(FeedbackHistory)
                .where(FeedbackHistory.guild_id == guild_id, FeedbackHistory.actor_id == user_id)
                .values(actor_id=None)
            )
            # Assignment history names the assignee in its values; drop the id there too.
            await session.execute(
                update(FeedbackHistory)
                .where(
                    FeedbackHistory.guild_id == guild_id,
                    FeedbackHistory.action == "assigned",
                    FeedbackHistory.to_value == str(user_id),
                )
                .values(to_value="(forgotten member)")
            )
            await session.execute(
                update(FeedbackHistory)
                .where(
                    FeedbackHistory.guild_id == guild_id,
                    FeedbackHistory.action == "assigned",
                    FeedbackHistory.from_value == str(user_id),
                )
                .values(from_value="(forgotten member)")
            )
            votes = await session.execute(
                update(FeedbackVote)
                .where(FeedbackVote.guild_id == guild_id, FeedbackVote.user_id == user_id)
                .values(user_id=None)
            )
            # A forgotten member is told nothing more: they stop watching every item.
            watching = await session.execute(
                delete(FeedbackWatcher).where(
                    FeedbackWatcher.guild_id == guild_id, FeedbackWatcher.user_id == user_id
                )
            )
            drafts = await session.execute(
                delete(FeedbackDraft).where(
                    FeedbackDraft.guild_id == guild_id, FeedbackDraft.reporter_id == user_id
                )
            )
        return {
            "feedback items anonymised": affected_rows(reported),
            "feedback assignments removed": affected_rows(assigned),
            "feedback history entries anonymised": affected_rows(history),
            "feedback +1s anonymised": affected_rows(votes),
            "feedback drafts deleted": affected_rows(drafts),
            "feedback items no longer watched": affected_rows(watching),
        }

    async def stats(self, guild_id: int) -> dict[str, int]:
        # Kept by the database as rows change (feedback_0007), not counted here.
        kept = await self._counts.of(guild_id)
        by_status = with_prefix(kept, "feedback_items.")
        counts = {f"feedback {STATUS_LABELS[status].lower()}": n for status, n in by_status.items()}
        counts["feedback items"] = sum(by_status.values())
        counts["API specs"] = kept.get("feedback_specs", 0)
        return counts

    async def open_topics(self, guild_id: int, limit: int) -> list[str]:
        """A few current open items, worst first: "FB-12 GET /api/jobs — title"."""
        severity_rank = {name: rank for rank, name in enumerate(SEVERITIES)}
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackItem.number,
                        FeedbackItem.method,
                        FeedbackItem.path,
                        FeedbackItem.title,
                        FeedbackItem.severity,
                    )
                    .where(
                        FeedbackItem.guild_id == guild_id,
                        FeedbackItem.status.in_(ACTIVE_STATUSES),
                    )
                    .order_by(FeedbackItem.number.desc())
                    .limit(max(limit, 0) * 4)
                )
            ).all()
        ranked = sorted(rows, key=lambda row: (severity_rank.get(row[4], 9), -row[0]))
        return [
            f"FB-{number} {method} {path} — {title}"
            for number, method, path, title, _ in ranked[: max(limit, 0)]
        ]
