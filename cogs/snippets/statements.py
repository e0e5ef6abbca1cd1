"""The statements of a snippet's short writes, built once with their values bound at execution.

Each keeps its cache key, so SQLAlchemy compiles it once per process; building a statement and
going through the ORM session was most of a share's or a star's time (the SQL itself is
~0.05 ms). They run in a synchronous transaction (bot/in_place_writes.py): in place on a SQLite
file, through the pool elsewhere.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Integer, bindparam, delete, insert, select, update

from cogs.snippets.models import Snippet, SnippetStar

# A share: the rate check's one row (the `skip`-th newest share in the window, see
# SnippetStore.share), the new snippet with every column back, and where its post went.
RATE_DECIDER: Final = (
    select(Snippet.created_at)
    .where(
        Snippet.guild_id == bindparam("guild_id"),
        Snippet.author_id == bindparam("author_id"),
        Snippet.created_at > bindparam("since"),
    )
    .order_by(Snippet.created_at.desc())
    .offset(bindparam("skip", type_=Integer))
    .limit(1)
)
NEW_SNIPPET: Final = insert(Snippet).returning(*Snippet.__table__.c)
POSTED_AT: Final = (
    update(Snippet)
    .where(Snippet.guild_id == bindparam("in_guild"), Snippet.id == bindparam("snippet_id"))
    .values(channel_id=bindparam("post_channel"), message_id=bindparam("post_message"))
)

# A star.
STAR_KEYS: Final = (
    SnippetStar.snippet_id == bindparam("snippet_id"),
    SnippetStar.user_id == bindparam("user_id"),
)
STAR_TARGET: Final = select(Snippet.author_id, Snippet.star_count).where(
    Snippet.guild_id == bindparam("guild_id"), Snippet.id == bindparam("snippet_id")
)
UNSTAR: Final = delete(SnippetStar).where(*STAR_KEYS)
STARRED: Final = select(SnippetStar.user_id).where(*STAR_KEYS)
STAR: Final = insert(SnippetStar)
COUNT_STAR: Final = (
    update(Snippet)
    .where(Snippet.id == bindparam("snippet_id"))
    .values(star_count=Snippet.star_count + bindparam("step", type_=Integer))
    .returning(Snippet.star_count)
)
