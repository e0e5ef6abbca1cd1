"""/pair through the real bot and the sandbox: profiles, rounds, threads, buttons, the queue."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.models import AuditEntry, GuildSetting, OccurrenceClaim
from bot.sandbox import SandboxServer
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairQueueEntry, PairRound
from cogs.pairing.schedule_flow import round_job_id
from tests.e2e.conftest import StartBot, World
from tests.probe_feature import loaded_feature, probe_feature

# A Thursday noon: far from the default Monday 09:00 round, so no round fires on its own.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CREATE_PRIVATE_THREADS = 1 << 36


@pytest.fixture
async def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def bot(start_nexus: StartBot, clock: FrozenClock) -> NexusBot:
    return await start_nexus(clock=clock)


def cog(bot: NexusBot) -> Any:
    # The extension is loaded as its own module object, so compare by name, not by class.
    found = bot.get_cog("PairingCog")
    assert type(found).__name__ == "PairingCog"
    return found


async def join(sandbox: SandboxServer, world: World, user: Any, **options: Any) -> Any:
    options.setdefault("level", "intermediate")
    options.setdefault("timezone", "Europe/Berlin")
    return await sandbox.invoke(
        "/pair join", user=user, guild=world.guild, channel=world.pairing, **options
    )


async def rows(bot: NexusBot, model: Any) -> list[Any]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def groups_with_members(bot: NexusBot) -> dict[int, set[int]]:
    members: dict[int, set[int]] = {}
    for row in await rows(bot, PairMember):
        members.setdefault(row.group_id, set()).add(row.user_id)
    return members


async def run_round(sandbox: SandboxServer, world: World) -> Any:
    return await sandbox.invoke(
        "/pair round run", user=world.mod, guild=world.guild, channel=world.pairing, timeout=20
    )


def press(sandbox: SandboxServer, message: Any, label: str, user: Any) -> Any:
    button = next(
        component
        for row in message.components
        for component in row.get("components", [])
        if component.get("label") == label
    )
    return sandbox.send_component(
        message, {"custom_id": button["custom_id"], "component_type": 2}, user=user
    )


# ---- joining -----------------------------------------------------------------------------------


async def test_join_creates_a_profile_and_shows_the_next_round(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await join(
        sandbox, world, world.alice, track="frontend", topics="React, SQL, react, @everyone"
    )
    assert reply.ephemeral
    assert "Welcome to pairing!" in reply.text
    assert "Europe/Berlin" in reply.text
    assert "Next round" in reply.text
    [profile] = await rows(bot, PairProfile)
    assert (profile.user_id, profile.level, profile.track) == (
        world.alice.id,
        "intermediate",
        "frontend",
    )
    assert profile.topics == ["react", "sql", "@everyone"]
    assert not reply.message.pinged.everyone
    assert round_job_id(world.guild.id) in bot.scheduler.job_ids()


async def test_join_with_an_unknown_time_zone_suggests_close_ones_and_stores_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await join(sandbox, world, world.alice, timezone="Europe/Berln")
    assert reply.ephemeral
    assert "not a time zone I know" in reply.text
    assert "Europe/Berlin" in reply.text
    assert await rows(bot, PairProfile) == []


async def test_time_zone_autocomplete_offers_iana_names(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    choices = await sandbox.autocomplete(
        "/pair join",
        "timezone",
        "berl",
        user=world.alice,
        guild=world.guild,
        channel=world.pairing,
        level="beginner",
    )
    assert [c["value"] for c in choices][:1] == ["Europe/Berlin"]
    assert len(choices) <= 25


# ---- rounds ------------------------------------------------------------------------------------


async def test_a_round_creates_a_private_thread_per_pair_with_its_members(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user, track in (
        (world.alice, "frontend"),
        (world.bob, "backend"),
        (world.carol, "frontend"),
        (world.triager, "backend"),
    ):
        await join(sandbox, world, user, track=track, topics="python")
    reply = await run_round(sandbox, world)
    assert reply.ephemeral
    assert "Round 1 is out: 2 pairs, 0 trios" in reply.text

    groups = await groups_with_members(bot)
    assert sorted(len(m) for m in groups.values()) == [2, 2]
    threads = world.pairing.threads
    assert len(threads) == 2
    by_thread = {g.thread_id: groups[g.id] for g in await rows(bot, PairGroup)}
    for thread in threads:
        assert thread.private
        assert set(thread.members) - {sandbox.bot_user.id} == by_thread[thread.id]
        intro = thread.messages[0]
        for user_id in by_thread[thread.id]:
            assert user_id in intro.pinged
        assert "shared topics: python" in intro.text
        assert "complementary tracks: frontend + backend" in intro.text
        assert "Suggested topic" in intro.text
    summary = world.pairing.messages[-1]
    assert summary.embeds[0]["title"] == "Pairing round 1"
    [round_row] = await rows(bot, PairRound)
    assert (round_row.pairs, round_row.trios, round_row.repeats) == (2, 0, 0)
    assert round_row.distinct_partners_mean == 1.0
    [claim] = await rows(bot, OccurrenceClaim)
    assert (claim.kind, claim.item_key, claim.status) == ("pair_round", str(world.guild.id), "done")


async def test_an_odd_count_makes_one_trio(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob, world.carol):
        await join(sandbox, world, user)
    reply = await run_round(sandbox, world)
    assert "0 pairs, 1 trio" in reply.text
    [thread] = world.pairing.threads
    assert set(thread.members) == {
        sandbox.bot_user.id,
        world.alice.id,
        world.bob.id,
        world.carol.id,
    }
    assert "You're a trio!" in thread.messages[0].text
    profiles = await rows(bot, PairProfile)
    assert {p.trios for p in profiles} == {1}


async def test_we_met_is_recorded_and_outsiders_are_refused(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    [thread] = world.pairing.threads
    intro = thread.messages[0]

    refused = await press(sandbox, intro, "We met", world.carol)
    assert refused.ephemeral
    assert "Only the members of this pair" in refused.text
    [group] = await rows(bot, PairGroup)
    assert group.outcome is None

    accepted = await press(sandbox, intro, "We met", world.bob)
    assert "marked this pairing as **met**" in accepted.text
    [group] = await rows(bot, PairGroup)
    assert (group.outcome, group.answered_by) == ("met", world.bob.id)

    changed = await press(sandbox, intro, "Couldn't meet", world.alice)
    assert "couldn't meet" in changed.text
    [group] = await rows(bot, PairGroup)
    assert group.outcome == "not_met"


async def test_run_with_fewer_than_two_members_explains_and_makes_no_round(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await join(sandbox, world, world.alice)
    reply = await run_round(sandbox, world)
    assert reply.ephemeral
    assert "needs at least two" in reply.text
    assert await rows(bot, PairRound) == []
    assert await rows(bot, OccurrenceClaim) == []  # the refusal left nothing behind
    assert world.pairing.threads == []
    again = await run_round(sandbox, world)  # same second on the frozen clock
    assert "needs at least two" in again.text


async def test_members_who_left_paused_or_were_blocked_are_not_matched(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob, world.carol, world.triager, world.admin):
        await join(sandbox, world, user)
    world.guild.remove_member(world.carol)
    await sandbox.wait_until(
        lambda: bot.get_guild(world.guild.id).get_member(world.carol.id) is None
    )
    paused = await sandbox.invoke(
        "/pair pause",
        user=world.triager,
        guild=world.guild,
        channel=world.pairing,
        until="in 2 weeks",
    )
    assert "Paused until" in paused.text
    await bot.blocks.block(world.guild.id, world.admin.id, "pairing", world.mod.id)
    reply = await run_round(sandbox, world)
    assert "1 pair, 0 trios" in reply.text
    assert list((await groups_with_members(bot)).values()) == [{world.alice.id, world.bob.id}]


async def test_a_member_cannot_run_a_round(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    reply = await sandbox.invoke(
        "/pair round run", user=world.alice, guild=world.guild, channel=world.pairing
    )
    assert reply.ephemeral
    assert "moderators" in reply.text
    assert await rows(bot, PairRound) == []


async def test_preview_shows_pairs_and_posts_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user, topics="go")
    before = len(world.pairing.messages)
    reply = await sandbox.invoke(
        "/pair round preview", user=world.mod, guild=world.guild, channel=world.pairing
    )
    assert reply.ephemeral
    assert "Preview of round 1" in reply.text
    assert f"<@{world.alice.id}>" in reply.text and "shared topics: go" in reply.text
    assert len(world.pairing.messages) == before
    assert await rows(bot, PairRound) == []


async def test_a_scheduled_round_runs_once_even_when_fired_twice(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock.set(when)
    first = await cog(bot).rounds.scheduled_round(world.guild.id, when)
    second = await cog(bot).rounds.scheduled_round(world.guild.id, when)
    assert first is not None and second is None
    [round_row] = await rows(bot, PairRound)
    assert (round_row.trigger, round_row.scheduled_for) == ("schedule", when)
    assert len(world.pairing.threads) == 1
    # Two days before the next Monday round, the unanswered pair is reminded once.
    assert round_row.reminder_due == datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    rounds = cog(bot).rounds
    assert await rounds.send_reminders(world.guild.id, round_row.id, round_row.reminder_due) == 1
    assert await rounds.send_reminders(world.guild.id, round_row.id, round_row.reminder_due) == 0
    [thread] = world.pairing.threads
    assert "friendly reminder" in thread.messages[-1].text


async def test_schedule_command_stores_the_cron_and_reschedules(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/pair round schedule",
        user=world.mod,
        guild=world.guild,
        channel=world.pairing,
        cron="30 17 * * 5",
        timezone="America/New_York",
    )
    assert reply.ephemeral
    assert "30 17 * * 5" in reply.text and "America/New_York" in reply.text
    async with bot.db.sessions() as session:
        setting = await session.get(GuildSetting, (world.guild.id, "pairing.schedule"))
    assert setting is not None and setting.value == '"30 17 * * 5"'
    # Friday 17:30 in New York (EST, UTC-5) after Thursday noon UTC.
    assert bot.scheduler.next_run(round_job_id(world.guild.id)) == datetime(
        2026, 11, 27, 22, 30, tzinfo=UTC
    )
    bad = await sandbox.invoke(
        "/pair round schedule",
        user=world.mod,
        guild=world.guild,
        channel=world.pairing,
        cron="every monday",
    )
    assert "5 fields" in bad.text
    bad_zone = await sandbox.invoke(
        "/pair round schedule",
        user=world.mod,
        guild=world.guild,
        channel=world.pairing,
        cron="0 8 * * 2",
        timezone="Mars/Olympus",
    )
    assert "not a time zone I know" in bad_zone.text
    async with bot.db.sessions() as session:
        unchanged = await session.get(GuildSetting, (world.guild.id, "pairing.schedule"))
    assert unchanged is not None and unchanged.value == '"30 17 * * 5"'


async def test_a_schedule_that_never_fires_is_refused_and_changes_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await join(sandbox, world, world.alice)
    before = bot.scheduler.next_run(round_job_id(world.guild.id))
    reply = await sandbox.invoke(
        "/pair round schedule",
        user=world.mod,
        guild=world.guild,
        channel=world.pairing,
        cron="0 0 31 2 *",
    )
    assert reply.ephemeral and "never fires" in reply.text
    async with bot.db.sessions() as session:
        assert await session.get(GuildSetting, (world.guild.id, "pairing.schedule")) is None
    assert bot.scheduler.next_run(round_job_id(world.guild.id)) == before


async def test_a_never_firing_schedule_stored_earlier_means_no_next_round(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    async with bot.db.sessions.begin() as session:
        session.add(
            GuildSetting(guild_id=world.guild.id, key="pairing.schedule", value='"0 0 31 2 *"')
        )
    # Written under the service, as an older version or another process would have: the
    # settings read at start-up (and cached) must not hide it.
    bot.guild_settings.forget_cache(world.guild.id)
    await cog(bot).schedule.schedule_guild(world.guild.id)
    assert round_job_id(world.guild.id) not in bot.scheduler.job_ids()
    status = await join(sandbox, world, world.alice)
    assert "Welcome to pairing!" in status.text


async def test_admin_config_set_of_the_schedule_reschedules_the_round_without_a_restart(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await join(sandbox, world, world.alice)
    # The default: Monday 09:00 UTC, after Thursday noon.
    assert bot.scheduler.next_run(round_job_id(world.guild.id)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    reply = await sandbox.invoke(
        "/admin config set",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"key": "pairing.schedule", "value": "15 18 * * *"},
    )
    assert reply.ephemeral and "`pairing.schedule` is now" in reply.text
    async with bot.db.sessions() as session:
        setting = await session.get(GuildSetting, (world.guild.id, "pairing.schedule"))
    assert setting is not None and setting.value == '"15 18 * * *"'
    # The settings event (dispatched after the reply) moved the job to today 18:15.
    expected = datetime(2026, 11, 26, 18, 15, tzinfo=UTC)
    for _ in range(100):
        if bot.scheduler.next_run(round_job_id(world.guild.id)) == expected:
            break
        await asyncio.sleep(0.02)
    assert bot.scheduler.next_run(round_job_id(world.guild.id)) == expected


async def test_a_job_left_on_an_old_schedule_runs_no_round(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    # Another process changed the schedule; this one's job still fires at the old Monday time.
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await bot.guild_settings.set(world.guild.id, "pairing.schedule", "0 9 * * 2", world.mod.id)
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock.set(when)
    assert await cog(bot).rounds.scheduled_round(world.guild.id, when) is None
    assert await rows(bot, PairRound) == []
    # (The new Tuesday round's notice falls due at this very time; only rounds count here.)
    assert [c for c in await rows(bot, OccurrenceClaim) if c.kind == "pair_round"] == []
    assert world.pairing.threads == []
    # … and the job follows the new schedule: Tuesday 09:00.
    assert bot.scheduler.next_run(round_job_id(world.guild.id)) == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )


async def test_a_round_of_a_guild_not_in_this_process_runs_over_rest(
    bot: NexusBot,
    sandbox: SandboxServer,
    world: World,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in a sharded process whose peer running this guild's shard is down: no gateway cache
    # for the guild, so members, channel and threads go through REST.
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    loaded = sys.modules[type(cog(bot).rounds).__module__]  # the module the bot really loaded
    monkeypatch.setattr(loaded, "FAILOVER_DELAY", timedelta(0))
    monkeypatch.setattr(bot, "get_guild", lambda guild_id: None)
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock.set(when)
    summary = await cog(bot).rounds.scheduled_round(world.guild.id, when)
    assert summary is not None and summary.pairs == 1
    [round_row] = await rows(bot, PairRound)
    assert (round_row.trigger, round_row.scheduled_for) == ("schedule", when)
    [thread] = world.pairing.threads
    assert {world.alice.id, world.bob.id} <= set(thread.members)
    assert "alice" in thread.name and "bob" in thread.name
    assert any(m.embeds for m in world.pairing.messages)
    # The guild's own process, firing late, finds the round claimed.
    assert await cog(bot).rounds.scheduled_round(world.guild.id, when) is None
    assert len(world.pairing.threads) == 1


async def test_thread_failure_falls_back_to_dms_and_tells_moderators(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    world.pairing.set_permissions(world.guild.bot_role, deny=CREATE_PRIVATE_THREADS)
    reply = await run_round(sandbox, world)
    assert "Round 1 is out" in reply.text
    assert world.pairing.threads == []
    for user in (world.alice, world.bob):
        [dm] = sandbox.dms(user)
        assert "welcome to pairing round 1" in dm.text
    assert any("couldn't create private threads" in m.text for m in world.pairing.messages)
    async with bot.db.sessions() as session:
        audit = await session.scalar(
            select(func.count()).where(AuditEntry.action == "pairing.thread_failed")
        )
    assert audit == 1
    [group] = await rows(bot, PairGroup)
    assert group.delivery == "dm"
    # The DM's buttons work too.
    answered = await press(sandbox, sandbox.dms(world.alice)[0], "We met", world.alice)
    assert "met" in answered.text
    [group] = await rows(bot, PairGroup)
    assert group.outcome == "met"


# ---- /pair now ---------------------------------------------------------------------------------


async def test_pair_now_matches_two_people_at_once(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    waiting = await sandbox.invoke(
        "/pair now", user=world.alice, guild=world.guild, channel=world.general, topic="graphql"
    )
    assert "You're in the queue" in waiting.text
    again = await sandbox.invoke(
        "/pair now", user=world.alice, guild=world.guild, channel=world.general
    )
    until = int((START + timedelta(minutes=15)).timestamp())
    assert again.text == (
        f"You're already waiting for a partner (until <t:{until}:t>). I'll tell you when "
        "someone joins."
    )

    matched = await sandbox.invoke(
        "/pair now", user=world.bob, guild=world.guild, channel=world.general
    )
    assert f"Matched with <@{world.alice.id}>" in matched.text
    [thread] = world.pairing.threads
    assert set(thread.members) == {sandbox.bot_user.id, world.alice.id, world.bob.id}
    intro = thread.messages[0]
    assert world.alice.id in intro.pinged and world.bob.id in intro.pinged
    assert "graphql" in intro.text
    [group] = await rows(bot, PairGroup)
    assert group.round_id is None and group.thread_id == thread.id
    assert await rows(bot, PairQueueEntry) == []


async def test_a_pair_now_wait_expires_after_15_minutes_with_a_message(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    await join(sandbox, world, world.alice)
    await sandbox.invoke("/pair now", user=world.alice, guild=world.guild, channel=world.general)
    clock.advance(timedelta(minutes=14))
    assert await cog(bot).queue_sweep.sweep_queue() == 0
    clock.advance(timedelta(minutes=2))
    assert await cog(bot).queue_sweep.sweep_queue() == 1
    message = world.general.messages[-1]
    assert "your wait has ended" in message.text
    assert world.alice.id in message.pinged
    assert await rows(bot, PairQueueEntry) == []
    [profile] = await rows(bot, PairProfile)
    assert profile.waiting == 1


async def test_pair_now_without_a_profile_asks_to_join_first(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await sandbox.invoke(
        "/pair now", user=world.carol, guild=world.guild, channel=world.general
    )
    assert reply.ephemeral and "/pair join" in reply.text
    assert await rows(bot, PairQueueEntry) == []


# ---- pause, status, history, leave -------------------------------------------------------------


async def test_pause_in_the_past_is_refused(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await join(sandbox, world, world.alice)
    reply = await sandbox.invoke(
        "/pair pause",
        user=world.alice,
        guild=world.guild,
        channel=world.pairing,
        until="2020-01-01",
    )
    assert reply.ephemeral and "in the past" in reply.text
    [profile] = await rows(bot, PairProfile)
    assert profile.paused_until is None


@pytest.mark.parametrize("until", ["in 10000 years", "mañana", "31 february", "@everyone"])
async def test_pause_until_text_no_calendar_has_is_refused_kindly(
    bot: NexusBot, sandbox: SandboxServer, world: World, until: str
) -> None:
    await join(sandbox, world, world.alice)
    reply = await sandbox.invoke(
        "/pair pause", user=world.alice, guild=world.guild, channel=world.pairing, until=until
    )
    assert reply.ephemeral and "couldn't read" in reply.text
    assert not reply.message.pinged.everyone
    [profile] = await rows(bot, PairProfile)
    assert profile.paused_until is None


async def test_pause_then_resume(bot: NexusBot, sandbox: SandboxServer, world: World) -> None:
    await join(sandbox, world, world.alice)
    paused = await sandbox.invoke(
        "/pair pause",
        user=world.alice,
        guild=world.guild,
        channel=world.pairing,
        until="2026-12-24",
    )
    assert "Paused until" in paused.text
    [profile] = await rows(bot, PairProfile)
    assert profile.paused_until == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)  # Berlin midnight
    resumed = await sandbox.invoke(
        "/pair resume", user=world.alice, guild=world.guild, channel=world.pairing
    )
    assert "Welcome back" in resumed.text
    [profile] = await rows(bot, PairProfile)
    assert profile.paused_until is None
    again = await sandbox.invoke(
        "/pair resume", user=world.alice, guild=world.guild, channel=world.pairing
    )
    assert "not paused" in again.text


async def test_status_and_history_show_the_current_partner(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    status = await sandbox.invoke(
        "/pair status", user=world.alice, guild=world.guild, channel=world.pairing
    )
    assert status.ephemeral
    assert "Current partner" in status.text and f"<@{world.bob.id}>" in status.text
    history = await sandbox.invoke(
        "/pair history", user=world.alice, guild=world.guild, channel=world.pairing
    )
    assert "Round 1" in history.text and f"<@{world.bob.id}>" in history.text


async def test_history_is_paginated(bot: NexusBot, sandbox: SandboxServer, world: World) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    clock = bot.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        await run_round(sandbox, world)
    first = await sandbox.invoke(
        "/pair history", user=world.alice, guild=world.guild, channel=world.pairing
    )
    # Eight per page, newest first: rounds 10 … 3, then 2 and 1.
    assert "**Round 10**" in first.text and "**Round 3**" in first.text
    assert "**Round 2**" not in first.text
    second = await first.click("Next", user=world.alice)
    assert "**Round 2**" in second.text and "**Round 1**" in second.text
    assert "**Round 10**" not in second.text


async def test_leave_keeps_history_and_stops_matching(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob, world.carol):
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    reply = await sandbox.invoke(
        "/pair leave", user=world.carol, guild=world.guild, channel=world.pairing
    )
    assert "left pairing" in reply.text
    profile = next(p for p in await rows(bot, PairProfile) if p.user_id == world.carol.id)
    assert not profile.active
    assert any(m.user_id == world.carol.id for m in await rows(bot, PairMember))
    status = await sandbox.invoke(
        "/pair status", user=world.carol, guild=world.guild, channel=world.pairing
    )
    assert "/pair join" in status.text


async def test_forgetting_a_member_removes_profile_and_history(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    pairing = loaded_feature(bot.features, "pairing")
    report = await pairing.forget_member(world.guild.id, world.alice.id)
    assert report == {"pair profiles deleted": 1, "pairing history entries deleted": 1}
    assert {p.user_id for p in await rows(bot, PairProfile)} == {world.bob.id}
    assert {m.user_id for m in await rows(bot, PairMember)} == {world.bob.id}
    assert await pairing.stats(world.guild.id) == {
        "pairing members": 1,
        "pairing rounds": 1,
        "pairings": 1,
    }


# ---- restarts and the worker process -------------------------------------------------------------


async def test_a_round_missed_while_down_runs_once_after_restart(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    first = await start_nexus(clock=clock)
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await first.close()
    # Back an hour after the Monday 09:00 round that should have run while the bot was down.
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    second = await start_nexus(clock=clock)
    await sandbox.wait_until(lambda: len(world.pairing.threads) == 1, timeout=10)
    [round_row] = await rows(second, PairRound)
    assert round_row.scheduled_for == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    await second.close()
    clock.advance(timedelta(minutes=30))
    third = await start_nexus(clock=clock)
    # The restart tried the 09:00 round again (a late-run task) and its claim refused it.
    await asyncio.gather(*cog(third).rounds._tasks)
    assert len(await rows(third, PairRound)) == 1
    assert len(world.pairing.threads) == 1


async def test_rounds_are_computed_in_a_worker_process(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(clock=FrozenClock(START), pairing={"use_process_pool": True})
    for user in (world.alice, world.bob, world.carol):
        await join(sandbox, world, user, topics="sql")
    reply = await run_round(sandbox, world)
    assert "0 pairs, 1 trio" in reply.text
    assert bot.workers.pool is not None
    [round_row] = await rows(bot, PairRound)
    assert round_row.trios == 1


async def test_buttons_keep_working_after_a_restart(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    clock = FrozenClock(START)
    first = await start_nexus(clock=clock)
    for user in (world.alice, world.bob):
        await join(sandbox, world, user)
    await run_round(sandbox, world)
    await first.close()
    second = await start_nexus(clock=clock)
    [thread] = world.pairing.threads
    reply = await press(sandbox, thread.messages[0], "We met", world.alice)
    assert "marked this pairing as **met**" in reply.text
    [group] = await rows(second, PairGroup)
    assert group.outcome == "met"


async def test_without_shared_topics_the_suggested_topic_comes_from_other_features(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    async def open_topics(guild_id: int, limit: int) -> list[str]:
        assert guild_id == world.guild.id and limit > 0
        return ["FB-7 GET /api/jobs returns 500 on page 2"]

    # Sorted first, so it is asked before any real feature.
    await bot.add_cog(probe_feature("aaa-topics", open_topics=open_topics))
    await join(sandbox, world, world.alice, topics="go")
    await join(sandbox, world, world.bob, topics="css")
    await run_round(sandbox, world)
    [thread] = world.pairing.threads
    assert "FB-7 GET /api/jobs returns 500 on page 2" in thread.messages[0].text
    [group] = await rows(bot, PairGroup)
    assert group.topic == "FB-7 GET /api/jobs returns 500 on page 2"
