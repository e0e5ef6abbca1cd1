"""Feedback in forum mode, fuzzed: hostile /feedback calls and hostile forum posts by members.

The guild keeps its feedback in a forum (feedback.mode forum). Hypothesis draws, one at a time:
- a /feedback command or the message menu with hostile options, by any tier, in a channel or
  inside a forum post, whose forum posts' buttons (+1, DM me) are clicked by their owner, by
  someone else and twice at once;
- a post a member makes in the forum with a hostile title, with an endpoint the bot can parse at
  its start or not: the bot must make it an item or ask for the endpoint, never both, never
  twice, and its "Set the endpoint" button is clicked by the author, by someone else and twice
  at once, and its form submitted with hostile text;
and every MOVE_EVERY plans a moderator moves the guild's open items to channel mode and back.
Every interaction is judged by the same referee as the other fuzz tests (tests/e2e/
fuzz_harness.py); the forum's own promise is checked after each post: one answer, one item.
The run takes FORUM_SHARE of the fuzz's invocations and FORUM_SECONDS_SHARE of its seconds
(tests/e2e/test_fuzz.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from discord import app_commands
from hypothesis import strategies as st

from bot.sandbox import Channel, SandboxServer
from bot.sandbox.permissions import Perm
from tests.e2e import hostile
from tests.e2e.command_walk import AnyCommand, context_menus, label, slash_commands
from tests.e2e.conftest import StartBot, World
from tests.e2e.fuzz_harness import describe_inputs
from tests.e2e.test_fuzz import (
    ACK_TIMEOUT,
    FORUM_SECONDS_SHARE,
    FORUM_SHARE,
    SECONDS,
    FollowUps,
    Plan,
    Stage,
    call_command,
    clickable,
    follow_up,
    follow_ups,
    new_posts,
    open_stage,
    plans,
    rows,
    run_examples,
    seed_content,
    share,
    summary,
)

# Titles that begin with an endpoint the bot parses, and words around it (a hostile rest follows).
TITLE_ENDPOINTS = ["GET /api/jobs", "post /api/jobs/{id}", "DELETE /api/users/7 -", "PATCH /x:"]
SEVERITY_TAGS = ["Blocker", "Bug", "Suggestion", "Question", "Open", "Resolved"]
# How long a member's post may wait for the bot's answer (its listener, not an interaction).
ANSWER_TIMEOUT = 3.0
# Every this many plans a moderator moves the open items to channel mode and back.
MOVE_EVERY = 60
LAST_WORDS = ("which endpoint", "this post is **FB-")


@dataclass(frozen=True)
class MemberPost:
    """A post a member makes in the feedback forum, and what is clicked in it afterwards."""

    actor: int
    endpoint: str | None  # put at the start of the title, or none (the bot must ask)
    title: str
    content: str
    tags: list[str]
    follow: FollowUps

    def __repr__(self) -> str:
        shown = describe_inputs({"endpoint": self.endpoint, "title": self.title})
        return f"<MemberPost by actor {self.actor}: {shown}>"


def member_posts(stage: Stage) -> st.SearchStrategy[MemberPost]:
    cast = stage.cast
    return st.builds(
        MemberPost,
        st.integers(0, len(stage.actors) - 1),
        st.one_of(st.none(), st.sampled_from(TITLE_ENDPOINTS)),
        hostile.hostile_text(cast, min_size=1, max_size=100),
        hostile.hostile_text(cast, max_size=hostile.MESSAGE_MAX, newlines=True),
        st.lists(st.sampled_from(SEVERITY_TAGS), max_size=3, unique=True),
        follow_ups(cast),
    )


def feedback_commands(stage: Stage) -> list[AnyCommand]:
    found: list[AnyCommand] = [
        c for c in slash_commands(stage.bot) if c.qualified_name.split()[0] == "feedback"
    ]
    found += [m for m in context_menus(stage.bot) if "feedback" in m.name.lower()]
    return found


def forum_plans(stage: Stage, walked: list[AnyCommand]) -> st.SearchStrategy[Any]:
    """Commands and members' posts, half and half."""
    return st.one_of(plans(stage, walked), member_posts(stage))


# -- the forum -------------------------------------------------------------------------------


async def open_the_forum(stage: Stage) -> Channel:
    """A forum the bot may manage (its tags need Manage Channels), made the feedback forum."""
    world, bot = stage.world, stage.bot
    forum = world.guild.create_channel("api-feedback", "forum")
    forum.set_permissions(world.guild.bot_role, allow=Perm.MANAGE_CHANNELS)
    deadline = time.monotonic() + 5
    while bot.get_channel(forum.id) is None:
        assert time.monotonic() < deadline, "the bot never saw the forum"
        await asyncio.sleep(0.01)
    await bot.guild_settings.set_many(
        world.guild.id, {"feedback.forum": forum.id, "feedback.mode": "forum"}, actor_id=None
    )
    await settle_moves(stage)
    return forum  # type: ignore[no-any-return]


async def settle_moves(stage: Stage) -> None:
    task = stage.bot.get_cog("FeedbackCog").mode_moves.tasks.get(stage.world.guild.id)  # type: ignore[union-attr]
    if task is not None:
        await task


async def until_answered(sandbox: SandboxServer, post: Channel) -> None:
    """Until the bot is done with a member's new post: it asked for the endpoint, or said the
    post is an item now (its last step); at most ANSWER_TIMEOUT."""
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while time.monotonic() < deadline:
        said = [m.content for m in post.messages if m.author.id == sandbox.bot_user.id]
        if any(word in text for text in said for word in LAST_WORDS):
            return
        await asyncio.sleep(0.02)


async def items_of(stage: Stage, post_id: int) -> list[Any]:
    return await rows(
        stage.bot, "SELECT number FROM feedback_items WHERE thread_id = :t", t=post_id
    )


async def make_post(stage: Stage, plan: MemberPost, forum: Channel) -> None:
    sandbox, referee = stage.sandbox, stage.referee
    author = stage.actors[plan.actor]
    title = hostile.fit(f"{plan.endpoint} {plan.title}" if plan.endpoint else plan.title, 1, 100)
    what = f"forum post by {author.name}"
    inputs = {"title": title, "content": plan.content, "tags": plan.tags}
    logged = len(referee.errors.records)
    before = len(sandbox.state.messages)
    post, _ = sandbox.create_forum_post(forum, author, title, plan.content, tags=plan.tags)
    await until_answered(sandbox, post)
    await referee.after_the_fact(what, logged)
    answered = [m for m in post.messages if m.author.id == sandbox.bot_user.id]
    prompts = [m for m in answered if "which endpoint" in m.content]
    made = await items_of(stage, post.id)
    if len(made) + len(prompts) != 1:
        referee.note(
            what, inputs, f"{len(made)} items and {len(prompts)} endpoint prompts for one post"
        )
    posted = [m for m in new_posts(stage, before) if clickable(m)]
    stage.posts.extend(posted)
    follow = FollowUps(plan.follow.fills, list(plan.follow.clicks))
    await follow_up(stage, follow, None, author, posted)
    made = await items_of(stage, post.id)
    if len(made) > 1:
        referee.note(what, inputs, f"one post became the items {sorted(n for (n,) in made)}")


async def move_modes(stage: Stage) -> None:
    """/admin config set feedback.mode channel, then forum again, as a moderator."""
    world = stage.world
    for mode in ("channel", "forum"):

        def action(mode: str = mode) -> Any:
            return stage.sandbox.invoke(
                "/admin config set",
                user=world.mod,
                channel=world.general,
                options={"key": "feedback.mode", "value": mode},
                timeout=ACK_TIMEOUT,
                quiet=0,
            )

        logged = len(stage.referee.errors.records)
        await stage.referee.perform(f"/admin config set feedback.mode {mode}", mode, action)
        await settle_moves(stage)
        await stage.referee.after_the_fact(f"moving feedback to {mode} mode", logged)


@pytest.fixture
async def forum_stage(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> AsyncIterator[tuple[Stage, Channel]]:
    """The fuzz's stage with the guild's feedback in a forum."""
    async with open_stage(start_nexus, sandbox, world) as stage:
        yield stage, await open_the_forum(stage)


@pytest.mark.slow
@pytest.mark.timeout(int(SECONDS * FORUM_SECONDS_SHARE) + 120)
async def test_feedback_in_forum_mode_answers_hostile_commands_posts_and_clicks_cleanly(
    forum_stage: tuple[Stage, Channel], request: pytest.FixtureRequest
) -> None:
    stage, forum = forum_stage
    await seed_content(stage)
    # Commands are run and messages menued inside forum posts too: the one /feedback log made
    # in seeding, and a member's own.
    post, _ = stage.sandbox.create_forum_post(
        forum, stage.world.bob, "GET /api/seeded is slow", "It takes 9 s."
    )
    await until_answered(stage.sandbox, post)
    stage.cast = replace(stage.cast, channels=(*stage.cast.channels, *forum.threads))
    walked = feedback_commands(stage)
    assert len(walked) >= 9, [label(c) for c in walked]
    assert any(isinstance(c, app_commands.ContextMenu) for c in walked)
    budget = share(FORUM_SHARE, at_least=3, seconds=FORUM_SECONDS_SHARE)
    kinds: dict[str, int] = {}

    async def execute(plan: Any) -> None:
        kind = type(plan).__name__
        kinds[kind] = kinds.get(kind, 0) + 1
        if isinstance(plan, MemberPost):
            await make_post(stage, plan, forum)
        else:
            assert isinstance(plan, Plan)
            await call_command(stage, plan)
        stage.steps += 1
        if stage.steps % MOVE_EVERY == 0:
            kinds["mode moves"] = kinds.get("mode moves", 0) + 1
            await move_modes(stage)
        if stage.steps % 10 == 0:
            await stage.refresh_known_ids()

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(
        run_examples, loop, forum_plans(stage, walked), execute, budget, stage.referee
    )
    await stage.referee.check_all_messages()
    summary(request, stage.referee, budget)
    in_posts = {post.id for post in forum.threads}
    messages = stage.sandbox.state.messages.values()
    in_forum = sum(1 for m in messages if m.channel.id in in_posts)
    endpoint_clicks = len(stage.referee.timings.get("click 'Set the endpoint'", []))
    print(
        f"  plans {kinds}, {len(in_posts)} forum posts, {in_forum} messages in them, "
        f"{endpoint_clicks} endpoint clicks"
    )
    assert stage.referee.report() == ""
    assert kinds.get("MemberPost", 0) > 0 and kinds.get("Plan", 0) > 0
