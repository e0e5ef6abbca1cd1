"""/snippet and "Save as snippet" through the real bot and the sandbox: sharing (options, file,
modal), posting, buttons (also after a restart), search, get, edit, delete, star, top, mine,
autocomplete, limits, permissions and the forget/stats hooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from bot.text import unescape_code_block
from cogs.snippets.models import Snippet
from tests.e2e.conftest import World

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FENCE = "```"


# ---- helpers ----------------------------------------------------------------------------------


async def snippets(bot: NexusBot) -> list[Snippet]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(Snippet).order_by(Snippet.id))).all())


async def count(bot: NexusBot, model: type) -> int:
    async with bot.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def share(
    sandbox: SandboxServer, world: World, user: Any = None, channel: Any = None, **options: Any
) -> Any:
    values = {"title": "Retry with backoff", "code": "def retry(fn):\n    return fn()", **options}
    values = {key: value for key, value in values.items() if value is not None}
    return await sandbox.invoke(
        "/snippet share",
        user=user or world.alice,
        guild=world.guild,
        channel=channel or world.snippets,
        **values,
    )


def shown_code(embed: dict[str, Any]) -> str:
    """The code a reader sees in a snippet embed, invisible escapes removed."""
    description = embed["description"]
    start = description.index(FENCE)
    body_start = description.index("\n", start) + 1
    end = description.index("\n" + FENCE, body_start)
    return unescape_code_block(description[body_start:end])


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed.get("fields", []) if f["name"] == name)


# ---- share -------------------------------------------------------------------------------------


async def test_share_in_the_snippets_channel_posts_it_with_buttons(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await share(sandbox, world, tags="Retry, HTTP", description="Retries a call.")
    assert not result.ephemeral
    embed = result.embed
    assert "Retry with backoff" in embed["title"]
    assert shown_code(embed) == "def retry(fn):\n    return fn()"
    assert field(embed, "Language") == "Python"
    assert field(embed, "Tags") == "#retry #http"
    assert field(embed, "Author") == f"<@{world.alice.id}>"
    labels = [b["label"] for row in result.components for b in row["components"]]
    assert labels == ["Star (0)", "Raw", "Delete"]
    [stored] = await snippets(nexus)
    assert (stored.author_id, stored.language) == (world.alice.id, "python")
    assert stored.tags == "retry http"
    assert (stored.channel_id, stored.message_id) == (world.snippets.id, result.message.id)
    assert f"#{stored.id}" in embed["footer"]["text"]
