"""/snippet and "Save as snippet" through the real bot and the sandbox: sharing (options, file,
modal), posting, buttons (also after a restart), search, get, edit, delete, star, top, mine,
autocomplete, limits, permissions and the forget/stats hooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from bot.sandbox.state import Attachment
from bot.text import unescape_code_block
from cogs.snippets.models import Snippet, SnippetStar
from tests.e2e.conftest import StartBot, World

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


async def test_share_elsewhere_posts_in_the_snippets_channel_and_links_privately(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await share(sandbox, world, channel=world.general)
    assert result.ephemeral
    [stored] = await snippets(nexus)
    assert f"#{stored.id}" in result.text
    [post] = [m for m in world.snippets.messages if m.embeds]
    assert post.id == stored.message_id
    assert shown_code(post.embeds[0]) == stored.code
    assert not [m for m in world.general.messages if m.embeds]


async def test_share_without_code_opens_the_modal_and_stores_what_is_submitted(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await share(sandbox, world, code=None, title="From the form", tags="sql")
    assert result.modal is not None
    assert result.modal.fields["title"]["value"] == "From the form"
    assert result.modal.fields["tags"]["value"] == "sql"
    assert await count(nexus, Snippet) == 0
    submitted = await result.submit_modal(
        {"code": "SELECT id FROM users WHERE id = 1;", "language": ""}
    )
    [stored] = await snippets(nexus)
    assert (stored.title, stored.language, stored.tags) == ("From the form", "sql", "sql")
    assert stored.code == "SELECT id FROM users WHERE id = 1;"
    assert shown_code(submitted.embed) == stored.code
    assert field(submitted.embed, "Language") == "SQL"


async def test_long_code_from_a_file_is_attached_with_a_fifteen_line_preview(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    code = "\n".join(f"print('line {n}')  # " + "x" * 40 for n in range(300))
    upload = Attachment("worker.py", code.encode(), "text/x-python")
    result = await share(sandbox, world, code=None, file=upload, title="Long worker")
    [stored] = await snippets(nexus)
    assert stored.code == code
    assert stored.language == "python"
    [post] = [m for m in world.snippets.messages if m.embeds]
    [attached] = post.attachments
    assert attached.filename == f"snippet-{stored.id}.py"
    assert attached.data.decode() == code
    assert shown_code(post.embeds[0]) == "\n".join(code.split("\n")[:15])
    assert "first 15 of 300 lines" in post.embeds[0]["description"]
    assert result.ephemeral and f"#{stored.id}" in result.text


async def test_fences_and_mentions_in_code_are_kept_verbatim_and_ping_nobody(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    code = (
        "```js\nalert(1)\n```\n"
        f"@everyone @here <@&{world.moderator_role.id}> <@{world.bob.id}> ``\n`"
    )
    result = await share(sandbox, world, code=code, language="js")
    [stored] = await snippets(nexus)
    assert stored.code == code
    description = result.embed["description"]
    inner = description[description.index("\n") + 1 : description.rindex("\n" + FENCE)]
    assert FENCE not in inner
    assert shown_code(result.embed) == code
    assert not result.message.pinged
    assert "@everyone" not in result.message.content


BAD_SHARES: list[tuple[str, dict[str, Any], str]] = [
    ("whitespace code", {"code": "  \n\t "}, "code is empty"),
    ("long title", {"title": "t" * 101}, "keep it to 100"),
    ("six tags", {"tags": "a, b, c, d, e, f"}, "at most 5"),
    ("long tag", {"tags": "x" * 31}, "at most 30 characters"),
    ("unknown language", {"language": "klingon"}, "don't know the language"),
    (
        "code and file",
        {"file": Attachment("a.py", b"print(1)", "text/plain")},
        "not both",
    ),
    (
        "binary file",
        {"code": None, "file": Attachment("a.bin", b"\x00\x01\x02", "application/octet-stream")},
        "binary",
    ),
    (
        "invalid utf-8",
        {"code": None, "file": Attachment("a.txt", b"caf\xe9 au lait", "text/plain")},
        "not valid UTF-8",
    ),
    (
        "oversized file",
        {"code": None, "file": Attachment("big.txt", b"x" * 100_001, "text/plain")},
        "at most 100 KB",
    ),
]


async def test_bad_share_input_gets_a_clear_private_error_and_stores_nothing(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    for name, options, expected in BAD_SHARES:
        result = await share(sandbox, world, **options)
        assert result.ephemeral, name
        assert expected in result.text, (name, result.text)
        assert "error id" not in result.text, name
    assert await count(nexus, Snippet) == 0
    assert not [m for m in world.snippets.messages if m.embeds]


async def test_share_rate_limit_says_how_long_to_wait(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(NOW)
    bot = await start_nexus(clock=clock, snippets={"shares_per_minute": 2})
    await share(sandbox, world)
    clock.advance(timedelta(seconds=20))
    await share(sandbox, world)
    clock.advance(timedelta(seconds=5))
    refused = await share(sandbox, world)
    assert refused.ephemeral
    assert "2 snippets a minute" in refused.text and "35 s" in refused.text
    assert await count(bot, Snippet) == 2
    clock.advance(timedelta(seconds=36))
    await share(sandbox, world)
    assert await count(bot, Snippet) == 3


async def test_guild_setting_overrides_the_share_rate_limit(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    bot = await start_nexus(clock=FrozenClock(NOW))
    await bot.guild_settings.set(world.guild.id, "snippets.shares_per_minute", 1, actor_id=None)
    await share(sandbox, world)
    refused = await share(sandbox, world)
    assert "1 snippet a minute" in refused.text
    assert await count(bot, Snippet) == 1


# ---- buttons ------------------------------------------------------------------------------------


async def test_star_button_toggles_and_updates_the_count_in_place(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    clicked = await posted.click("Star", user=world.bob)
    assert field(posted.message.embeds[0], "Stars") == "⭐ 1"
    assert "Star (1)" in [b["label"] for b in posted.buttons]
    assert not clicked.ephemeral
    assert await count(nexus, SnippetStar) == 1
    await posted.click("Star", user=world.bob)
    assert field(posted.message.embeds[0], "Stars") == "⭐ 0"
    assert await count(nexus, SnippetStar) == 0
    own = await posted.click("Star", user=world.alice)
    assert own.ephemeral and "your own" in own.text


async def test_raw_button_sends_the_exact_code_as_a_private_file(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    code = "x = '```'\r\n\tprint(\"é\")  \n"
    posted = await share(sandbox, world, code=code, language="python")
    raw = await posted.click("Raw", user=world.carol)
    [stored] = await snippets(nexus)
    assert raw.ephemeral
    [file] = raw.files
    assert file.filename == f"snippet-{stored.id}.py"
    assert file.data.decode("utf-8") == code == stored.code


async def test_delete_button_asks_then_deletes_the_snippet_and_its_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    refused = await posted.click("Delete", user=world.bob)
    assert refused.ephemeral and "Only the author or a moderator" in refused.text
    prompt = await posted.click("Delete", user=world.alice)
    assert prompt.ephemeral and "can't be undone" in prompt.text
    assert await count(nexus, Snippet) == 1
    await prompt.click("Delete")
    await sandbox.wait_until(lambda: posted.message.deleted, 5, "the post to go")
    assert await count(nexus, Snippet) == 0


async def test_buttons_keep_working_after_a_restart(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    first = await start_nexus()
    posted = await share(sandbox, world)
    await first.close()
    second = await start_nexus()
    await posted.click("Star", user=world.carol)
    assert await count(second, SnippetStar) == 1
    assert field(posted.message.embeds[0], "Stars") == "⭐ 1"
