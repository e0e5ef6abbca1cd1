"""The forum-mode button the permission walk cannot reach (it walks commands): "Set the
endpoint", in a member's own forum post whose title names none. Its rule: only the post's
author or a triager (moderators and server managers rank above) may set it. Everyone else is
refused in one ephemeral line and nothing changes; the author and every tier above get the
form, a triager's submission makes the post an item reported by its author, and the form
submitted once more is refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import NexusBot
from bot.sandbox import SandboxServer
from tests.e2e.command_walk import dump_database, open_every_command_to_everyone
from tests.e2e.conftest import World
from tests.e2e.test_feedback import items
from tests.e2e.test_feedback_forum import make_forum, until, use_forum
from tests.e2e.test_feedback_watchers import press

ONLY_AUTHOR = "Only the member who made this post (or a triager) can set it."


@pytest.fixture
async def prompt(nexus: NexusBot, sandbox: SandboxServer, world: World) -> Any:
    """Carol's post in the feedback forum with no endpoint in its title, and the bot's question."""
    forum = make_forum(world)
    await until(lambda: nexus.get_channel(forum.id) is not None)
    await use_forum(nexus, world, forum)
    open_every_command_to_everyone(sandbox)
    post, _ = sandbox.create_forum_post(forum, world.carol, "Jobs list is slow", "Takes 9 s.")
    return await sandbox.wait_for_message(post, lambda m: "which endpoint" in m.content)


@pytest.mark.parametrize("who", ["alice", "bob"])
async def test_a_member_who_did_not_make_the_post_is_refused_and_nothing_changes(
    nexus: NexusBot, sandbox: SandboxServer, world: World, prompt: Any, who: str
) -> None:
    before = await dump_database(nexus)
    refused = await press(sandbox, prompt, "Set the endpoint", getattr(world, who))
    assert refused.ephemeral and refused.modal is None
    assert refused.text.strip() == ONLY_AUTHOR
    assert await dump_database(nexus) == before
    assert prompt.components != []


@pytest.mark.parametrize("who", ["carol", "triager", "mod", "admin"])
async def test_the_author_and_every_tier_from_triager_up_get_the_form(
    nexus: NexusBot, sandbox: SandboxServer, world: World, prompt: Any, who: str
) -> None:
    before = await dump_database(nexus)
    opened = await press(sandbox, prompt, "Set the endpoint", getattr(world, who))
    assert opened.modal is not None, opened.text
    assert await dump_database(nexus) == before  # opening the form writes nothing


async def test_a_triager_sets_the_endpoint_for_the_author_and_a_second_form_is_refused(
    nexus: NexusBot, sandbox: SandboxServer, world: World, prompt: Any
) -> None:
    first = await press(sandbox, prompt, "Set the endpoint", world.triager)
    second = await press(sandbox, prompt, "Set the endpoint", world.carol)
    done = await first.submit_modal({"endpoint": "GET /api/jobs"}, user=world.triager)
    assert "Logged **FB-1**" in done.text
    [row] = await items(nexus)
    assert (row.reporter_id, row.method, row.path) == (world.carol.id, "GET", "/api/jobs")
    late = await second.submit_modal({"endpoint": "POST /api/jobs"}, user=world.carol)
    assert late.ephemeral and late.text.strip() == "This post is already **FB-1**."
    assert len(await items(nexus)) == 1
    # Each adoption's lock went with it: only posts being adopted right now are kept.
    cog: Any = nexus.get_cog("FeedbackCog")
    assert cog is not None and not cog.forum_posts._adopting
