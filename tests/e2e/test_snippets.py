"""/snippet and "Save as snippet" through the real bot and the sandbox: sharing (options, file,
modal), posting, buttons (also after a restart), search, get, edit, delete, star, top, mine,
autocomplete, limits, permissions and the forget/stats hooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import NexusBot
from bot.capabilities import RunsCode, offered
from bot.clock import FrozenClock
from bot.code_blocks import unescape_code_block
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from bot.sandbox.attachments import Attachment
from cogs.snippets.models import Snippet, SnippetStar
from tests.e2e.conftest import StartBot, World
from tests.probe_feature import loaded_feature

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


def run_button(bot: NexusBot) -> list[str]:
    """A Python snippet's post has a Run button while a feature that runs code is loaded
    (tests/e2e/test_snippet_run_button.py tests it with and without one)."""
    return ["Run"] if offered(bot, RunsCode) is not None else []


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
    assert labels == ["Star (0)", *run_button(nexus), "Raw", "Delete"]
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


class UnderstatedAttachment(Attachment):
    """A file whose reported size is smaller than its bytes: the download itself must stop."""

    @property
    def size(self) -> int:
        return 10


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
    (
        "file larger than it says",
        {"code": None, "file": UnderstatedAttachment("big.txt", b"x" * 100_001, "text/plain")},
        "larger than the 100,000 bytes",
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


async def test_a_double_click_on_the_confirmation_gets_an_answer_both_times(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    prompt = await posted.click("Delete", user=world.alice)
    # Both clicks leave before the first one's edit disables the buttons, as a quick
    # double-click does; each must be acknowledged within Discord's 3 s.
    first, second = await asyncio.gather(prompt.click("Delete"), prompt.click("Delete"))
    assert "already answered" in first.text + second.text
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


# ---- get, search, star, top, mine ---------------------------------------------------------------


async def test_get_posts_the_snippet_publicly_and_unknown_ids_are_refused(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world, title="Parse JSON safely", code='json.loads("{}")')
    [stored] = await snippets(nexus)
    got = await sandbox.invoke(
        "/snippet get", user=world.bob, guild=world.guild, channel=world.general, id=stored.id
    )
    assert not got.ephemeral
    assert "Parse JSON safely" in got.embed["title"]
    assert shown_code(got.embed) == 'json.loads("{}")'
    # Detected as plain text, which has no Run button whatever features are loaded.
    assert [b["label"] for b in got.buttons] == ["Star (0)", "Raw", "Delete"]
    missing = await sandbox.invoke(
        "/snippet get", user=world.bob, guild=world.guild, channel=world.general, id=99999
    )
    assert missing.ephemeral and "no snippet #99999" in missing.text


async def test_search_ranks_filters_and_pages_by_cursor(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(NOW)
    bot = await start_nexus(clock=clock)
    for n in range(12):
        clock.advance(timedelta(minutes=1))
        await share(sandbox, world, title=f"Queue worker {n}", code=f"queue.put({n})", tags="queue")
    clock.advance(timedelta(minutes=1))
    await share(
        sandbox, world, user=world.bob, title="Queue in Go", code="func main() {}", language="go"
    )
    first = await sandbox.invoke(
        "/snippet search", user=world.carol, guild=world.guild, channel=world.general, query="queue"
    )
    assert first.ephemeral
    assert first.embed["description"].count("**#") == 10
    assert "Page 1" in first.embed["footer"]["text"]
    second = await first.click("Next")
    assert first.message.embeds[0]["description"].count("**#") == 3
    assert second is not None
    filtered = await sandbox.invoke(
        "/snippet search",
        user=world.carol,
        guild=world.guild,
        channel=world.general,
        query="queue",
        language="golang",
        author=world.bob,
    )
    assert filtered.embed["description"].count("**#") == 1
    assert "Queue in Go" in filtered.embed["description"]
    assert f"<@{world.bob.id}>" in filtered.embed["description"]
    by_tag = await sandbox.invoke(
        "/snippet search", user=world.carol, guild=world.guild, channel=world.general, tag="QUEUE"
    )
    assert by_tag.embed["description"].count("**#") == 10
    assert len(await snippets(bot)) == 13


async def test_search_text_is_words_and_short_prefixes_are_refused(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world, title="Retry helper", code="def retry(): pass")
    for query in ['"unbalanced', "NEAR(retry", "retry OR", "title:retry", "retry -x"]:
        result = await sandbox.invoke(
            "/snippet search", user=world.bob, guild=world.guild, channel=world.general, query=query
        )
        assert result.ephemeral
        assert "error id" not in result.text, (query, result.text)
    found = await sandbox.invoke(
        "/snippet search", user=world.bob, guild=world.guild, channel=world.general, query="retr*"
    )
    assert "Retry helper" in found.embed["description"]
    refused = await sandbox.invoke(
        "/snippet search", user=world.bob, guild=world.guild, channel=world.general, query="re*"
    )
    assert refused.ephemeral and "at least 3 characters" in refused.text
    nothing = await sandbox.invoke(
        "/snippet search", user=world.bob, guild=world.guild, channel=world.general, query="zebra"
    )
    assert "No snippets match" in nothing.text


async def test_star_command_toggles_the_members_star(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world)
    [stored] = await snippets(nexus)
    starred = await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.general, id=stored.id
    )
    assert starred.ephemeral and "Starred" in starred.text and "1 now" in starred.text
    assert (await snippets(nexus))[0].star_count == 1
    unstarred = await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.general, id=stored.id
    )
    assert "Took your star back" in unstarred.text
    assert await count(nexus, SnippetStar) == 0


async def test_members_starring_one_snippet_at_the_same_moment_are_each_counted(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world)
    [stored] = await snippets(nexus)
    members = [sandbox.create_user(f"fan{n}") for n in range(6)]
    for member in members:
        world.guild.add_member(member)
    replies = await asyncio.gather(
        *(
            sandbox.invoke(
                "/snippet star",
                user=member,
                guild=world.guild,
                channel=world.general,
                id=stored.id,
            )
            for member in members
        )
    )
    said = sorted(int(reply.text.split("it has ")[1].split(" ")[0]) for reply in replies)
    assert said == [1, 2, 3, 4, 5, 6]
    assert (await snippets(nexus))[0].star_count == 6 == await count(nexus, SnippetStar)


async def test_top_lists_the_most_starred_all_time_and_this_month(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(NOW)
    bot = await start_nexus(clock=clock)
    await share(sandbox, world, title="Old favourite")
    clock.advance(timedelta(minutes=2))
    await share(sandbox, world, title="Fresh one")
    old, fresh = await snippets(bot)
    for user in (world.bob, world.carol):
        await sandbox.invoke(
            "/snippet star", user=user, guild=world.guild, channel=world.general, id=old.id
        )
    clock.set(datetime(2026, 12, 2, tzinfo=UTC))
    await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.general, id=fresh.id
    )
    all_time = await sandbox.invoke(
        "/snippet top", user=world.carol, guild=world.guild, channel=world.general
    )
    description = all_time.embed["description"]
    assert description.index("Old favourite") < description.index("Fresh one")
    month = await sandbox.invoke(
        "/snippet top", user=world.carol, guild=world.guild, channel=world.general, period="month"
    )
    assert "Fresh one" in month.embed["description"]
    assert "Old favourite" not in month.embed["description"]
    assert "this month" in month.embed["title"]


async def test_mine_lists_only_the_members_snippets(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world, title="Alice's snippet")
    await share(sandbox, world, user=world.bob, title="Bob's snippet")
    mine = await sandbox.invoke(
        "/snippet mine", user=world.bob, guild=world.guild, channel=world.general
    )
    assert mine.ephemeral
    assert "Bob's snippet" in mine.embed["description"]
    assert "Alice" not in mine.embed["description"]
    none = await sandbox.invoke(
        "/snippet mine", user=world.carol, guild=world.guild, channel=world.general
    )
    assert "haven't shared any snippets" in none.text
    assert await count(nexus, Snippet) == 2


async def test_ids_autocomplete_by_title_and_languages_by_alias(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world, title="Retry with backoff")
    await share(sandbox, world, user=world.bob, title="Parse JSON safely")
    alice_id, bob_id = [s.id for s in await snippets(nexus)]
    choices = await sandbox.autocomplete(
        "/snippet get", "id", "json", user=world.carol, guild=world.guild, channel=world.general
    )
    assert [(c["name"], c["value"]) for c in choices] == [
        (f"#{bob_id} · Parse JSON safely", bob_id)
    ]
    own = await sandbox.autocomplete(
        "/snippet edit", "id", "", user=world.alice, guild=world.guild, channel=world.general
    )
    assert [c["value"] for c in own] == [alice_id]
    for_moderator = await sandbox.autocomplete(
        "/snippet delete", "id", "", user=world.mod, guild=world.guild, channel=world.general
    )
    assert sorted(c["value"] for c in for_moderator) == [alice_id, bob_id]
    languages = await sandbox.autocomplete(
        "/snippet share",
        "language",
        "ts",
        user=world.alice,
        guild=world.guild,
        channel=world.general,
        title="x",
    )
    assert languages[0]["value"] == "typescript"


@pytest.mark.parametrize("typed", ["99999999999999999999", "#9223372036854775808", "²", "-1"])
async def test_id_autocomplete_of_a_number_no_database_can_hold_answers_with_titles_only(
    sandbox: SandboxServer, world: World, nexus: NexusBot, typed: str
) -> None:
    await share(sandbox, world, title="Retry 99999999999999999999 times")
    [snippet] = await snippets(nexus)
    choices = await sandbox.autocomplete(
        "/snippet get", "id", typed, user=world.carol, guild=world.guild, channel=world.general
    )
    expected = [snippet.id] if typed.startswith("99") else []
    assert [c["value"] for c in choices] == expected


# ---- edit and delete ----------------------------------------------------------------------------


async def test_edit_opens_a_prefilled_modal_and_updates_the_snippet_and_its_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world, tags="retry", description="Old words.")
    [stored] = await snippets(nexus)
    form = await sandbox.invoke(
        "/snippet edit", user=world.alice, guild=world.guild, channel=world.general, id=stored.id
    )
    assert form.modal is not None
    fields = form.modal.fields
    assert fields["title"]["value"] == "Retry with backoff"
    assert fields["code"]["value"] == stored.code
    assert (fields["language"]["value"], fields["tags"]["value"]) == ("python", "retry")
    done = await form.submit_modal(
        {"title": "Retry, improved", "code": "retry = 2", "tags": "a, b"}
    )
    assert done.ephemeral and f"Updated snippet **#{stored.id}**" in done.text
    [updated] = await snippets(nexus)
    assert (updated.title, updated.code, updated.tags) == ("Retry, improved", "retry = 2", "a b")
    assert updated.updated_at is not None
    assert "Retry, improved" in posted.message.embeds[0]["title"]
    assert shown_code(posted.message.embeds[0]) == "retry = 2"


async def test_editing_someone_elses_snippet_is_refused_but_a_moderator_may(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world)
    [stored] = await snippets(nexus)
    refused = await sandbox.invoke(
        "/snippet edit", user=world.bob, guild=world.guild, channel=world.general, id=stored.id
    )
    assert refused.ephemeral and "Only the author or a moderator" in refused.text
    form = await sandbox.invoke(
        "/snippet edit", user=world.mod, guild=world.guild, channel=world.general, id=stored.id
    )
    await form.submit_modal({"title": "Tidied by a moderator"})
    [updated] = await snippets(nexus)
    assert updated.title == "Tidied by a moderator"
    assert updated.author_id == world.alice.id
    async with nexus.db.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert list(actions) == ["snippet.edit"]


async def test_delete_command_confirms_then_removes_the_snippet_and_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    [stored] = await snippets(nexus)
    prompt = await sandbox.invoke(
        "/snippet delete", user=world.alice, guild=world.guild, channel=world.general, id=stored.id
    )
    assert prompt.ephemeral and "can't be undone" in prompt.text
    await prompt.click("Cancel")
    await prompt.followups(1)
    assert "Nothing was deleted" in prompt.text
    assert await count(nexus, Snippet) == 1
    again = await sandbox.invoke(
        "/snippet delete", user=world.alice, guild=world.guild, channel=world.general, id=stored.id
    )
    await again.click("Delete")
    await again.followups(1)
    assert f"Deleted snippet #{stored.id}" in again.text
    assert await count(nexus, Snippet) == 0
    assert posted.message.deleted
    async with nexus.db.sessions() as session:
        assert (await session.scalars(select(AuditEntry))).all() == []


async def test_moderator_deletion_is_audited_and_members_cannot_delete_others(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await share(sandbox, world)
    [stored] = await snippets(nexus)
    refused = await sandbox.invoke(
        "/snippet delete", user=world.bob, guild=world.guild, channel=world.general, id=stored.id
    )
    assert refused.ephemeral and "Only the author or a moderator" in refused.text
    prompt = await sandbox.invoke(
        "/snippet delete", user=world.mod, guild=world.guild, channel=world.general, id=stored.id
    )
    await prompt.click("Delete")
    await prompt.followups(1)
    assert await count(nexus, Snippet) == 0
    async with nexus.db.sessions() as session:
        [entry] = (await session.scalars(select(AuditEntry))).all()
    assert (entry.action, entry.actor_id, entry.target) == (
        "snippet.delete",
        world.mod.id,
        f"snippet #{stored.id}",
    )
    assert entry.details["author_id"] == world.alice.id


# ---- Save as snippet ----------------------------------------------------------------------------


async def test_save_as_snippet_takes_fenced_code_and_its_language(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    message = sandbox.send_user_message(
        world.general,
        world.bob,
        "Here is how:\n```ts\nconst x: number = 1;\n```\nand\n```\nconsole.log(x)\n```",
    )
    form = await sandbox.invoke_message_command(
        "Save as snippet", message=message, user=world.carol
    )
    assert form.modal is not None
    assert form.modal.fields["code"]["value"] == "const x: number = 1;\n\nconsole.log(x)"
    assert form.modal.fields["language"]["value"] == "typescript"
    assert "bob" in form.modal.fields["title"]["value"]
    await form.submit_modal({"title": "Typed constant"})
    [stored] = await snippets(nexus)
    assert (stored.title, stored.language, stored.author_id) == (
        "Typed constant",
        "typescript",
        world.carol.id,
    )
    assert stored.code == "const x: number = 1;\n\nconsole.log(x)"


async def test_save_as_snippet_takes_a_text_attachment(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    code = "package main\n\nfunc main() {}\n"
    message = sandbox.send_user_message(
        world.general,
        world.bob,
        "my file",
        attachments=[Attachment("main.go", code.encode(), "text/plain")],
    )
    form = await sandbox.invoke_message_command("Save as snippet", message=message, user=world.bob)
    assert form.modal is not None
    assert form.modal.fields["title"]["value"] == "main.go"
    assert form.modal.fields["language"]["value"] == "go"
    await form.submit_modal({})
    [stored] = await snippets(nexus)
    assert (stored.code, stored.language) == (code, "go")


async def test_save_as_snippet_on_a_message_without_code_is_refused(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    message = sandbox.send_user_message(world.general, world.bob, "no code here, just words")
    result = await sandbox.invoke_message_command(
        "Save as snippet", message=message, user=world.carol
    )
    assert result.ephemeral and "no code to save" in result.text
    assert await count(nexus, Snippet) == 0


# ---- blocks and hooks ---------------------------------------------------------------------------


async def test_a_blocked_member_cannot_share_or_use_buttons(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    await nexus.blocks.block(world.guild.id, world.bob.id, "snippets", world.mod.id)
    refused = await share(sandbox, world, user=world.bob)
    assert refused.ephemeral and "blocked" in refused.text
    clicked = await posted.click("Star", user=world.bob)
    assert clicked.ephemeral and "blocked" in clicked.text
    assert await count(nexus, Snippet) == 1
    assert await count(nexus, SnippetStar) == 0


async def test_forget_and_stats_cover_snippets_and_stars(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    posted = await share(sandbox, world)
    await share(sandbox, world, user=world.bob, title="Bob's")
    await posted.click("Star", user=world.bob)
    feature = loaded_feature(nexus.features, "snippets")
    assert await feature.stats(world.guild.id) == {"snippets": 2, "stars": 1}
    # What forgetting does to snippets is the guild's choice (snippets.on_forget).
    await nexus.guild_settings.set(world.guild.id, "snippets.on_forget", "delete", actor_id=None)
    assert await feature.forget_preview(world.guild.id) == "their snippets are deleted"
    report = await feature.forget_member(world.guild.id, world.bob.id)
    assert report == {"snippets deleted": 1, "snippet stars removed": 1}
    await nexus.guild_settings.set(world.guild.id, "snippets.on_forget", None, actor_id=None)
    report = await feature.forget_member(world.guild.id, world.alice.id)
    assert report == {"snippets anonymised": 1}
    [kept] = await snippets(nexus)
    assert (kept.author_id, kept.star_count) == (None, 0)
    got = await sandbox.invoke(
        "/snippet get", user=world.carol, guild=world.guild, channel=world.general, id=kept.id
    )
    assert field(got.embed, "Author") == "a former member"
