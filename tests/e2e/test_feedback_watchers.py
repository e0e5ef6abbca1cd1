"""+1s and watchers through the real bot and the sandbox: the "+1 · me too" button under every
item, who is told of a status change (in the thread, or by DM for those who asked), the list
sorted by +1s, and a duplicate folded into its original."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from cogs.feedback.models import FeedbackItem, FeedbackVote, FeedbackWatcher
from tests.e2e.conftest import StartBot, World, stop_bot
from tests.e2e.test_feedback import answer, field, item, log, post_of, thread_of, triage


def button(message: Any, starts: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        component
        for row in message.components
        for component in row.get("components", [])
        if str(component.get("label", "")).startswith(starts)
    )
    return found


def press(sandbox: SandboxServer, message: Any, starts: str, user: Any) -> Any:
    """Click a button under an item's post (a channel message, not an interaction's reply)."""
    custom_id = button(message, starts)["custom_id"]
    return sandbox.send_component(message, {"custom_id": custom_id, "component_type": 2}, user=user)


async def watchers(bot: NexusBot, number: int) -> dict[int, bool]:
    row = await item(bot, number)
    async with bot.db.sessions() as session:
        rows = await session.execute(
            select(FeedbackWatcher.user_id, FeedbackWatcher.dm).where(
                FeedbackWatcher.item_id == row.id
            )
        )
        return {int(user_id): bool(dm) for user_id, dm in rows.all()}


async def voters(bot: NexusBot, number: int) -> set[int | None]:
    row = await item(bot, number)
    async with bot.db.sessions() as session:
        rows = await session.scalars(
            select(FeedbackVote.user_id).where(FeedbackVote.item_id == row.id)
        )
        return set(rows.all())


async def posted(bot: NexusBot, world: World, number: int) -> tuple[FeedbackItem, Any]:
    row = await item(bot, number)
    return row, post_of(world, row)


# ---- the +1 button -------------------------------------------------------------------------


async def test_plus_one_counts_once_per_member_and_shows_on_the_post(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    _, post = await posted(nexus, world, 1)
    assert button(post, "+1")["label"] == "+1 · me too (0)"
    first = await press(sandbox, post, "+1", world.bob)
    assert first.ephemeral and "Your +1 on **FB-1** counts: that's 1." in first.text
    again = await press(sandbox, post, "+1", world.bob)
    assert "already counted" in again.text
    own = await press(sandbox, post, "+1", world.alice)
    assert "You reported **FB-1**" in own.text
    assert (await item(nexus, 1)).plus_ones == 1
    assert await voters(nexus, 1) == {world.bob.id}
    assert field(post.embeds[0], "+1s") == "1"
    assert button(post, "+1")["label"] == "+1 · me too (1)"
    assert await watchers(nexus, 1) == {world.alice.id: False, world.bob.id: False}


async def test_a_closed_item_takes_no_more_plus_ones(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    _, post = await posted(nexus, world, 1)
    await triage(sandbox, world, id="FB-1", status="resolved")
    assert button(post, "+1").get("disabled") is True
    # A client showing the old post may still send the click: it is refused in words.
    refused = await press(sandbox, post, "+1", world.bob)
    assert refused.ephemeral and "Resolved, so it takes no more +1s" in refused.text
    assert (await item(nexus, 1)).plus_ones == 0
    await triage(sandbox, world, id="FB-1", status="open")
    assert not button(post, "+1").get("disabled")


async def test_the_item_buttons_work_after_a_restart(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    first = await start_nexus()
    await log(sandbox, world)
    _, post = await posted(first, world, 1)
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )
    second = await start_nexus()
    counted = await press(sandbox, post, "+1", world.bob)
    assert "counts: that's 1" in counted.text
    chose = await press(sandbox, post, "DM me", world.carol)
    assert "You'll get a DM" in chose.text
    assert await watchers(second, 1) == {
        world.alice.id: False,
        world.bob.id: False,
        world.carol.id: True,
    }


# ---- telling watchers ----------------------------------------------------------------------


async def test_a_status_change_mentions_every_watcher_once_in_one_message(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row, post = await posted(nexus, world, 1)
    await press(sandbox, post, "+1", world.bob)
    prompt = await log(sandbox, world, user=world.carol, title="500 when listing jobs")
    await answer(prompt, "Add my details to FB-1", world.carol)
    await press(sandbox, post, "+1", world.carol)  # already counted: still told once
    thread = thread_of(world, row)
    before = len(thread.messages)
    result = await triage(sandbox, world, id="FB-1", status="acknowledged", note="On it")
    assert "Told 3 watchers" in result.text
    [said] = thread.messages[before:]
    assert "now **🟡 Acknowledged**" in said.content and "On it" in said.content
    assert said.pinged.users >= {world.alice.id, world.bob.id, world.carol.id}
    assert world.triager.id not in said.pinged
    assert said.content.count(f"<@{world.bob.id}>") == 1
    assert (await item(nexus, 1)).plus_ones == 2


async def test_a_watcher_who_asked_is_told_by_dm_and_not_mentioned(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row, post = await posted(nexus, world, 1)
    await press(sandbox, post, "+1", world.bob)
    chose = await press(sandbox, post, "DM me", world.bob)
    assert chose.ephemeral and "You'll get a DM" in chose.text
    assert await watchers(nexus, 1) == {world.alice.id: False, world.bob.id: True}
    await triage(sandbox, world, id="FB-1", status="resolved", note="Fixed in 2.1")
    [dm] = sandbox.dms(world.bob)
    assert "**FB-1** is now **🟢 Resolved**" in dm.content and "Fixed in 2.1" in dm.content
    assert str(row.message_id) in dm.content  # the link to the item's post
    said = thread_of(world, row).messages[-1]
    assert world.alice.id in said.pinged and world.bob.id not in said.pinged
    back = await press(sandbox, post, "DM me", world.bob)
    assert "mentioned in **FB-1**'s thread" in back.text
    await triage(sandbox, world, id="FB-1", status="open")
    assert len(sandbox.dms(world.bob)) == 1
    assert world.bob.id in thread_of(world, row).messages[-1].pinged


async def test_dm_me_makes_a_bystander_a_watcher(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    _, post = await posted(nexus, world, 1)
    await press(sandbox, post, "DM me", world.carol)
    assert await watchers(nexus, 1) == {world.alice.id: False, world.carol.id: True}
    assert (await item(nexus, 1)).plus_ones == 0
    await triage(sandbox, world, id="FB-1", status="in_progress")
    assert "In progress" in sandbox.dms(world.carol)[-1].content


async def test_a_watcher_with_closed_dms_is_mentioned_instead(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row, post = await posted(nexus, world, 1)
    await press(sandbox, post, "DM me", world.bob)
    world.bob.dms_open = False
    result = await triage(sandbox, world, id="FB-1", status="acknowledged")
    assert "couldn't" not in result.text
    assert sandbox.dms(world.bob) == []
    said = thread_of(world, row).messages[-1]
    assert {world.alice.id, world.bob.id} <= said.pinged.users


async def test_the_reporter_withdrawing_tells_the_plus_ones_not_themselves(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row, post = await posted(nexus, world, 1)
    await press(sandbox, post, "+1", world.bob)
    shown = await sandbox.invoke("/feedback show", user=world.alice, id="FB-1")
    await shown.click("Withdraw FB-1", user=world.alice)
    said = thread_of(world, row).messages[-1]
    assert "was withdrawn by its reporter" in said.content
    assert world.bob.id in said.pinged and world.alice.id not in said.pinged


async def test_many_watchers_are_all_mentioned_within_discords_limits(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row, post = await posted(nexus, world, 1)
    crowd = [sandbox.create_user(f"member{n}") for n in range(120)]
    for member in crowd:
        world.guild.add_member(member)
    parts: Any = nexus.get_cog("FeedbackCog")
    for member in crowd:
        await parts.parts.votes.plus_one(world.guild.id, 1, member.id)
    thread = thread_of(world, row)
    before = len(thread.messages)
    await triage(sandbox, world, id="FB-1", status="acknowledged")
    said = thread.messages[before:]
    assert len(said) > 1 and all(len(m.content) <= 2000 for m in said)
    everyone = [user_id for m in said for user_id in m.pinged.users]
    assert sorted(everyone) == sorted([world.alice.id, *(m.id for m in crowd)])
    assert post.embeds  # the post itself is untouched by the crowd's mentions


# ---- the list, most +1s first --------------------------------------------------------------


async def test_the_list_sorts_by_plus_ones_then_newest(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    for title, endpoint in (
        ("Jobs list returns 500", "GET /api/jobs"),
        ("Companies are slow", "GET /api/companies"),
        ("Login forgets me", "POST /api/login"),
    ):
        await log(sandbox, world, title=title, endpoint=endpoint)
    _, second = await posted(nexus, world, 2)
    _, third = await posted(nexus, world, 3)
    await press(sandbox, second, "+1", world.bob)
    await press(sandbox, second, "+1", world.carol)
    await press(sandbox, third, "+1", world.bob)
    listed = await sandbox.invoke("/feedback list", user=world.bob, sort="plus_ones")
    order = [listed.text.index(f"FB-{n}]") for n in (2, 3, 1)]
    assert order == sorted(order)
    assert "most +1s first" in listed.text
    assert "bug · 👍 2 · `GET /api/companies`" in listed.text
    newest = await sandbox.invoke("/feedback list", user=world.bob)
    order = [newest.text.index(f"FB-{n}]") for n in (3, 2, 1)]
    assert order == sorted(order)


# ---- duplicates fold into their original ---------------------------------------------------


async def test_a_duplicate_moves_its_plus_ones_and_watchers_and_both_posts_link(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    await log(sandbox, world, user=world.bob, title="Companies slow", endpoint="GET /api/companies")
    one, first_post = await posted(nexus, world, 1)
    two, second_post = await posted(nexus, world, 2)
    await press(sandbox, first_post, "+1", world.mod)
    await press(sandbox, second_post, "+1", world.mod)  # counted once on the original
    await press(sandbox, second_post, "+1", world.carol)
    await press(sandbox, second_post, "DM me", world.carol)
    result = await triage(sandbox, world, id="FB-2", status="duplicate", duplicate_of="FB-1")
    assert "Merged into **FB-1**: +2 there (now 3)" in result.text
    assert ((await item(nexus, 1)).plus_ones, (await item(nexus, 2)).plus_ones) == (3, 0)
    assert await voters(nexus, 1) == {world.mod.id, world.bob.id, world.carol.id}
    assert await voters(nexus, 2) == set()
    assert await watchers(nexus, 1) == {
        world.alice.id: False,
        world.mod.id: False,
        world.bob.id: False,
        world.carol.id: True,
    }
    assert field(first_post.embeds[0], "+1s") == "3"
    assert button(first_post, "+1")["label"] == "+1 · me too (3)"
    # The duplicate's watchers hear where to follow, with a link to the original's post.
    told = thread_of(world, two).messages[-1]
    assert "Duplicate of FB-1" in told.content and str(one.message_id) in told.content
    assert {world.bob.id, world.mod.id} <= told.pinged.users
    assert world.carol.id not in told.pinged
    [dm] = sandbox.dms(world.carol)
    assert "Duplicate of FB-1" in dm.content
    # The original's thread links back to the duplicate's post.
    linked = thread_of(world, one).messages[-1]
    assert "**FB-2**" in linked.content and str(two.message_id) in linked.content
    assert "+2" in linked.content
    shown = await sandbox.invoke("/feedback show", user=world.bob, id="FB-1")
    assert "marked FB-2 a duplicate of this (its +1s moved here: +2)" in shown.text
    # From now on the original's changes reach the duplicate's people too.
    await triage(sandbox, world, id="FB-1", status="resolved")
    last = thread_of(world, one).messages[-1]
    assert {world.alice.id, world.bob.id, world.mod.id} <= last.pinged.users
    assert "Resolved" in sandbox.dms(world.carol)[-1].content


async def test_a_duplicate_of_a_closed_item_leaves_its_thread_archived(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    await log(sandbox, world, user=world.bob, title="Companies slow", endpoint="GET /api/companies")
    one = await item(nexus, 1)
    await triage(sandbox, world, id="FB-1", status="resolved")
    await triage(sandbox, world, id="FB-2", status="duplicate", duplicate_of="FB-1")
    thread = thread_of(world, one)
    assert thread.archived
    assert "**FB-2**" in thread.messages[-1].content
    assert (await item(nexus, 1)).plus_ones == 1  # FB-2's reporter
