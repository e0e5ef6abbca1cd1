"""The snippets' part of the program dashboard: shares, stars and searches a week, top tags.

A moderator sees the server's; a member sees their own snippets, the stars those received and
the stars they gave, and their own top tags (searches are counted per server only, so a
member's part has none). Counted in SQL over the dashboard's weeks.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.dashboard import (
    TOP_SHOWN,
    Chart,
    Panel,
    Section,
    Series,
    Table,
    per_week,
    weekly_counts,
    weekly_panel,
)
from cogs.snippets.models import Snippet, SnippetStar
from cogs.snippets.rules import FEATURE

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.dashboard import DashboardViewer, Weeks
    from cogs.snippets.search_counts import SearchCounts


class SnippetDashboard:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], search_counts: SearchCounts
    ) -> None:
        self._sessions = sessions
        self._search_counts = search_counts

    async def sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        weeks = viewer.weeks
        async with self._sessions() as session:
            if viewer.everyone:
                weekly = await self._server_weeks(session, guild_id, weeks)
                note = "Everyone's snippets in this server."
            else:
                weekly = await _member_weeks(session, guild_id, viewer.user_id, weeks)
                note = "Your own snippets, the stars they received and the stars you gave."
            tags = await _top_tags(
                session, guild_id, None if viewer.everyone else viewer.user_id, weeks
            )
        activity = weekly_panel(
            "Snippets a week" if viewer.everyone else "Your snippets a week",
            "Snippets shared, stars given and searches run, each week."
            if viewer.everyone
            else "Snippets you shared, stars they received and stars you gave, each week.",
            weeks,
            weekly,
        )
        return [Section(FEATURE, "Snippets", (activity, _tags_panel(tags, viewer.everyone)), note)]

    async def _server_weeks(
        self, session: AsyncSession, guild_id: int, weeks: Weeks
    ) -> tuple[Series, ...]:
        shares = await weekly_counts(
            session,
            weeks,
            Snippet.created_at,
            select(Snippet.id).where(Snippet.guild_id == guild_id),
        )
        stars = await weekly_counts(
            session,
            weeks,
            SnippetStar.created_at,
            select(SnippetStar.snippet_id).where(SnippetStar.guild_id == guild_id),
        )
        counted = await self._search_counts.weekly(guild_id, weeks.dates[0], weeks.dates[-1])
        searches = {weeks.index_of_date(day): count for day, count in counted.items()}
        return (
            Series("Shares", per_week(shares, weeks)),
            Series("Stars", per_week(stars, weeks)),
            Series(
                "Searches", per_week({k: v for k, v in searches.items() if k is not None}, weeks)
            ),
        )


async def _member_weeks(
    session: AsyncSession, guild_id: int, user_id: int, weeks: Weeks
) -> tuple[Series, ...]:
    mine = (Snippet.guild_id == guild_id, Snippet.author_id == user_id)
    shares = await weekly_counts(
        session, weeks, Snippet.created_at, select(Snippet.id).where(*mine)
    )
    received = await weekly_counts(
        session,
        weeks,
        SnippetStar.created_at,
        select(SnippetStar.snippet_id)
        .join(Snippet, Snippet.id == SnippetStar.snippet_id)
        .where(*mine),
    )
    given = await weekly_counts(
        session,
        weeks,
        SnippetStar.created_at,
        select(SnippetStar.snippet_id).where(
            SnippetStar.guild_id == guild_id, SnippetStar.user_id == user_id
        ),
    )
    return (
        Series("Shares", per_week(shares, weeks)),
        Series("Stars received", per_week(received, weeks)),
        Series("Stars given", per_week(given, weeks)),
    )


async def _top_tags(
    session: AsyncSession, guild_id: int, author_id: int | None, weeks: Weeks
) -> list[tuple[str, int]]:
    """The most used tags of the snippets shared in the weeks. Tags are stored as one
    space-separated text, so the database counts each distinct set and Python splits them."""
    query = (
        select(Snippet.tags, func.count())
        .where(Snippet.guild_id == guild_id, Snippet.tags != "", weeks.within(Snippet.created_at))
        .group_by(Snippet.tags)
    )
    if author_id is not None:
        query = query.where(Snippet.author_id == author_id)
    counts: Counter[str] = Counter()
    for tags, count in (await session.execute(query)).all():
        for tag in set(tags.split()):
            counts[tag] += int(count)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_SHOWN]


def _tags_panel(tags: list[tuple[str, int]], everyone: bool) -> Panel:
    labels = tuple(f"#{tag}" for tag, _ in tags)
    counts = tuple(float(count) for _, count in tags)
    return Panel(
        "Top tags" if everyone else "Your top tags",
        f"The {TOP_SHOWN} tags most used by snippets shared in these weeks, with how many "
        "snippets carry each.",
        Table(("Tag", "Snippets"), tuple(zip(labels, counts, strict=True))),
        Chart("bar", labels, (Series("Snippets", counts),), "snippets") if tags else None,
    )
