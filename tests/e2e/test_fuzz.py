"""Every command fuzzed: hostile input from every tier, through the real bot and the sandbox.

The command tree is walked as the permission walk walks it (tests/e2e/command_walk.py), so a
command added later is fuzzed without anyone listing it. Hypothesis generates what Discord's
client could really send for each synced option (tests/e2e/hostile.py); the referee
(tests/e2e/fuzz_harness.py) judges every interaction. Modals the bot opens are submitted with
hostile values, buttons on its replies and posts are clicked by their owner, by someone else and
twice at once, message menus run on hostile messages, and every autocomplete gets hostile text.
Crowds of members write at once, and at the end the clock runs on so everything scheduled posts.

Tuning (scripts/test's first run uses the defaults, its shifted-clock and PostgreSQL runs less):
- NEXUS_FUZZ_INVOCATIONS: interactions per run, over all tests here and in test_fuzz_forum.py
  (default 5000);
- NEXUS_FUZZ_SECONDS: the time budget of the run (default 180); a test stops at its share;
- NEXUS_FUZZ_SEED: the hypothesis seed (default fixed; "random" picks one). The seed and the
  invocation count are printed in pytest's summary; the same seed draws the same inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import hypothesis
import pytest
from discord import app_commands
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import (
    Attachment,
    Channel,
    InteractionResult,
    Message,
    Role,
    SandboxServer,
)
from bot.sandbox.message_validation import walk_components
from tests.e2e import hostile
from tests.e2e.command_walk import (
    AnyCommand,
    context_menus,
    invoke_as,
    invoke_outside,
    label,
    offered_in,
    options_for,
    slash_commands,
    takes_server_things,
)
from tests.e2e.conftest import StartBot, World
from tests.e2e.fuzz_harness import Referee, capture_errors, describe_inputs

INVOCATIONS = int(os.environ.get("NEXUS_FUZZ_INVOCATIONS", "5000"))
SECONDS = float(os.environ.get("NEXUS_FUZZ_SECONDS", "180"))
_SEED = os.environ.get("NEXUS_FUZZ_SEED", "20261206")
SEED = random.SystemRandom().randrange(2**32) if _SEED == "random" else int(_SEED)
# Each test's share of the run's invocations and seconds (the forum's test is
# tests/e2e/test_fuzz_forum.py: feedback in forum mode, members' own posts).
COMMANDS_SHARE, AUTOCOMPLETE_SHARE, CONCURRENCY_SHARE, FORUM_SHARE = 0.62, 0.22, 0.06, 0.10
# A forum step (a member's post, the bot's answer, a click) costs about twice a command's, and
# the test runs beside the others on its own worker: it gets more of the seconds than of the
# invocations, so it reaches its count (the run's total of 5,000) on a busy machine too.
FORUM_SECONDS_SHARE = 0.3
START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
FREEZE_EVERY = 100
ACK_TIMEOUT = 3.5  # past Discord's 3 s the member saw "This interaction failed" already
FOLLOW_UP_DEPTH = 3

# Defects the fuzz found whose fix is under way elsewhere, tolerated (counted, not failed) until
# it lands: (the call's name starts with, the problem contains) → why. Empty it once they land.
KNOWN_OPEN: dict[tuple[str, str], str] = {}


# Inputs not even sent while their defect is open, because they would stall the whole run:
# reason → a test of (command name, options) that is True to skip. Empty it once fixes land.
KNOWN_OPEN_INPUTS: dict[str, Callable[[str, dict[str, Any]], bool]] = {}


# -- the budget and the hypothesis engine ----------------------------------------------------


class BudgetSpent(Exception):
    """Raised by an example once the budget is spent: the way to end hypothesis's run early."""


@dataclass
class Budget:
    invocations: int
    seconds: float
    at_least: int = 0  # examples run whatever the budget says (one round of every scenario)
    started: float = field(default_factory=time.monotonic)
    examples: int = 0

    def spent(self, referee: Referee) -> bool:
        self.examples += 1
        return self.examples > self.at_least and (
            referee.invocations >= self.invocations
            or time.monotonic() - self.started > self.seconds
        )


def share(fraction: float, *, at_least: int = 0, seconds: float | None = None) -> Budget:
    """`fraction` of the run's invocations, in as much of its seconds (or `seconds` of them,
    for a test whose invocations cost more, so it can still reach its count)."""
    time_share = fraction if seconds is None else seconds
    return Budget(max(1, int(INVOCATIONS * fraction)), SECONDS * time_share, at_least)


def run_examples(
    loop: asyncio.AbstractEventLoop,
    plans: st.SearchStrategy[Any],
    execute: Callable[[Any], Awaitable[None]],
    budget: Budget,
    referee: Referee,
) -> None:
    """Drive hypothesis from a worker thread; each example runs on the bot's event loop.

    Hypothesis keeps its state per thread, and the examples must run on the loop the bot and the
    sandbox live on. Every draw happens here, up front, as a plan whose shape never depends on
    the bot's state (ids are drawn as indexes, see hostile.KnownId): the same seed draws the
    same plans. Shrinking is off: the bot's state moves on with every call, so a finding is
    reported with the seed that replays the whole run.
    """

    @settings(
        max_examples=budget.invocations * 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
    )
    @hypothesis.seed(SEED)
    @given(plans)
    def example(plan: Any) -> None:
        if budget.spent(referee):
            raise BudgetSpent
        if budget.examples % FREEZE_EVERY == 0:
            # The sandbox keeps every message of the run, so the process's heap grows by
            # millions of objects; the collector's full passes over it then take seconds on a
            # busy machine and, landing inside a call, read as the bot blocking its loop.
            # Frozen objects are left out of those passes (between calls, so nothing is judged).
            gc.freeze()
        asyncio.run_coroutine_threadsafe(execute(plan), loop).result()

    with contextlib.suppress(BudgetSpent), without_mutations():
        example()


@contextlib.contextmanager
def without_mutations() -> Iterator[None]:
    """Hypothesis follows each new example with up to five mutations of it (copies of one part
    of it into another), which suits a search for a failing input but here spends most calls on
    near-copies of the last one: without them, every call is a fresh plan (three times as many
    distinct calls for the same budget). It is an internal of hypothesis's engine, so when it
    is gone this does nothing and only the variety suffers.
    """
    from hypothesis.internal.conjecture import engine

    runner = getattr(engine, "ConjectureRunner", None)
    if runner is None or not hasattr(runner, "generate_mutations_from"):
        yield
        return
    original = runner.generate_mutations_from
    runner.generate_mutations_from = lambda self, data: None
    try:
        yield
    finally:
        runner.generate_mutations_from = original


def summary(request: pytest.FixtureRequest, referee: Referee, budget: Budget) -> str:
    took = time.monotonic() - budget.started
    line = (
        f"{request.node.name}: seed {SEED}, {referee.invocations} invocations in {took:.1f} s "
        f"({referee.snapshots} database snapshots in {referee.snapshot_seconds:.1f} s, "
        f"{sum(map(sum, referee.timings.values())):.1f} s in interactions, "
        f"{len(referee.findings)} findings, "
        f"{len(referee.known)} known open)"
    )
    request.node.user_properties.append(("fuzz", line))
    print(line)
    slowest = sorted(referee.timings.items(), key=lambda kv: -sum(kv[1]))[:8]
    for what, spent in slowest:
        print(f"  {what}: {len(spent)} calls, {sum(spent):.1f} s, worst {max(spent):.2f} s")
    for finding in referee.known:
        print(f"  known open: {finding}")
    for finding in referee.findings:
        print(f"  FINDING: {finding}")
    return line


# -- the people and the places ---------------------------------------------------------------


@dataclass
class Stage:
    bot: NexusBot
    sandbox: SandboxServer
    world: World
    referee: Referee
    cast: hostile.Cast
    actors: list[Any]
    clock: FrozenClock
    known_ids: list[int] = field(default_factory=list)
    private_channels: dict[int, Channel] = field(default_factory=dict)  # by the actor's id
    steps: int = 0
    posts: list[Message] = field(default_factory=list)  # the bot's posts that have buttons

    async def refresh_known_ids(self) -> None:
        """Ids of what exists now: snippets, announcements and feedback numbers."""
        queries = (
            "SELECT id FROM snippets",
            "SELECT id FROM announcements",
            "SELECT number FROM feedback_items",
        )
        found: set[int] = set()
        async with self.bot.db.engine.connect() as connection:
            for query in queries:
                found.update(int(v) for v in (await connection.execute(text(query))).scalars())
        self.known_ids = sorted(found)

    def outside(self, actor: Any, index: int) -> Channel:
        """Past the guild's channels: the actor's DM with the bot, then a private channel of
        theirs (a group DM with another member, reached through their install)."""
        if index == len(self.cast.channels):
            return self.sandbox.state.dm_channel(actor)
        if actor.id not in self.private_channels:
            other = next(a for a in self.actors if a is not actor)
            self.private_channels[actor.id] = self.sandbox.create_group_dm(actor, other)
        return self.private_channels[actor.id]

    def schema(self, path: str) -> list[dict[str, Any]]:
        return self.sandbox.builder.resolve_path(path, self.world.guild)[3]


def make_stage(
    bot: NexusBot, sandbox: SandboxServer, world: World, referee: Referee, clock: FrozenClock
) -> Stage:
    stranger = sandbox.create_user("ghost")  # a user who is not a member of the guild
    members = (world.alice, world.bob, world.carol, world.triager, world.mod, world.admin)
    channels = tuple(
        c for c in world.guild.text_channels if c.type == discord.ChannelType.text.value
    )
    cast = hostile.Cast(
        members=members,
        strangers=(stranger,),
        roles=(world.moderator_role, world.triager_role),
        channels=channels,
    )
    for member in members:  # each added Nexus to their account too: it follows them outside
        sandbox.install_app(member)
    return Stage(bot, sandbox, world, referee, cast, list(members), clock)


async def seed_content(stage: Stage) -> None:
    """Something to aim at: snippets, feedback, an announcement and a pairing profile."""
    # What the test process built before this test (earlier tests' bots and sandboxes) is left
    # out of the collector's full passes, as the fuzz does every FREEZE_EVERY calls. On a busy
    # CI machine the seed's first share without a language (Pygments' lexers imported in a
    # worker thread, a burst of allocations) once read as a 1.7 s stall of the bot's loop; a
    # full pass set off there over the heap of earlier tests holds the GIL that long (not
    # proven to be the cause; `python -m bot run` freezes its start's objects at ready, so its
    # full passes never walk a heap like that).
    gc.freeze()
    world, sandbox, referee = stage.world, stage.sandbox, stage.referee
    feedback = {
        "endpoint": "GET /api/jobs",
        "severity": "bug",
        "title": "jobs list is empty",
        "details": "no jobs come back",
    }
    announcement = {
        "channel": world.announcements,
        "when": "in 2h",
        "message": "standup @everyone",
        "ping": world.triager_role,
    }
    calls: list[tuple[str, Any, dict[str, Any]]] = [
        ("/snippet share", world.bob, {"title": "hello", "code": "print('hi')", "language": "py"}),
        ("/snippet share", world.alice, {"title": "loop", "code": "for i in x: pass"}),
        ("/feedback log", world.bob, feedback),
        ("/announce create", world.mod, announcement),
    ]
    for path, user, options in calls:

        def call(path: str = path, user: Any = user, options: Any = options) -> Any:
            return sandbox.invoke(
                path, user=user, channel=world.general, options=options, timeout=ACK_TIMEOUT
            )

        await referee.perform(path, options, call)
    await join_pairing(stage)
    await stage.refresh_known_ids()


async def join_pairing(stage: Stage) -> None:
    """Every actor in pairing, so /pair pause, status and now reach past "join first"."""
    for user in stage.actors:

        def call(user: Any = user) -> Any:
            return stage.sandbox.invoke(
                "/pair join",
                user=user,
                channel=stage.world.general,
                options={"level": "intermediate", "timezone": "Europe/Berlin"},
                timeout=ACK_TIMEOUT,
            )

        await stage.referee.perform("/pair join", user.name, call)


# -- plans: everything an example does, drawn before it starts -------------------------------


@dataclass(frozen=True)
class Click:
    """One click on whatever the reply offers, by indexes resolved at click time."""

    message: int
    component: int
    how: str  # "owner", "other" (someone else) or "twice" (the owner, twice at once)
    other: int
    pick: int  # which option or entity a select menu gets


@dataclass(frozen=True)
class FollowUps:
    fills: list[hostile.Fill]  # for the modal the reply may open
    clicks: list[Click]  # consumed in order, by replies and their own replies


@dataclass(frozen=True, repr=False)
class Plan:
    command: AnyCommand
    actor: int
    channel: int
    options: dict[str, Any]
    message: tuple[str, list[Attachment]] | None
    author: int
    target: int
    follow: FollowUps

    def __repr__(self) -> str:
        # Short: hypothesis shows the last plan, and a sandbox object's own repr spells out
        # the whole guild with every message in it.
        shown = describe_inputs(self.options if self.message is None else self.message)
        return f"<Plan {label(self.command)} by actor {self.actor}: {shown}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis's printer would spell out every field


def follow_ups(cast: hostile.Cast) -> st.SearchStrategy[FollowUps]:
    index = st.integers(0, 1_000)
    click = st.builds(
        Click, index, index, st.sampled_from(["owner", "other", "twice"]), index, index
    )
    return st.builds(FollowUps, hostile.fills(cast), st.lists(click, max_size=2))


def plans(stage: Stage, walked: list[AnyCommand]) -> st.SearchStrategy[Plan]:
    schemas = {
        label(c): stage.schema(label(c)) for c in walked if isinstance(c, app_commands.Command)
    }
    cast = stage.cast
    people = len(stage.actors)

    @st.composite
    def plan(draw: st.DrawFn) -> Plan:
        command = draw(st.sampled_from(walked))
        options: dict[str, Any] = {}
        message = None
        if isinstance(command, app_commands.Command):
            options = draw(hostile.options_for(schemas[label(command)], cast))
        elif command.type is discord.AppCommandType.message:
            message = draw(hostile.hostile_message(cast))
        return Plan(
            command=command,
            actor=draw(st.integers(0, people - 1)),
            # Past the channels: a DM with the bot, then a private channel (Stage.outside).
            channel=draw(st.integers(0, len(cast.channels) + 1)),
            options=options,
            message=message,
            author=draw(st.integers(0, people - 1)),
            target=draw(st.integers(0, people)),  # people: the stranger
            follow=draw(follow_ups(cast)),
        )

    return plan()


# -- following up on a reply: modals, buttons, selects ---------------------------------------


def clickable(message: Message) -> list[dict[str, Any]]:
    return [
        c
        for c in walk_components(message.components)
        if c.get("custom_id") and not c.get("disabled") and c.get("type") in (2, 3, 5, 6, 7, 8)
    ]


async def follow_up(
    stage: Stage,
    follow: FollowUps,
    result: InteractionResult | None,
    owner: Any,
    posted: list[Message],
    depth: int = 0,
) -> None:
    """Submit the modal the reply opened; click what the reply and new posts offer.

    With no reply (a member's forum post the bot answered in), only the new posts."""
    if depth >= FOLLOW_UP_DEPTH or (result is None and not posted):
        return
    referee = stage.referee
    modal = result.modal if result is not None else None
    if result is not None and modal is not None:
        values = hostile.modal_values(modal.fields, follow.fills, stage.cast)
        submitted = await referee.perform(
            f"modal {modal.title!r}",
            values,
            lambda: result.submit_modal(values, user=owner, timeout=ACK_TIMEOUT),
        )
        await follow_up(stage, follow, submitted, owner, [], depth + 1)
        return
    replied = result.messages if result is not None else []
    messages = [m for m in (*replied, *posted) if not m.deleted and clickable(m)]
    while messages and follow.clicks:
        plan = follow.clicks.pop(0)
        message = messages[plan.message % len(messages)]
        components = clickable(message)
        if message.deleted or not components:
            continue
        component = components[plan.component % len(components)]
        others = [a for a in stage.actors if a is not owner]
        clicker = others[plan.other % len(others)] if plan.how == "other" else owner
        if message.ephemeral and clicker is not owner:
            continue  # nobody else can see an ephemeral message, let alone click it
        payload = component_payload(stage, message, component, plan.pick)
        what = f"click {component.get('label') or component['custom_id']!r}"

        def click(user: Any = clicker, payload: Any = payload, message: Message = message) -> Any:
            return stage.sandbox.send_component(
                message, payload, user=user, timeout=ACK_TIMEOUT, quiet=0
            )

        if plan.how == "twice":
            replies = await referee.perform_together(what, payload, [click, click])
        else:
            replies = [await referee.perform(what, payload, click)]
        for reply in replies:
            await follow_up(stage, follow, reply, clicker, [], depth + 1)


def component_payload(
    stage: Stage, message: Message, component: dict[str, Any], pick: int
) -> dict[str, Any]:
    kind = component["type"]
    if kind == 2:
        return {"custom_id": component["custom_id"], "component_type": 2}
    pool: list[Any]
    if kind == 3:
        pool = [str(o["value"]) for o in component.get("options") or []]
    else:
        cast = stage.cast
        pool = {
            5: list(cast.members),
            6: list(cast.roles),
            7: [*cast.members, *cast.roles],
            8: list(cast.channels),
        }[kind]
    return stage.sandbox.select_data(component, [pool[pick % len(pool)]], message)


def new_posts(stage: Stage, before: int) -> list[Message]:
    """Bot messages in channels (not interaction replies) created since ``before``."""
    messages = list(stage.sandbox.state.messages.values())[before:]
    return [
        m
        for m in messages
        if m.author.id == stage.sandbox.bot_user.id and m.interaction_metadata is None
    ]


# -- one call of a command or menu -----------------------------------------------------------


def usable_outside(stage: Stage, command: AnyCommand, plan: Plan, channel: Channel) -> bool:
    """Whether Discord offers this command outside a server (``channel``), with these options.

    There the client offers no server's channels or roles, and hides the commands whose
    contexts or installations do not reach the place.
    """
    if any(isinstance(v, (Channel, Role)) for v in plan.options.values()):
        return False
    return offered_in(stage.sandbox, command, stage.actors[plan.actor], channel)


async def call_command(stage: Stage, plan: Plan) -> None:
    sandbox, world, cast = stage.sandbox, stage.world, stage.cast
    command = plan.command
    actor = stage.actors[plan.actor]
    name = label(command)
    in_dm = plan.channel >= len(cast.channels)
    channel = stage.outside(actor, plan.channel) if in_dm else cast.channels[plan.channel]
    if in_dm and not usable_outside(stage, command, plan, channel):
        return
    before = len(sandbox.state.messages)
    action: Callable[[], Awaitable[InteractionResult]]
    if isinstance(command, app_commands.ContextMenu):
        if plan.message is not None:
            content, files = plan.message
            author = actor if in_dm else stage.actors[plan.author]
            source = sandbox.send_user_message(channel, author, content, attachments=files)
            inputs: Any = {"message": content, "files": files, "author": author}

            def action() -> Awaitable[InteractionResult]:
                return sandbox.invoke_message_command(
                    command.name, message=source, user=actor, timeout=ACK_TIMEOUT, quiet=0
                )

        else:
            target = [*cast.members, *cast.strangers][plan.target]
            inputs = {"target": target}

            def action() -> Awaitable[InteractionResult]:
                return sandbox.invoke_user_command(
                    command.name,
                    target=target,
                    user=actor,
                    guild=world.guild,
                    channel=channel,
                    timeout=ACK_TIMEOUT,
                    quiet=0,
                )

    else:
        options = hostile.resolve_known_ids(plan.options, stage.known_ids)
        inputs = options
        if any(skip(name, options) for skip in KNOWN_OPEN_INPUTS.values()):
            return

        def action() -> Awaitable[InteractionResult]:
            return sandbox.invoke(
                name,
                user=actor,
                guild=world.guild,
                channel=channel,
                options=options,
                timeout=ACK_TIMEOUT,
                quiet=0,
            )

    result = await stage.referee.perform(f"{name} as {actor.name}", inputs, action)
    follow = FollowUps(plan.follow.fills, list(plan.follow.clicks))
    posted = [m for m in new_posts(stage, before) if clickable(m)]
    # One older post too: its buttons may name a snippet or item deleted since.
    older = [m for m in stage.posts if not m.deleted and clickable(m)]
    stage.posts.extend(posted)
    if older:
        posted.append(older[plan.author * 7919 % len(older)])
    await follow_up(stage, follow, result, actor, posted)


# After the calls the clock jumps to every job's next run (a pairing round, its reminder), then by
# these steps, so everything the fuzzed calls scheduled comes due (announcements post late).
TIME_PASSES = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=40))
MAX_JUMPS = 12


async def let_time_pass(stage: Stage) -> None:
    """Everything the calls scheduled (hostile announcements, pairing rounds) comes due and
    posts: no error may be logged and no post may ping more than it was configured to."""
    clock, scheduler = stage.clock, stage.bot.scheduler
    before = len(stage.sandbox.messages_by_bot())
    end = clock.now() + sum(TIME_PASSES, timedelta())

    async def jump_to(when: datetime) -> None:
        logged = len(stage.referee.errors.records)
        clock.set(when)
        scheduler.wake()
        await settle_posts(stage.sandbox)
        await stage.referee.after_the_fact(f"the clock moved to {when:%Y-%m-%d %H:%M}", logged)

    for _ in range(MAX_JUMPS):
        # Jobs due within two minutes repeat (sweeps, resyncs): the next one further out.
        later = clock.now() + timedelta(minutes=2)
        runs = [scheduler.next_run(job) for job in scheduler.job_ids()]
        due = [when for when in runs if when is not None and later < when <= end]
        if not due:
            break
        await jump_to(min(due) + timedelta(seconds=5))
    for jump in TIME_PASSES:
        await jump_to(clock.now() + jump)
    print(f"  time passed: {len(stage.sandbox.messages_by_bot()) - before} scheduled posts")


async def settle_posts(sandbox: SandboxServer, quiet: float = 0.5, limit: float = 10.0) -> None:
    """Wait until the bot has posted nothing new for ``quiet`` seconds (at most ``limit``)."""
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline and seen != len(sandbox.state.messages):
        seen = len(sandbox.state.messages)
        await asyncio.sleep(quiet)


async def walk_every_command_once_per_tier(stage: Stage, walked: list[AnyCommand]) -> None:
    """Each command once as a member, a triager and a moderator, with the walk's plain values.

    Hypothesis then picks commands at random; this pass makes sure none is left out.
    """
    world = stage.world
    for user in (world.alice, world.triager, world.mod):
        for command in walked:

            def action(command: AnyCommand = command, user: Any = user) -> Any:
                return invoke_as(stage.sandbox, world, command, user)

            result = await stage.referee.perform(f"{label(command)} as {user.name}", {}, action)
            await follow_up(stage, FollowUps([hostile.Fill("walked", 0)], []), result, user, [])
        for index in (len(stage.cast.channels), len(stage.cast.channels) + 1):
            await walk_outside(stage, walked, user, stage.outside(user, index))


async def walk_outside(stage: Stage, walked: list[AnyCommand], user: Any, channel: Channel) -> None:
    """Each command Discord offers outside a server, there, with the walk's plain values."""
    for command in walked:
        if not offered_in(stage.sandbox, command, user, channel) or takes_server_things(command):
            continue

        def action(command: AnyCommand = command) -> Any:
            return invoke_outside(stage.sandbox, stage.world, command, user, channel)

        what = f"{label(command)} as {user.name} outside a server"
        result = await stage.referee.perform(what, {"channel type": channel.type}, action)
        await follow_up(stage, FollowUps([hostile.Fill("walked", 0)], []), result, user, [])


async def walk_the_edges(stage: Stage, walked: list[AnyCommand]) -> None:
    """Each option of each command at each of its edges (hostile.extremes), one at a time, the
    others at the walk's plain values, as a moderator (no tier refuses them): the known kinds of
    defect are met on every run, whatever the seed."""
    world = stage.world
    for command in walked:
        if not isinstance(command, app_commands.Command):
            continue
        name = label(command)
        plain = options_for(command, world)
        for option in stage.schema(name):
            for value in hostile.extremes(option, stage.cast):
                options = {**plain, option["name"]: value}

                def action(options: dict[str, Any] = options, name: str = name) -> Any:
                    return stage.sandbox.invoke(
                        name,
                        user=world.admin,
                        channel=world.general,
                        options=options,
                        timeout=ACK_TIMEOUT,
                        quiet=0,
                    )

                result = await stage.referee.perform(f"{name} as admin", options, action)
                fills = [hostile.Fill(str(value), None)] if isinstance(value, str) else []
                await follow_up(
                    stage, FollowUps(fills or [hostile.Fill("x", 0)], []), result, world.admin, []
                )


# -- the tests -------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def open_stage(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> AsyncIterator[Stage]:
    # The clock stands still (nothing scheduled fires between a call and its snapshot), so the
    # per-minute share limit would close sharing for good after a few shares: lift it.
    clock = FrozenClock(START)
    bot = await start_nexus(clock=clock, snippets={"shares_per_minute": 100_000})
    with capture_errors() as errors:
        referee = Referee(bot, sandbox, errors, known_open=KNOWN_OPEN)
        referee.loop_watch.start()
        try:
            yield make_stage(bot, sandbox, world, referee, clock)
        finally:
            referee.loop_watch.stop()


@pytest.fixture
async def stage(start_nexus: StartBot, sandbox: SandboxServer, world: World) -> Any:
    async with open_stage(start_nexus, sandbox, world) as opened:
        yield opened


@pytest.mark.slow
@pytest.mark.timeout(int(SECONDS * COMMANDS_SHARE) + 120)
async def test_every_command_and_menu_answers_hostile_input_cleanly_for_every_tier(
    stage: Stage, request: pytest.FixtureRequest
) -> None:
    await seed_content(stage)
    walked: list[AnyCommand] = [*slash_commands(stage.bot), *context_menus(stage.bot)]
    assert len(walked) >= 40, [label(c) for c in walked]
    budget = share(COMMANDS_SHARE)
    await walk_every_command_once_per_tier(stage, walked)
    await join_pairing(stage)  # the walk's /pair leave took some out; /pair pause needs them in
    await walk_the_edges(stage, walked)
    distinct: set[int] = set()

    async def execute(plan: Plan) -> None:
        # Short descriptions: a sandbox object's repr would spell out the whole guild.
        shown = describe_inputs(plan.options), describe_inputs(plan.message)
        distinct.add(hash((label(plan.command), plan.actor, *shown)))
        await call_command(stage, plan)
        stage.steps += 1
        if stage.steps % 20 == 0:
            await stage.refresh_known_ids()

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(
        run_examples, loop, plans(stage, walked), execute, budget, stage.referee
    )
    await let_time_pass(stage)
    await stage.referee.check_all_messages()
    summary(request, stage.referee, budget)
    clicks = sum(len(t) for what, t in stage.referee.timings.items() if what.startswith("click"))
    print(f"  {len(distinct)} distinct calls, {clicks} clicks")
    assert stage.referee.report() == ""


@pytest.mark.slow
@pytest.mark.timeout(int(SECONDS * AUTOCOMPLETE_SHARE) + 120)
async def test_every_autocomplete_answers_hostile_text_in_time(
    stage: Stage, request: pytest.FixtureRequest
) -> None:
    await seed_content(stage)
    sandbox, world = stage.sandbox, stage.world
    boxes = [
        (label(command), option["name"])
        for command in slash_commands(stage.bot)
        for option in stage.schema(label(command))
        if option.get("autocomplete")
    ]
    assert len(boxes) >= 15, boxes
    budget = share(AUTOCOMPLETE_SHARE)

    async def type_into(path: str, option: str, value: str, actor: Any) -> None:
        await stage.referee.perform(
            f"{path} [{option}] as {actor.name}",
            value,
            lambda: sandbox.send_autocomplete(
                path,
                option,
                value,
                user=actor,
                guild=world.guild,
                channel=world.general,
                timeout=ACK_TIMEOUT,
            ),
            read_only=True,
        )

    # Every box once with a number past SQLite's INTEGER, then hypothesis's text at random.
    for path, option in boxes:
        await type_into(path, option, hostile.HUGE_ID_TEXT, world.mod)
    typed = st.sampled_from(boxes).flatmap(
        lambda box: st.tuples(
            st.just(box),
            hostile.typed_text(box[1], stage.cast),
            st.integers(0, len(stage.actors) - 1),
        )
    )

    async def execute(plan: tuple[tuple[str, str], str, int]) -> None:
        (path, option), value, actor_index = plan
        await type_into(path, option, value, stage.actors[actor_index])

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(run_examples, loop, typed, execute, budget, stage.referee)
    summary(request, stage.referee, budget)
    assert stage.referee.report() == ""


# -- the same write from several members at the same moment ----------------------------------


@dataclass(frozen=True)
class Crowd:
    """Several members doing the same write at once."""

    size: int
    statuses: list[str]
    titles: list[str]
    levels: list[str]


CROWD_SCENARIOS = ("star", "status", "join", "share", "log")
CROWD_SIZE = 6
# Every status a triager can move a new (open) item to, and from there on.
MOVES = ["acknowledged", "in_progress", "resolved", "wont_fix"]


def crowds(cast: hostile.Cast) -> st.SearchStrategy[Crowd]:
    titles = hostile.hostile_text(cast, min_size=1, max_size=100)
    return st.builds(
        Crowd,
        st.integers(2, CROWD_SIZE),
        st.lists(st.sampled_from(MOVES), min_size=3, max_size=3),
        st.lists(titles, min_size=CROWD_SIZE, max_size=CROWD_SIZE),
        st.lists(
            st.sampled_from(["beginner", "intermediate", "advanced"]),
            min_size=CROWD_SIZE,
            max_size=CROWD_SIZE,
        ),
    )


async def scalar(bot: NexusBot, query: str, **params: Any) -> Any:
    async with bot.db.engine.connect() as connection:
        return (await connection.execute(text(query), params)).scalar()


async def rows(bot: NexusBot, query: str, **params: Any) -> list[Any]:
    async with bot.db.engine.connect() as connection:
        return list((await connection.execute(text(query), params)).all())


class CrowdRun:
    """Runs one crowd and notes, through the referee, every count that came out wrong."""

    def __init__(self, stage: Stage, crowd: list[Any]) -> None:
        self.stage = stage
        self.crowd = crowd
        self.triagers = [stage.world.triager, stage.world.mod, stage.world.admin]
        self.items = 0

    def invoke(self, path: str, user: Any, **options: Any) -> Callable[[], Any]:
        sandbox, world = self.stage.sandbox, self.stage.world
        return lambda: sandbox.invoke(
            path, user=user, channel=world.general, options=options, timeout=ACK_TIMEOUT, quiet=0
        )

    async def together(self, what: str, inputs: Any, actions: list[Any]) -> list[Any]:
        return await self.stage.referee.perform_together(what, inputs, actions)

    def accepted(self, replies: list[Any]) -> int:
        """How many of these calls the bot carried out (not refused)."""
        outcomes = self.stage.referee.outcomes
        return sum(1 for r in replies if r is not None and r.interaction_id not in outcomes)

    def note(self, what: str, inputs: Any, problem: str) -> None:
        self.stage.referee.note(what, inputs, problem)

    async def new_snippet(self) -> int:
        """A snippet by someone outside the crowd (authors can't star their own)."""
        title = "to be starred"
        await self.stage.referee.perform(
            "/snippet share",
            title,
            self.invoke("/snippet share", self.stage.world.bob, title=title, code="print(1)"),
        )
        query = "SELECT max(id) FROM snippets WHERE author_id = :a AND title = :t"
        return int(await scalar(self.stage.bot, query, a=self.stage.world.bob.id, t=title))

    async def new_item(self) -> int:
        # An endpoint and words of its own, so it is not held back as a likely duplicate.
        self.items += 1
        word = "".join(chr(ord("a") + int(d)) for d in str(self.items))
        title = f"{word} {word[::-1]}x broke"
        reply = await self.stage.referee.perform(
            "/feedback log",
            title,
            self.invoke(
                "/feedback log",
                self.crowd[0],
                endpoint=f"GET /api/{word}",
                severity="bug",
                title=title,
                details="seen by the crowd",
            ),
        )
        logged = re.search(r"FB-(\d+)", reply.text if reply is not None else "")
        assert logged is not None, f"the item to change was not logged: {reply!r}"
        return int(logged.group(1))

    async def star(self, plan: Crowd) -> None:
        bot = self.stage.bot
        snippet = await self.new_snippet()
        members = self.crowd[: plan.size]
        for expected, verb in ((plan.size, "star"), (0, "unstar")):
            what = f"/snippet star ×{plan.size} ({verb})"
            replies = await self.together(
                what, snippet, [self.invoke("/snippet star", m, id=snippet) for m in members]
            )
            stored = await scalar(bot, "SELECT star_count FROM snippets WHERE id = :i", i=snippet)
            stars = await scalar(
                bot, "SELECT count(*) FROM snippet_stars WHERE snippet_id = :i", i=snippet
            )
            if stored != expected or stars != expected:
                self.note(what, snippet, f"star_count {stored}, {stars} stars; expected {expected}")
            told = sorted(r.text.rsplit("it has ", 1)[-1] for r in replies if r is not None)
            # Each reply tells the count its own toggle made: all of them, one by one.
            low = 1 if verb == "star" else 0
            counts = [f"{n} now." for n in range(low, low + plan.size)]
            if told != counts:
                self.note(what, snippet, f"the replies told the counts {told}")

    async def status(self, plan: Crowd) -> None:
        bot = self.stage.bot
        number = await self.new_item()
        moves = plan.statuses[: min(plan.size, len(self.triagers))]
        what = f"/feedback status ×{len(moves)}"
        await self.together(
            what,
            {"item": number, "moves": moves},
            [
                self.invoke("/feedback status", triager, id=str(number), status=move)
                for triager, move in zip(self.triagers, moves, strict=False)
            ],
        )
        item = await rows(bot, "SELECT id, status FROM feedback_items WHERE number = :n", n=number)
        item_id, final = item[0]
        history = await rows(
            bot,
            "SELECT from_value, to_value FROM feedback_history "
            "WHERE item_id = :i AND action IN ('status', 'reopened') ORDER BY id",
            i=item_id,
        )
        chain = ["open", *(to for _, to in history)]
        broken = [
            (frm, to) for (frm, to), before in zip(history, chain, strict=False) if frm != before
        ]
        if broken or chain[-1] != final:
            self.note(what, moves, f"history {history} does not lead to the status {final!r}")

    async def join(self, plan: Crowd) -> None:
        bot = self.stage.bot
        members = self.crowd[: plan.size]
        await self.together(
            f"/pair join ×{plan.size}",
            plan.levels[: plan.size],
            [
                self.invoke("/pair join", m, level=level, timezone="Europe/Berlin")
                for m, level in zip(members, plan.levels, strict=False)
            ],
        )
        for member, level in zip(members, plan.levels, strict=False):
            stored = await rows(
                bot, "SELECT level FROM pair_profiles WHERE user_id = :u", u=member.id
            )
            if stored != [(level,)]:
                self.note("/pair join", level, f"{member.name}'s profile is {stored}")

    async def share(self, plan: Crowd) -> None:
        bot = self.stage.bot
        before = await scalar(bot, "SELECT count(*) FROM snippets")
        titles = plan.titles[: plan.size]
        replies = await self.together(
            f"/snippet share ×{plan.size}",
            titles,
            [
                self.invoke("/snippet share", m, title=t, code=f"print({i})")
                for i, (m, t) in enumerate(zip(self.crowd, titles, strict=False))
            ],
        )
        after = await scalar(bot, "SELECT count(*) FROM snippets")
        if after - before != self.accepted(replies):
            problem = f"{after - before} stored of {self.accepted(replies)} accepted"
            self.note("/snippet share", titles, problem)

    async def log(self, plan: Crowd) -> None:
        bot = self.stage.bot
        before = await rows(bot, "SELECT number FROM feedback_items")
        drafts = await scalar(bot, "SELECT count(*) FROM feedback_drafts")
        titles = plan.titles[: plan.size]
        replies = await self.together(
            f"/feedback log ×{plan.size}",
            titles,
            [
                self.invoke(
                    "/feedback log",
                    m,
                    endpoint=f"GET /api/crowd/{i}",
                    severity="question",
                    title=t,
                    details="at the same moment",
                )
                for i, (m, t) in enumerate(zip(self.crowd, titles, strict=False))
            ],
        )
        numbers = sorted(n for (n,) in await rows(bot, "SELECT number FROM feedback_items"))
        # A report that looks like an earlier one waits as a draft for its reporter's choice.
        held = await scalar(bot, "SELECT count(*) FROM feedback_drafts") - drafts
        added = len(numbers) - len(before)
        accepted = self.accepted(replies)
        if added + held != accepted or numbers != list(range(1, len(numbers) + 1)):
            problem = f"numbers {numbers} and {held} drafts after {accepted} accepted reports"
            self.note("/feedback log", titles, problem)


@pytest.mark.slow
@pytest.mark.timeout(int(SECONDS * CONCURRENCY_SHARE) + 120)
async def test_the_same_write_from_several_members_at_once_counts_each_once(
    stage: Stage, request: pytest.FixtureRequest
) -> None:
    await seed_content(stage)
    crowd = []
    for index in range(CROWD_SIZE):
        member = stage.sandbox.create_user(f"crowd{index}")
        stage.world.guild.add_member(member)
        crowd.append(member)
    run = CrowdRun(stage, crowd)
    budget = share(CONCURRENCY_SHARE, at_least=len(CROWD_SCENARIOS))
    seen: set[str] = set()

    async def execute(plan: Crowd) -> None:
        # Every scenario in turn; hypothesis draws the crowd's size and what each one sends.
        scenario = CROWD_SCENARIOS[stage.steps % len(CROWD_SCENARIOS)]
        stage.steps += 1
        seen.add(scenario)
        await getattr(run, scenario)(plan)

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(run_examples, loop, crowds(stage.cast), execute, budget, stage.referee)
    await stage.referee.check_all_messages()
    summary(request, stage.referee, budget)
    assert stage.referee.report() == ""
    assert seen == set(CROWD_SCENARIOS)
