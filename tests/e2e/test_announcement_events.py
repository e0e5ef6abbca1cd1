"""Announcements as Discord scheduled events, through the real bot and the sandbox's events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import FrozenClock
from bot.models import AuditEntry
from bot.sandbox.permissions import Perm
from cogs.announcements.event_sync import EventSync
from cogs.announcements.models import Announcement
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_announcements import (
    announce,
    announcements,
    bot_posts,
    cog_of,
    create,
    started,
)

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def may_manage_events(world: World) -> None:
    world.guild.bot_role.permissions |= Perm.MANAGE_EVENTS


def events_of(world: World) -> list[Any]:
    return [e for e in world.guild.scheduled_events.values() if not e.deleted]


async def audit_count(bot: Any, action: str) -> int:
    async with bot.db.sessions() as session:
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all()
    return len(rows)


async def test_daily_announcement_with_event_makes_a_recurring_external_event(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    reply = await create(
        sandbox,
        world,
        when="2026-12-01 09:00",
        repeat="daily",
        title="Standup",
        message="Daily standup",
        event=True,
    )
    assert "event" not in reply.text.lower()  # no warning
    [event] = events_of(world)
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert (event.name, event.description) == ("Standup", "Daily standup")
    assert (event.start, event.end) == (start, start + timedelta(hours=1))
    assert (event.entity_type, event.location, event.channel_id) == (3, "#general", None)
    assert event.recurrence_rule["frequency"] == 3  # DAILY
    [row] = await announcements(bot)
    assert (row.event_id, row.event_start) == (event.id, start)


async def test_weekly_maps_to_its_weekday_and_monthly_gets_one_event_per_run(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="2026-12-04 16:00", repeat="weekly", message="w", event=True)
    [weekly] = events_of(world)
    assert weekly.recurrence_rule["frequency"] == 2
    assert weekly.recurrence_rule["by_weekday"] == [4]  # Friday

    await create(sandbox, world, when="in 1h", repeat="monthly", message="m", event=True)
    [monthly] = [e for e in events_of(world) if e is not weekly]
    assert monthly.recurrence_rule is None
    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()
    assert len(bot_posts(world.general, sandbox)) == 1
    [_, following] = [e for e in events_of(world) if e is not weekly]
    assert following.start == START + timedelta(hours=1) + timedelta(days=30)  # Nov 26 → Dec 26
    rows = await announcements(bot)
    assert rows[1].event_id == following.id


async def test_edit_pause_resume_and_cancel_keep_the_event_in_step(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="2026-12-01 09:00", message="Body", event=True)
    [event] = events_of(world)

    reply = await announce(sandbox, "edit", user=world.admin, where=world.announcements, id=1)
    await reply.submit_modal({"announce:when": "2026-12-02 10:30", "announce:body": "New"})
    assert events_of(world) == [event]
    assert (event.start, event.description) == (datetime(2026, 12, 2, 10, 30, tzinfo=UTC), "New")

    await announce(sandbox, "pause", user=world.admin, where=world.announcements, id=1)
    assert event.deleted
    assert events_of(world) == []
    [row] = await announcements(bot)
    assert row.event_id is None

    await announce(sandbox, "resume", user=world.admin, where=world.announcements, id=1)
    [again] = events_of(world)
    assert again.id != event.id
    assert again.start == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)

    reply = await announce(sandbox, "cancel", user=world.admin, where=world.announcements, id=1)
    await reply.click("Cancel announcement")
    await reply.followups(1)
    assert again.status == 4  # canceled


async def test_two_syncs_at_once_create_one_event(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 2h", message="Body")
    assert events_of(world) == []
    async with bot.db.sessions.begin() as session:
        await session.execute(update(Announcement).values(event=True))
    # Two dispatchers (processes) that both read the row before either made the event.
    other = EventSync(bot, timedelta(hours=1))
    await asyncio.gather(cog_of(bot).events.sync(1), other.sync(1), cog_of(bot).events.sync(1))
    [event] = events_of(world)
    [row] = await announcements(bot)
    assert row.event_id == event.id


async def test_interested_members_are_pinged_only_when_the_announcement_opts_in(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    await create(
        sandbox,
        world,
        when="in 1h",
        title="T",
        message="opted in",
        event=True,
        ping_interested=True,
    )
    await create(
        sandbox,
        world,
        when="in 1h",
        title="U",
        message="not opted in",
        event=True,
        channel=world.pairing,
    )
    for event in events_of(world):
        event.add_interested(world.alice)
        event.add_interested(world.bob)

    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()

    [opted] = bot_posts(world.general, sandbox)
    assert world.alice.mention in opted.content
    assert world.alice in opted.pinged and world.bob in opted.pinged
    assert not opted.pinged.everyone and not opted.pinged.roles
    [plain] = bot_posts(world.pairing, sandbox)
    assert world.alice.mention not in plain.content
    assert not plain.pinged


async def test_show_lists_the_event_link_and_interested_count(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    await started(start_nexus, clock)
    await create(sandbox, world, when="in 3h", message="Body", event=True)
    [event] = events_of(world)
    event.add_interested(world.carol)
    reply = await announce(sandbox, "show", user=world.admin, where=world.announcements, id=1)
    field = next(f for f in reply.embeds[-1]["fields"] if f["name"] == "Discord event")
    assert f"https://discord.com/events/{world.guild.id}/{event.id}" in field["value"]
    assert "1 interested" in field["value"]


async def test_missing_manage_events_is_friendly_and_never_stops_the_post(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    reply = await create(sandbox, world, when="in 1h", repeat="daily", message="Hi", event=True)
    assert "Manage Events" in reply.text
    assert "saved" in reply.text
    assert events_of(world) == []
    [row] = await announcements(bot)
    assert row.status == "active" and "Manage Events" in (row.event_error or "")
    await announce(sandbox, "pause", user=world.admin, where=world.announcements, id=1)
    await announce(sandbox, "resume", user=world.admin, where=world.announcements, id=1)
    assert await audit_count(bot, "announcement.event_failed") == 1  # once per failure

    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()
    [post] = bot_posts(world.general, sandbox)
    assert post.content == "Hi"


EVENTS_FILE = """
announcements:
  - key: voice-hangout
    guild_id: {guild}
    channel_id: {channel}
    when: "2026-12-04 16:00"
    repeat: weekly
    title: Hangout
    message: Come talk
    event: true
"""


async def test_file_entry_with_event_in_a_voice_channel_is_created_once_across_restarts(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock, tmp_path: Any
) -> None:
    may_manage_events(world)
    voice = world.guild.create_channel("Lounge", "voice")
    path = tmp_path / "announcements.yaml"
    path.write_text(EVENTS_FILE.format(guild=world.guild.id, channel=voice.id))
    bot = await started(start_nexus, clock)
    [event] = events_of(world)
    assert (event.entity_type, event.channel_id, event.location) == (2, voice.id, None)
    await bot.close()
    bot = await started(start_nexus, clock)
    await bot.close()
    bot = await started(start_nexus, clock)
    assert events_of(world) == [event]
    [row] = await announcements(bot)
    assert row.event_id == event.id


async def test_edit_turns_the_event_on_and_off(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    may_manage_events(world)
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 5h", repeat="daily", message="Body")
    assert events_of(world) == []

    reply = await announce(
        sandbox, "edit", user=world.admin, where=world.announcements, id=1, event=True
    )
    await reply.submit_modal({"announce:body": "Body"})
    [event] = events_of(world)
    assert event.start == START + timedelta(hours=5)

    reply = await announce(
        sandbox, "edit", user=world.admin, where=world.announcements, id=1, event=False
    )
    await reply.submit_modal({"announce:body": "Body"})
    assert events_of(world) == []
    [row] = await announcements(bot)
    assert (row.event, row.event_id) == (False, None)
