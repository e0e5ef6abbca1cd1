"""The announcements' part of the program dashboard: occurrences posted on time, posted late,
failed and skipped, a week, from the occurrence records the dispatcher claims and completes.

Announcements belong to the server, not to a member, so only moderators see this part. A week
is the one the occurrence was claimed in (when it was due, or when a late one went out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bot.dashboard import Section, Series, per_week, weekly_counts, weekly_panel
from cogs.announcements.models import AnnouncementOccurrence, OccurrenceStatus

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.dashboard import DashboardViewer

FEATURE: Final = "announcements"
Occurrence = AnnouncementOccurrence
OUTCOMES: Final[tuple[tuple[str, tuple[ColumnElement[bool], ...]], ...]] = (
    (
        "Posted on time",
        (Occurrence.status == OccurrenceStatus.POSTED, Occurrence.delayed.is_(False)),
    ),
    ("Posted late", (Occurrence.status == OccurrenceStatus.POSTED, Occurrence.delayed.is_(True))),
    ("Failed", (Occurrence.status == OccurrenceStatus.FAILED,)),
    ("Skipped", (Occurrence.status == OccurrenceStatus.SKIPPED,)),
)


class AnnouncementDashboard:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        if not viewer.everyone:
            return []
        weeks = viewer.weeks
        series = []
        async with self._sessions() as session:
            for name, where in OUTCOMES:
                counts = await weekly_counts(
                    session,
                    weeks,
                    Occurrence.claimed_at,
                    select(Occurrence.id).where(Occurrence.guild_id == guild_id, *where),
                )
                series.append(Series(name, per_week(counts, weeks)))
        panel = weekly_panel(
            "Announcements a week",
            "Each week's scheduled and on-demand posts: on time, late (missed while Nexus was "
            "down, posted afterwards), failed (Discord refused them) and skipped (missed, and "
            "set not to post late).",
            weeks,
            tuple(series),
            kind="stacked",
        )
        return [Section(FEATURE, "Announcements", (panel,), "Every announcement of this server.")]
