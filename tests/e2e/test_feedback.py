"""/feedback through the real bot and the sandbox: intake, duplicates, triage, lists, exports,
the spec registry and its autocomplete, and every refusal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from cogs.feedback.models import FeedbackHistory, FeedbackItem
from tests.e2e.conftest import World


async def items(bot: NexusBot) -> list[FeedbackItem]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))).all())


async def history(bot: NexusBot, item_id: int) -> list[FeedbackHistory]:
    async with bot.db.sessions() as session:
        query = select(FeedbackHistory).where(FeedbackHistory.item_id == item_id)
        return list((await session.scalars(query.order_by(FeedbackHistory.id))).all())


async def log(
    sandbox: SandboxServer, world: World, user: Any = None, **options: Any
) -> Any:
    values = {
        "endpoint": "GET /api/jobs/",
        "severity": "bug",
        "title": "Jobs list returns 500",
        "details": "Calling it with page=2 fails.",
        **options,
    }
    return await sandbox.invoke(
        "/feedback log", user=user or world.alice, guild=world.guild, channel=world.general,
        **values,
    )


async def test_log_with_options_posts_an_embed_and_a_thread(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await log(sandbox, world, expected="200 and a page", actual="500")
    assert result.ephemeral
    assert "Logged **FB-1**" in result.text
    [row] = await items(nexus)
    assert (row.number, row.method, row.path, row.status) == (1, "GET", "/api/jobs", "open")
    [post] = [m for m in world.feedback.messages if m.embeds]
    embed = post.embeds[0]
    assert embed["title"] == "FB-1 · Jobs list returns 500"
    assert embed["color"] == 0x3498DB
    [thread] = world.feedback.threads
    assert thread.id == row.thread_id and post.id == row.message_id
    assert world.alice.id in thread.members
    print(result.text)
    print(embed)
