"""Feedback as a forum tracker, through the real bot and the sandbox: items as forum posts with
status and severity tags, closed posts archived and locked, members' own posts made items, +1s
and watchers there, /admin setup making the tags, and moving open items between modes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import NexusBot
from bot.feature import guild_settings_without_a_bot
from bot.sandbox import SandboxServer
from bot.sandbox.permissions import Perm
from cogs.feedback.outcomes import Outcome
from tests.e2e.conftest import StartBot, World, stop_bot
from tests.e2e.test_admin import as_admin, raise_bot_role
from tests.e2e.test_feedback import history, item, items, log, seed, triage
from tests.e2e.test_feedback_watchers import button, press

OUR_TAGS = 11  # seven statuses and four severities


async def until(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the change never came"
        await asyncio.sleep(0.01)


async def until_async(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "the change never came"
        await asyncio.sleep(0.02)


def make_forum(world: World) -> Any:
    """A forum channel the bot may manage (tags need Manage Channels)."""
    channel = world.guild.create_channel("api-feedback", "forum")
    channel.set_permissions(world.guild.bot_role, allow=Perm.MANAGE_CHANNELS)
    return channel


@pytest.fixture
async def forum(nexus: NexusBot, world: World) -> Any:
    """The feedback forum, known to the bot."""
    channel = make_forum(world)
    await until(lambda: nexus.get_channel(channel.id) is not None)
    return channel


async def use_forum(nexus: NexusBot, world: World, forum: Any) -> None:
    await nexus.guild_settings.set_many(
        world.guild.id, {"feedback.forum": forum.id, "feedback.mode": "forum"}, actor_id=None
    )
    await settle_moves(nexus, world)


async def settle_moves(nexus: NexusBot, world: World) -> None:
    task = feedback_cog(nexus).mode_moves.tasks.get(world.guild.id)
    if task is not None:
        await task


def feedback_cog(nexus: NexusBot) -> Any:
    return nexus.get_cog("FeedbackCog")


def message_of(sandbox: SandboxServer, message_id: int | None) -> Any:
    assert message_id is not None
    return sandbox.state.messages[message_id]


def tags_of(sandbox: SandboxServer, post: Any) -> list[str]:
    return sandbox.state.forums.names_applied(post.parent_id, post.id)


def posts(forum: Any) -> list[Any]:
    return list(forum.threads)


# ---- items as forum posts -------------------------------------------------------------------


async def test_a_report_in_forum_mode_is_a_tagged_forum_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    assert len(sandbox.state.forums.available[forum.id]) == OUR_TAGS
    reply = await log(sandbox, world)
    row = await item(nexus, 1)
    [post] = posts(forum)
    assert row.placement == "forum"
    assert row.thread_id == row.channel_id == row.message_id == post.id
    assert post.name == "FB-1 · Jobs list returns 500"
    first = post.messages[0]
    assert first.id == post.id
    assert first.embeds[0]["title"].startswith("FB-1 · Jobs list returns 500")
    assert button(first, "+1")["label"] == "+1 · me too (0)"
    assert tags_of(sandbox, post) == ["Open", "Bug"]
    assert world.alice.id in post.members
    assert f"/{post.id}/{post.id}" in reply.text
    assert world.feedback.messages == []


async def test_status_changes_retag_the_post_and_closing_archives_and_locks_it(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    await log(sandbox, world)
    [post] = posts(forum)
    await triage(sandbox, world, id="FB-1", status="in_progress")
    assert tags_of(sandbox, post) == ["In progress", "Bug"]
    assert not post.archived
    await triage(sandbox, world, id="FB-1", status="resolved")
    assert tags_of(sandbox, post) == ["Resolved", "Bug"]
    assert post.archived and post.locked
    assert any("is now **🟢 Resolved**" in m.content for m in post.messages)
    reopened = await triage(sandbox, world, id="FB-1", status="open")
    assert "couldn't" not in reopened.text
    assert not post.archived and not post.locked
    assert tags_of(sandbox, post) == ["Open", "Bug"]
    assert sandbox.errors == []


async def test_plus_ones_and_watcher_notices_work_on_a_forum_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    await log(sandbox, world)
    [post] = posts(forum)
    first = post.messages[0]
    counted = await press(sandbox, first, "+1", world.bob)
    assert "counts: that's 1" in counted.text
    assert button(first, "+1")["label"] == "+1 · me too (1)"
    await triage(sandbox, world, id="FB-1", status="acknowledged")
    [notice] = [m for m in post.messages if "is now" in m.content]
    assert notice.pinged.users == {world.alice.id, world.bob.id}


async def test_a_member_post_naming_its_endpoint_becomes_an_item(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    post, _ = sandbox.create_forum_post(
        forum, world.carol, "GET /api/jobs/ - returns 500", "Page 2 fails.", tags=["Blocker"]
    )
    # The item is stored, then told its post: wait for both.
    await until_async(lambda: _has_placed_items(nexus, 1))
    row = await item(nexus, 1)
    assert (row.method, row.path, row.title) == ("GET", "/api/jobs", "returns 500")
    assert (row.severity, row.reporter_id, row.details) == (
        "blocker",
        world.carol.id,
        "Page 2 fails.",
    )
    assert row.thread_id == row.channel_id == post.id and row.placement == "forum"
    await until(lambda: post.name == "FB-1 · returns 500")
    await until(lambda: tags_of(sandbox, post) == ["Open", "Blocker"])
    embed_message = message_of(sandbox, row.message_id)
    assert embed_message.embeds[0]["title"].startswith("FB-1")
    # The item lives in the post from now on: a status change is told there.
    await triage(sandbox, world, id="FB-1", status="resolved")
    assert post.archived and post.locked


async def test_a_member_post_without_an_endpoint_asks_for_it_with_a_form(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    post, _ = sandbox.create_forum_post(forum, world.carol, "Jobs list is slow", "Takes 9 s.")
    prompt = await sandbox.wait_for_message(post, lambda m: "which endpoint" in m.content)
    assert await items(nexus) == []
    refused = await press(sandbox, prompt, "Set the endpoint", world.bob)
    assert refused.ephemeral and "Only the member who made this post" in refused.text
    opened = await press(sandbox, prompt, "Set the endpoint", world.carol)
    assert opened.modal is not None
    bad = await opened.submit_modal({"endpoint": "jobs please"})
    assert "not an HTTP method" in bad.text
    assert await items(nexus) == []
    opened = await press(sandbox, prompt, "Set the endpoint", world.carol)
    done = await opened.submit_modal({"endpoint": "get /api/jobs"})
    assert "Logged **FB-1**" in done.text
    row = await item(nexus, 1)
    assert (row.method, row.path, row.title, row.thread_id) == (
        "GET", "/api/jobs", "Jobs list is slow", post.id,
    )  # fmt: skip
    assert post.name == "FB-1 · Jobs list is slow"
    assert prompt.components == []
    assert len(await items(nexus)) == 1


async def _has_placed_items(nexus: NexusBot, count: int) -> bool:
    return len([row for row in await items(nexus) if row.thread_id is not None]) >= count


async def test_the_bot_own_posts_and_posts_elsewhere_are_not_adopted(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await use_forum(nexus, world, forum)
    await log(sandbox, world)
    other = world.guild.create_channel("elsewhere", "forum")
    await until(lambda: nexus.get_channel(other.id) is not None)
    sandbox.create_forum_post(other, world.carol, "GET /api/x broken", "x")
    await asyncio.sleep(0.3)
    assert len(await items(nexus)) == 1
    assert other.threads[0].messages[-1].author.id == world.carol.id


# ---- /admin setup makes the tags ---------------------------------------------------------


async def test_admin_setup_makes_the_tags_once_and_within_twenty(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    own = [{"name": f"topic {n}"} for n in range(12)]
    sandbox.state.forums.set_available(forum.id, own)
    sandbox.dispatch("CHANNEL_UPDATE", forum.to_payload(), world.guild.id)
    await until(lambda: len(nexus.get_channel(forum.id).available_tags) == 12)  # type: ignore[union-attr]
    await nexus.guild_settings.set(world.guild.id, "feedback.forum", forum.id, actor_id=None)
    names = [tag.name for tag in sandbox.state.forums.available[forum.id]]
    assert len(names) == 20
    assert names[:12] == [f"topic {n}" for n in range(12)]
    assert names[12:] == [
        "Open", "Acknowledged", "In progress", "Resolved", "Won't fix", "Duplicate",
        "Withdrawn", "Blocker",
    ]  # fmt: skip
    # The moderator frees room and runs /admin setup: the missing tags come, once.
    sandbox.state.forums.set_available(
        forum.id,
        own[:2]
        + [{"id": t.id, "name": t.name} for t in sandbox.state.forums.available[forum.id][12:]],
    )
    sandbox.dispatch("CHANNEL_UPDATE", forum.to_payload(), world.guild.id)
    await until(lambda: len(nexus.get_channel(forum.id).available_tags) == 10)  # type: ignore[union-attr]
    await raise_bot_role(nexus, sandbox, world)
    for _ in range(2):
        reply = await as_admin(sandbox, world, "/admin setup")
        await reply.click("Next")
        saved = await reply.click("Save")
        assert "Setup saved." in saved.text
        await until(lambda: len(nexus.get_channel(forum.id).available_tags) == 13)  # type: ignore[union-attr]
    names = [tag.name for tag in sandbox.state.forums.available[forum.id]]
    assert len(names) == 2 + OUR_TAGS
    assert {"Bug", "Suggestion", "Question"} <= set(names)


# ---- moving between modes ------------------------------------------------------------------


async def test_switching_modes_moves_open_items_with_links_both_ways(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await log(sandbox, world)
    await log(sandbox, world, endpoint="POST /api/jobs", title="Creating a job fails")
    await triage(sandbox, world, id="FB-2", status="wont_fix")
    old = await item(nexus, 1)
    closed_before = await item(nexus, 2)
    old_message = message_of(sandbox, old.message_id)
    assert old.thread_id is not None
    old_thread = sandbox.state.channels[old.thread_id]

    reply = await as_admin(
        sandbox, world, "/admin config set", key="feedback.forum", value=str(forum.id)
    )
    assert "feedback.forum" in reply.text
    reply = await as_admin(sandbox, world, "/admin config set", key="feedback.mode", value="forum")
    await settle_moves(nexus, world)

    moved = await item(nexus, 1)
    [post] = posts(forum)
    assert moved.placement == "forum" and moved.thread_id == post.id
    assert post.name == "FB-1 · Jobs list returns 500"
    old_link = f"/{old.channel_id}/{old.message_id}"
    new_link = f"/{post.id}/{post.id}"
    assert old_link in post.messages[0].content
    assert new_link in old_message.content and old_message.components == []
    assert any(new_link in m.content for m in old_thread.messages)
    assert old_thread.archived
    # Nothing of the item was lost, and the move is in its history.
    actions = [entry.action for entry in await history(nexus, 1)]
    assert actions[0] == "created" and actions[-1] == "moved"
    assert moved.plus_ones == old.plus_ones and moved.status == "open"
    # The closed item stays where it was.
    closed = await item(nexus, 2)
    assert (closed.placement, closed.message_id) == ("channel", closed_before.message_id)
    # The item works in its new place.
    await triage(sandbox, world, id="FB-1", status="acknowledged")
    assert tags_of(sandbox, post) == ["Acknowledged", "Bug"]

    # And back: a channel message with its thread again, and the forum post retired.
    await as_admin(sandbox, world, "/admin config set", key="feedback.mode", value="channel")
    await settle_moves(nexus, world)
    back = await item(nexus, 1)
    assert back.placement == "channel" and back.channel_id == world.feedback.id
    again = message_of(sandbox, back.message_id)
    assert new_link in again.content
    assert post.archived and post.locked
    assert any(f"/{back.channel_id}/{back.message_id}" in m.content for m in post.messages)
    assert [e.action for e in await history(nexus, 1)].count("moved") == 2
    assert sandbox.errors == []


async def test_a_move_stopped_after_posting_finishes_without_a_second_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    await log(sandbox, world)
    await nexus.guild_settings.set(world.guild.id, "feedback.forum", forum.id, actor_id=None)
    feedback = feedback_cog(nexus)
    row = await feedback.parts.queries.get(world.guild.id, 1)
    # The run claimed the move and posted, then the process died before recording the post.
    assert not await feedback.parts.store.begin_move(row.id, "forum")
    assert await feedback.publisher.places["forum"].post(row, Outcome(row), lead=None)
    await until(lambda: len(posts(forum)) == 1)
    await nexus.guild_settings.set(world.guild.id, "feedback.mode", "forum", actor_id=None)
    await settle_moves(nexus, world)
    [post] = posts(forum)
    moved = await item(nexus, 1)
    assert moved.placement == "forum" and moved.thread_id == post.id
    assert moved.moving_to is None and moved.moved_from_message_id is None
    # Another run finds nothing left to do.
    feedback.mode_moves.start(world.guild.id)
    await settle_moves(nexus, world)
    assert len(posts(forum)) == 1
    assert [e.action for e in await history(nexus, 1)].count("moved") == 1


async def test_the_feedback_forum_must_be_a_forum_channel(
    sandbox: SandboxServer, world: World, nexus: NexusBot, forum: Any
) -> None:
    refused = await as_admin(
        sandbox, world, "/admin config set", key="feedback.forum", value=str(world.general.id)
    )
    assert "pick a forum channel. Nothing changed." in refused.text
    assert (await nexus.guild_settings.get(world.guild.id)).get("feedback.forum") is None
    bad_mode = await as_admin(
        sandbox, world, "/admin config set", key="feedback.mode", value="board"
    )
    assert "takes one of: channel, forum" in bad_mode.text


async def test_a_move_stopped_by_a_crash_is_finished_by_the_next_start(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    forum = make_forum(world)
    first = await start_nexus()
    await log(sandbox, world)
    await until(lambda: first.get_channel(forum.id) is not None)
    feedback = feedback_cog(first)
    row = await feedback.parts.queries.get(world.guild.id, 1)
    assert not await feedback.parts.store.begin_move(row.id, "forum")
    await first.guild_settings.set(world.guild.id, "feedback.forum", forum.id, actor_id=None)
    assert await feedback.publisher.places["forum"].post(row, Outcome(row), lead=None)
    # The mode is stored, and the process dies before it moves anything more.
    quiet = guild_settings_without_a_bot(first.db.sessions, first.settings, ["cogs.feedback"])
    await quiet.set(world.guild.id, "feedback.mode", "forum", actor_id=None)
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )
    second = await start_nexus()
    await until(lambda: world.guild.id in feedback_cog(second).mode_moves.tasks)
    await settle_moves(second, world)
    [post] = posts(forum)
    moved = await item(second, 1)
    assert moved.placement == "forum" and moved.thread_id == post.id
    old_thread = sandbox.state.channels[row.thread_id or 0]
    assert old_thread.archived
    assert any(f"/{post.id}/{post.id}" in m.content for m in old_thread.messages)


async def test_reports_a_crash_left_unposted_become_forum_posts_once_at_the_next_start(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    """In forum mode too: an item stored before the crash gets its post at the next start,
    and one whose post was made but not recorded keeps that post (found by its name)."""
    forum = make_forum(world)
    first = await start_nexus()
    await until(lambda: first.get_channel(forum.id) is not None)
    await first.guild_settings.set_many(
        world.guild.id, {"feedback.forum": forum.id, "feedback.mode": "forum"}, actor_id=None
    )
    await settle_moves(first, world)
    feedback = feedback_cog(first)

    async def stored(title: str) -> Any:
        return await seed(first, world, post_due=True, title=title, reporter=world.alice)

    unposted = await stored("Jobs list returns 500")
    unrecorded = await stored("Job detail ignores the salary field")
    await feedback.publisher.places["forum"].post(unrecorded, Outcome(unrecorded), lead=None)
    await until(lambda: len(posts(forum)) == 1)
    made_before = posts(forum)[0].id
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )

    second = await start_nexus()

    async def all_posted() -> bool:
        rows = [await item(second, n) for n in (unposted.number, unrecorded.number)]
        return not any(row.post_due or row.thread_id is None for row in rows)

    await until_async(all_posted)
    assert len(posts(forum)) == 2  # one new post; the one made before was not made again
    assert (await item(second, unrecorded.number)).thread_id == made_before
    new = await item(second, unposted.number)
    assert new.placement == "forum" and new.thread_id != made_before
