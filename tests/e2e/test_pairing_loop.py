"""The pairing loop through the real bot and the sandbox: the round's notice and its buttons,
telling whoever a round could not match, pauses for no-shows, cross-track rounds, the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.models import OccurrenceClaim
from bot.sandbox import SandboxServer
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairRound
from cogs.pairing.schedule_flow import notice_job_id
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_pairing import cog, join, press, rows, run_round

# A Thursday noon; the default round is Monday 09:00 UTC, so its notice is due Sunday 09:00.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ROUND_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOTICE_AT = ROUND_AT - timedelta(hours=24)


@pytest.fixture
async def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def bot(start_nexus: StartBot, clock: FrozenClock) -> NexusBot:
    nexus = await start_nexus(clock=clock)
    # Tests fire due jobs themselves, on the frozen clock, rather than race the real sleeper.
    nexus.scheduler.shutdown()
    return nexus


async def fire_jobs_at(bot: NexusBot, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    await bot.scheduler.run_due()


def notices(world: World) -> list[Any]:
    return [m for m in world.pairing.messages if "next pairing round" in m.text]


async def group_of(bot: NexusBot, user_id: int, round_number: int) -> tuple[int, set[int]]:
    """The group `user_id` was in in round `round_number`, and its members."""
    async with bot.db.sessions() as session:
        group_id = await session.scalar(
            select(PairMember.group_id)
            .join(PairGroup, PairGroup.id == PairMember.group_id)
            .join(PairRound, PairRound.id == PairGroup.round_id)
            .where(PairMember.user_id == user_id, PairRound.number == round_number)
        )
        members = await session.scalars(
            select(PairMember.user_id).where(PairMember.group_id == group_id)
        )
        assert group_id is not None
        return group_id, set(members.all())


def thread_of(world: World, group_id: int, groups: list[Any]) -> Any:
    thread_id = next(g.thread_id for g in groups if g.id == group_id)
    return next(t for t in world.pairing.threads if t.id == thread_id)


async def profile(bot: NexusBot, user_id: int) -> PairProfile:
    found: PairProfile = next(p for p in await rows(bot, PairProfile) if p.user_id == user_id)
    return found


# ---- the notice before a round -------------------------------------------------------------------


async def test_the_notice_is_posted_a_day_ahead_once_with_its_two_buttons(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    assert bot.scheduler.next_run(notice_job_id(world.guild.id)) == NOTICE_AT
    await fire_jobs_at(bot, clock, NOTICE_AT - timedelta(minutes=1))
    assert notices(world) == []
    await fire_jobs_at(bot, clock, NOTICE_AT)
    [notice] = notices(world)
    assert f"<t:{int(ROUND_AT.timestamp())}:F>" in notice.text
    labels = [c["label"] for row in notice.components for c in row["components"]]
    assert labels == ["Skip this round", "Pause until…"]
    assert not notice.pinged.users and not notice.pinged.everyone
    # Rebuilding the jobs inside the window (a join, a restart) fires the job again: no repeat.
    await join(sandbox, world, world.carol)
    await bot.scheduler.run_due()
    assert await cog(bot).notice_flow.post_notice(world.guild.id, ROUND_AT) is False
    assert len(notices(world)) == 1
    claims = [c for c in await rows(bot, OccurrenceClaim) if c.kind == "pair_notice"]
    assert [(c.scheduled_for, c.status) for c in claims] == [(ROUND_AT, "done")]


async def test_a_notice_due_while_down_is_posted_at_start_and_only_once(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    first = await start_nexus(clock=clock)
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await first.close()
    # Back an hour after the notice was due: the jobs rebuilt at start post it a minute later.
    clock.set(NOTICE_AT + timedelta(hours=1))
    second = await start_nexus(clock=clock)
    second.scheduler.shutdown()
    assert second.scheduler.next_run(notice_job_id(world.guild.id)) == clock.now() + timedelta(
        minutes=1
    )
    await fire_jobs_at(second, clock, clock.now() + timedelta(minutes=1))
    assert len(notices(world)) == 1
    await second.close()
    third = await start_nexus(clock=clock)
    third.scheduler.shutdown()
    await fire_jobs_at(third, clock, clock.now() + timedelta(minutes=1))
    assert await cog(third).notice_flow.post_notice(world.guild.id, ROUND_AT) is False
    assert len(notices(world)) == 1
    # The buttons of the earlier process's post still work.
    reply = await press(sandbox, notices(world)[0], "Skip this round", world.alice)
    assert "sit out the round" in reply.text


async def test_notice_hours_zero_turns_the_notice_off(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    await join(sandbox, world, world.alice)
    reply = await sandbox.invoke(
        "/admin config set",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"key": "pairing.notice_hours", "value": "0"},
    )
    assert reply.ephemeral and "`pairing.notice_hours` is now" in reply.text
    await sandbox.wait_until(lambda: notice_job_id(world.guild.id) not in bot.scheduler.job_ids())
    await fire_jobs_at(bot, clock, NOTICE_AT)
    assert notices(world) == []


async def test_skip_this_round_leaves_the_member_out_of_that_round_only(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob, world.carol):
        await join(sandbox, world, user)
    await fire_jobs_at(bot, clock, NOTICE_AT)
    [notice] = notices(world)
    skipped = await press(sandbox, notice, "Skip this round", world.alice)
    assert skipped.ephemeral and "sit out the round" in skipped.text
    outsider = await press(sandbox, notice, "Skip this round", world.triager)
    assert outsider.ephemeral and "/pair join" in outsider.text

    await fire_jobs_at(bot, clock, ROUND_AT)
    [first] = await rows(bot, PairRound)
    assert (first.trigger, first.participants, first.pairs) == ("schedule", 2, 1)
    assert {m.user_id for m in await rows(bot, PairMember)} == {world.bob.id, world.carol.id}
    # The next round has her back.
    clock.advance(timedelta(days=1))
    await run_round(sandbox, world)
    second = max(await rows(bot, PairRound), key=lambda r: r.number)
    assert second.participants == 3


async def test_pause_until_opens_a_form_read_like_the_pause_command(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await fire_jobs_at(bot, clock, NOTICE_AT)
    [notice] = notices(world)
    opened = await press(sandbox, notice, "Pause until…", world.alice)
    assert opened.modal is not None
    refused = await opened.submit_modal({"until": "2020-01-01"})
    assert refused.ephemeral and "in the past" in refused.text
    assert (await profile(bot, world.alice.id)).paused_until is None
    opened = await press(sandbox, notice, "Pause until…", world.alice)
    done = await opened.submit_modal({"until": "2026-12-24"})
    assert done.ephemeral and "Paused until" in done.text
    # Berlin midnight, as `/pair pause until:2026-12-24` reads it.
    assert (await profile(bot, world.alice.id)).paused_until == datetime(
        2026, 12, 23, 23, 0, tzinfo=UTC
    )


# ---- after a round: whoever could not be matched -----------------------------------------------


async def test_the_only_member_available_is_told_by_dm_with_pair_now(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await sandbox.invoke(
        "/pair pause", user=world.bob, guild=world.guild, channel=world.pairing, until="in 2 weeks"
    )
    await fire_jobs_at(bot, clock, ROUND_AT)
    assert await rows(bot, PairRound) == []
    [dm] = sandbox.dms(world.alice)
    assert "couldn't find you a partner" in dm.text
    assert "nobody else was available" in dm.text and "/pair now" in dm.text
    assert sandbox.dms(world.bob) == []
    [claim] = [c for c in await rows(bot, OccurrenceClaim) if c.kind == "pair_round"]
    assert claim.status == "skipped"
    # Fired again (a restart in the window): the claim keeps the message to one.
    await cog(bot).rounds.scheduled_round(world.guild.id, ROUND_AT, reschedule=False)
    assert len(sandbox.dms(world.alice)) == 1


async def test_with_dms_closed_the_unmatched_member_is_mentioned_alone_in_the_channel(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    await join(sandbox, world, world.carol)
    world.carol.dms_open = False
    await fire_jobs_at(bot, clock, ROUND_AT)
    [told] = [m for m in world.pairing.messages if "couldn't find you a partner" in m.text]
    assert told.text.startswith(f"<@{world.carol.id}>")
    assert told.pinged.users == frozenset({world.carol.id})
    assert not told.pinged.everyone and not told.pinged.roles


# ---- no-shows -----------------------------------------------------------------------------------


async def test_two_no_show_reports_in_a_row_pause_the_member_with_one_button_back(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob, world.carol, world.triager):
        await join(sandbox, world, user)
    for number in (1, 2):
        clock.advance(timedelta(minutes=1))
        await run_round(sandbox, world)
        group_id, members = await group_of(bot, world.alice.id, number)
        partner = next(u for u in (world.bob, world.carol, world.triager) if u.id in members)
        thread = thread_of(world, group_id, await rows(bot, PairGroup))
        answered = await press(sandbox, thread.messages[0], "Couldn't meet", partner)
        assert "couldn't meet" in answered.text
    # Her own answer would not count against her; her partners' reports do.
    clock.advance(timedelta(minutes=1))
    reply = await run_round(sandbox, world)
    assert "Round 3 is out: 0 pairs, 1 trio" in reply.text
    third = max(await rows(bot, PairRound), key=lambda r: r.number)
    assert third.participants == 3
    paused = await profile(bot, world.alice.id)
    assert paused.pause_reason == "no_show" and paused.paused_until is not None
    [dm] = sandbox.dms(world.alice)
    assert "paused your pairing" in dm.text and "couldn't meet you" in dm.text
    labels = [c["label"] for row in dm.components for c in row["components"]]
    assert labels == ["Come back"]
    summary = world.pairing.messages[-1]
    fields = {f["name"]: f["value"] for f in summary.embeds[0]["fields"]}
    assert fields["Paused for attendance"] == "1 person"

    back = await press(sandbox, dm, "Come back", world.alice)
    assert back.ephemeral and "Welcome back" in back.text
    resumed = await profile(bot, world.alice.id)
    assert resumed.paused_until is None and resumed.pause_reason is None
    # A clean slate: the next round matches her again instead of pausing her at once.
    clock.advance(timedelta(minutes=1))
    await run_round(sandbox, world)
    await group_of(bot, world.alice.id, 4)
    assert (await profile(bot, world.alice.id)).pause_reason is None


async def test_three_unanswered_rounds_running_pause_the_member(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob, world.carol, world.triager):
        await join(sandbox, world, user)
    for number in (1, 2, 3):
        clock.advance(timedelta(days=7))
        await run_round(sandbox, world)
        alice_group, _ = await group_of(bot, world.alice.id, number)
        groups = await rows(bot, PairGroup)
        round_id = next(g.round_id for g in groups if g.id == alice_group)
        for group in groups:
            if group.round_id == round_id and group.id != alice_group:
                members = {m.user_id for m in await rows(bot, PairMember) if m.group_id == group.id}
                user = next(u for u in (world.bob, world.carol, world.triager) if u.id in members)
                await press(sandbox, thread_of(world, group.id, groups).messages[0], "We met", user)
    # Her third pairing is minutes old: still meeting, so its silence does not count yet.
    clock.advance(timedelta(minutes=1))
    early = await sandbox.invoke(
        "/pair round preview", user=world.mod, guild=world.guild, channel=world.pairing
    )
    assert "Preview of round 4" in early.text and "paused for attendance" not in early.text
    clock.advance(timedelta(days=7))
    preview = await sandbox.invoke(
        "/pair round preview", user=world.mod, guild=world.guild, channel=world.pairing
    )
    assert "Would be paused for attendance" in preview.text
    assert (await profile(bot, world.alice.id)).pause_reason is None  # a preview stores nothing
    await run_round(sandbox, world)
    assert (await profile(bot, world.alice.id)).pause_reason == "no_answer"
    assert {p.user_id for p in await rows(bot, PairProfile) if p.pause_reason} == {world.alice.id}
    [dm] = sandbox.dms(world.alice)
    assert "answered" in dm.text and "Come back" in str(dm.components)


# ---- cross-track rounds and the summary ---------------------------------------------------------


async def test_cross_track_mode_pairs_backend_with_frontend_and_says_so(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    # Same-track pairs share three topics; cross-track pairs share none.
    await join(sandbox, world, world.alice, track="frontend", topics="react, css, a11y")
    await join(sandbox, world, world.carol, track="frontend", topics="react, css, a11y")
    await join(sandbox, world, world.bob, track="backend", topics="sql, go, docker")
    await join(sandbox, world, world.triager, track="backend", topics="sql, go, docker")
    reply = await sandbox.invoke(
        "/admin config set",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"key": "pairing.mode", "value": "cross-track"},
    )
    assert "`pairing.mode` is now" in reply.text
    preview = await sandbox.invoke(
        "/pair round preview", user=world.mod, guild=world.guild, channel=world.pairing
    )
    assert preview.message is not None
    fields = {f["name"]: f["value"] for f in preview.message.embeds[0]["fields"]}
    assert fields["Mode"] == "cross-track"
    assert fields["Cross-track"] == "2 of 2 groups (100%)"
    await run_round(sandbox, world)
    tracks = {world.alice.id: "f", world.carol.id: "f", world.bob.id: "b", world.triager.id: "b"}
    for members in (await _groups(bot)).values():
        assert sorted(tracks[m] for m in members) == ["b", "f"]
    summary = world.pairing.messages[-1]
    fields = {f["name"]: f["value"] for f in summary.embeds[0]["fields"]}
    assert fields["Mode"] == "cross-track"
    assert fields["Cross-track"] == "2 of 2 groups (100%)"
    [round_row] = await rows(bot, PairRound)
    assert (round_row.mode, round_row.cross_track) == ("cross-track", 2)


async def test_the_summary_counts_pairs_trios_repeats_and_last_rounds_met_rate(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    people = (world.alice, world.bob, world.carol, world.triager)
    for user in people:
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    groups = await rows(bot, PairGroup)
    first = groups[0]
    members = {m.user_id for m in await rows(bot, PairMember) if m.group_id == first.id}
    user = next(u for u in people if u.id in members)
    await press(sandbox, thread_of(world, first.id, groups).messages[0], "We met", user)
    clock.advance(timedelta(minutes=1))
    await run_round(sandbox, world)
    summary = world.pairing.messages[-1]
    assert summary.embeds[0]["title"] == "Pairing round 2"
    fields = {f["name"]: f["value"] for f in summary.embeds[0]["fields"]}
    assert (fields["Pairs"], fields["Trios"], fields["Repeats within 4 rounds"]) == ("2", "0", "0")
    assert fields["Previous round met"] == "50%"
    assert fields["Mode"] == "mixed"
    assert fields["Cross-track"] == "0 of 2 groups (0%)"  # nobody gave a track


async def _groups(bot: NexusBot) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for row in await rows(bot, PairMember):
        found.setdefault(row.group_id, set()).add(row.user_id)
    return found
