"""Runs in the database: accepted (counted against the member's rate), finished, found again
by the buttons on their result, forgotten and pruned. No Discord here."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete, select, update

from bot.errors import UserFacingError
from bot.formatters import discord_timestamp, plural
from bot.guild_counts import GuildCounts
from bot.sql import affected_rows, as_utc
from cogs.run.models import CodeRun
from cogs.run.records import StoredRun
from cogs.run.rules import NO_SERVER, OUTPUT_EXCERPT_CHARS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock
    from bot.runner.records import RunResult

RATE_WINDOW: Final = timedelta(minutes=1)


class RunRateLimited(UserFacingError):
    pass


class RunStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._counts = GuildCounts(sessions)

    async def accept(
        self,
        *,
        guild_id: int,
        user_id: int,
        language: str,
        code: str,
        stdin: str,
        snippet_id: int | None,
        title: str | None,
        runs_per_minute: int,
    ) -> int:
        """Record a run about to start, or refuse it (and record nothing) over the rate: the
        member's runs in this server, or, outside one (NO_SERVER), all their runs.

        The row goes in before the count, in one transaction: on SQLite, writers queue, so two
        runs of one member at the same instant cannot both squeeze under the limit.
        """
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = CodeRun(
                guild_id=guild_id,
                user_id=user_id,
                language=language,
                code=code,
                stdin=stdin,
                snippet_id=snippet_id,
                title=title,
                limits_hit="",
                output_excerpt="",
            )
            session.add(row)
            await session.flush()
            counted = [
                CodeRun.user_id == user_id,
                CodeRun.created_at > now - RATE_WINDOW,
                CodeRun.id < row.id,
            ]
            if guild_id != NO_SERVER:
                counted.append(CodeRun.guild_id == guild_id)
            recent = (
                await session.scalars(
                    select(CodeRun.created_at)
                    .where(*counted)
                    .order_by(CodeRun.created_at.desc())
                    .limit(runs_per_minute)
                )
            ).all()
            if len(recent) >= runs_per_minute:
                again = as_utc(recent[-1]) + RATE_WINDOW
                raise RunRateLimited(
                    f"You can start {plural(runs_per_minute, 'run')} a minute; "
                    f"try again {discord_timestamp(again, 'R')}."
                )
            return row.id

    async def withdraw(self, run_id: int) -> None:
        """Remove a run that never happened (the queue was full, the runner went away)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(CodeRun).where(CodeRun.id == run_id))

    async def finish(
        self, run_id: int, result: RunResult, shown_at: tuple[int, int] | None
    ) -> None:
        """Complete the run with its result and the (channel, message) showing it, if public."""
        excerpt = (result.stdout or result.stderr)[:OUTPUT_EXCERPT_CHARS]
        channel_id, message_id = shown_at or (None, None)
        async with self._sessions.begin() as session:
            await session.execute(
                update(CodeRun)
                .where(CodeRun.id == run_id)
                .values(
                    exit_code=result.exit_code,
                    signal=result.signal,
                    duration_ms=round(result.duration_seconds * 1000),
                    limits_hit=",".join(sorted(result.limits_hit)),
                    output_excerpt=excerpt,
                    finished_at=self._clock.now(),
                    channel_id=channel_id,
                    message_id=message_id,
                )
            )

    async def get(self, guild_id: int, run_id: int) -> StoredRun | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(CodeRun).where(CodeRun.guild_id == guild_id, CodeRun.id == run_id)
            )
        if row is None:
            return None
        return StoredRun(
            id=row.id,
            guild_id=row.guild_id,
            user_id=row.user_id,
            language=row.language,
            code=row.code,
            stdin=row.stdin,
            snippet_id=row.snippet_id,
            title=row.title,
            output_excerpt=row.output_excerpt,
        )

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(CodeRun).where(CodeRun.guild_id == guild_id, CodeRun.user_id == user_id)
            )
        return affected_rows(result)

    async def count(self, guild_id: int) -> int:
        # Kept by the database as runs are stored and pruned (run_0002), not counted here.
        return (await self._counts.of(guild_id)).get("code_runs", 0)

    async def prune(self, keep: timedelta) -> int:
        """Delete runs older than `keep` (their buttons then say the run is gone)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(CodeRun).where(CodeRun.created_at < self._clock.now() - keep)
            )
        return affected_rows(result)
