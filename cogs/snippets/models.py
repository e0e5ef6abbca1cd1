"""The snippets feature's tables.

The full-text index (`snippets_fts`, SQLite FTS5, contentless) and, on PostgreSQL, the
`search_vector` column are created by the migration and maintained by the snippet store; they
are not ORM-mapped because their shape is dialect-specific.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, clock_now


class Snippet(Base):
    __tablename__ = "snippets"
    __table_args__ = (
        Index("ix_snippets_guild_id_id", "guild_id", "id"),
        Index("ix_snippets_guild_id_author_id_id", "guild_id", "author_id", "id"),
        Index("ix_snippets_guild_id_author_id_created_at", "guild_id", "author_id", "created_at"),
        Index("ix_snippets_guild_id_star_count_id", "guild_id", "star_count", "id"),
        # The dashboard's weeks: a guild's snippets shared in a window of time.
        Index("ix_snippets_guild_id_created_at", "guild_id", "created_at"),
        # Ids are never reused, so a button on an old message can't act on a newer snippet.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guild_id: Mapped[int]
    # None once the author was forgotten with "anonymise".
    author_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(32))
    # Space-separated, lower case; tags never contain whitespace.
    tags: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(Text)
    star_count: Mapped[int] = mapped_column(default=0)
    # Where the share was posted, so a deletion can take the post down too.
    channel_id: Mapped[int | None]
    message_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)
    updated_at: Mapped[datetime | None]


class SnippetStar(Base):
    __tablename__ = "snippet_stars"
    __table_args__ = (
        Index("ix_snippet_stars_guild_id_user_id", "guild_id", "user_id"),
        Index("ix_snippet_stars_guild_id_created_at", "guild_id", "created_at"),
    )

    snippet_id: Mapped[int] = mapped_column(
        ForeignKey("snippets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    guild_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock_now)


class SnippetSearchWeek(Base):
    """How many searches a guild ran in one local week (Monday's date, in the guild's time
    zone): a counter for the program dashboard. It holds no member data, so forgetting a
    member leaves it as it is."""

    __tablename__ = "snippet_search_weeks"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    week_start: Mapped[date] = mapped_column(primary_key=True)
    searches: Mapped[int] = mapped_column(default=0)


__all__ = ["Snippet", "SnippetSearchWeek", "SnippetStar"]


class SnippetSearchChange(Base):
    """A snippet whose searchable text changed (shared, edited, deleted, anonymised).

    Written in the snippet's own transaction; each process's search index applies the rows after
    the last one it applied before it answers a search, so what is stored is what is found.
    """

    __tablename__ = "snippet_search_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    snippet_id: Mapped[int]
