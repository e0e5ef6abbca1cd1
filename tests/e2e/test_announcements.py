"""/announce through the real bot and the sandbox, with a frozen clock: nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.models import AuditEntry
from bot.sandbox.interactions import APPLICATION_COMMAND
from cogs.announcements.commands import AnnouncementsCog
from cogs.announcements.models import Announcement, AnnouncementOccurrence
from tests.e2e.conftest import StartBot, World, stop_bot

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def started(start_nexus: StartBot, clock: FrozenClock, **overrides: Any) -> NexusBot:
    bot = await start_nexus(clock=clock, **overrides)
    await cog_of(bot).ready.wait()
    return bot


def cog_of(bot: NexusBot) -> AnnouncementsCog:
    cog = bot.get_cog("AnnouncementsCog")
    assert isinstance(cog, AnnouncementsCog)
    return cog


async def announcements(bot: NexusBot) -> list[Announcement]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(Announcement).order_by(Announcement.id))).all())


async def occurrences(bot: NexusBot) -> list[AnnouncementOccurrence]:
    async with bot.db.sessions() as session:
        query = select(AnnouncementOccurrence).order_by(AnnouncementOccurrence.id)
        return list((await session.scalars(query)).all())


async def audit_actions(bot: NexusBot) -> list[str]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def announce(sandbox: Any, sub: str, *, user: Any, where: Any, **options: Any) -> Any:
    """Run `/announce <sub>` with `options`, which may include the option named `channel`.

    `sandbox.invoke(channel=…)` means "where the command is typed", so the `channel` option of
    /announce create cannot be passed through it; this builds the same interaction by hand.
    """
    path = f"/announce {sub}"
    data = sandbox.builder.command_data(path, where.guild, where, user, options)
    return await sandbox._send(
        APPLICATION_COMMAND,
        data,
        user=user,
        guild=where.guild,
        channel=where,
        name=path,
        timeout=10.0,
        quiet=0.05,
    )


def bot_posts(channel: Any, sandbox: Any) -> list[Any]:
    bot_id = sandbox.state.bot_user.id
    return [m for m in channel.messages if m.author.id == bot_id and not m.ephemeral]


async def test_created_announcement_fires_with_its_embed_and_role_ping(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    reply = await announce(
        sandbox,
        "create",
        user=world.admin,
        where=world.announcements,
        channel=world.general,
        when="in 2h",
        message="Demo day is on Friday. @everyone bring snacks",
        title="Demo day",
        ping=world.triager_role,
    )
    assert reply.ephemeral
    assert "#1" in reply.text
    rows = await announcements(bot)
    assert len(rows) == 1
    assert rows[0].next_run_at == START + timedelta(hours=2)

    clock.advance(timedelta(hours=2))
    report = await cog_of(bot).dispatcher.run_due()

    posts = bot_posts(world.general, sandbox)
    assert len(posts) == 1
    post = posts[0]
    assert post.embeds[0]["title"] == "Demo day"
    assert "Demo day is on Friday" in post.embeds[0]["description"]
    assert post.content == world.triager_role.mention
    assert world.triager_role in post.pinged
    assert not post.pinged.everyone
    assert len(report.posted) == 1
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "posted"
    assert occurrence.message_id == post.id
    [row] = await announcements(bot)
    assert row.status == "done"
    assert row.next_run_at is None
    assert "announcement.create" in await audit_actions(bot)
