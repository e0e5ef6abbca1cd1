"""Calendar feeds over real HTTP against the running bot and the sandbox, read back with the
`icalendar` library as a calendar app reads them: the guild's announcements with their
recurrence rules and time zones, a member's own pairing sessions, and the token in the URL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from cogs.pairing.models import PairMember, PairRound
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import WEB, base, make_token

# A Thursday noon, far from the default Monday 09:00 pairing round: nothing fires on its own.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def bot(start_nexus: StartBot, clock: FrozenClock) -> NexusBot:
    return await start_nexus(clock=clock, web=WEB)


def feed(bot: NexusBot, world: World, name: str, token: str | None = None) -> str:
    query = "" if token is None else f"?token={token}"
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}/{name}{query}"


async def announce(sandbox: SandboxServer, world: World, **options: Any) -> None:
    reply = await sandbox.invoke(
        "/announce create",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options={"channel": world.announcements, **options},
    )
    assert "scheduled" in reply.text, reply.text


async def subscribe(url: str) -> tuple[Calendar, Any]:
    """What a calendar app does: a GET with no headers, then parsing the document."""
    status, headers, text = await call("GET", url, None)
    assert status == 200, text
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(text), headers


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def test_the_guild_calendar_has_each_active_announcement_with_its_rule_and_zone(
    bot: NexusBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    await announce(
        sandbox,
        world,
        when="2026-12-01 09:00",
        message="Standup",
        repeat="weekly",
        timezone="Europe/Berlin",
        title="Weekly standup",
    )
    writer = await make_token(sandbox, world, "write", user=world.admin)
    api = f"{base(bot)}/api/v1/guilds/{world.guild.id}/announcements"
    made = {
        "office": {"when": "2026-12-01 17:30", "repeat": "30 17 * * 1-5"},
        "either": {"when": "2026-12-01 10:00", "repeat": "0 10 1 * 1"},
        "once": {"when": "2026-12-24 18:00"},
        "paused": {"when": "2026-12-02 08:00", "repeat": "daily"},
    }
    ids = {}
    for name, schedule in made.items():
        body = {"channel_id": str(world.announcements.id), "message": name, **schedule}
        status, _, answer = await call(
            "POST", api, writer, {**body, "timezone": "America/New_York"}
        )
        assert status == 201, answer
        ids[name] = answer["id"]
    await call("POST", f"{api}/{ids['paused']}/pause", writer)
    reader = await make_token(sandbox, world, "read", user=world.bob)

    calendar, headers = await subscribe(feed(bot, world, "announcements.ics", reader))
    found = events(calendar)
    guild = world.guild.id
    standup = found[f"announcement-1-{guild}@nexus.invalid"]
    assert str(standup["SUMMARY"]) == "Weekly standup"
    assert standup["RRULE"].to_ical() == b"FREQ=WEEKLY"
    assert standup["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert standup.decoded("DTSTART") == datetime(
        2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert standup.decoded("DURATION") == timedelta(minutes=60)
    assert standup.decoded("DTSTAMP") == START
    assert str(standup["URL"]) == f"https://discord.com/channels/{guild}/{world.announcements.id}"

    office = found[f"announcement-{ids['office']}-{guild}@nexus.invalid"]
    assert dict(office["RRULE"]) == {
        "FREQ": ["WEEKLY"],
        "BYDAY": ["MO", "TU", "WE", "TH", "FR"],
        "BYHOUR": [17],
        "BYMINUTE": [30],
    }
    assert office["DTSTART"].params["TZID"] == "America/New_York"
    assert office.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 1, 17, 30)
    once = found[f"announcement-{ids['once']}-{guild}@nexus.invalid"]
    assert "RRULE" not in once
    assert once.decoded("DTSTART") == datetime(2026, 12, 24, 23, 0, tzinfo=UTC)  # 18:00 in NY
    # The 1st or a Monday: no single rule says it, so its next runs are events of their own.
    either = sorted(
        event.decoded("DTSTART")
        for uid, event in found.items()
        if uid.startswith(f"announcement-{ids['either']}-")
    )
    assert [run.astimezone(UTC).day for run in either[:3]] == [1, 7, 14]
    assert not any(uid.startswith(f"announcement-{ids['paused']}-") for uid in found)
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert zones == {"Europe/Berlin", "America/New_York"}

    status, _, body = await call(
        "GET",
        feed(bot, world, "announcements.ics", reader),
        None,
        headers={"If-None-Match": headers["ETag"]},
    )
    assert (status, body) == (304, "")
    # Moments later the feed is made anew (its DTSTAMPs say so) but shows the same entries:
    # a calendar app revalidating it still gets its 304.
    clock.advance(timedelta(seconds=5))
    status, _, body = await call(
        "GET",
        feed(bot, world, "announcements.ics", reader),
        None,
        headers={"If-None-Match": headers["ETag"]},
    )
    assert (status, body) == (304, "")


async def test_only_a_read_only_token_of_the_guild_opens_a_feed_from_its_url(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    writer = await make_token(sandbox, world, "write")
    for name in ("announcements.ics", "calendar.ics"):
        status, headers, refused = await call("GET", feed(bot, world, name, writer), None)
        assert (status, headers["Content-Type"]) == (403, "application/problem+json")
        assert refused["detail"].startswith("A calendar URL only takes a read-only personal")
        assert "/nexus token revoke" in refused["detail"]
        status, _, refused = await call("GET", feed(bot, world, name), None)
        assert (status, refused["title"]) == (401, "Unauthorized")
        assert "?token=" in refused["detail"]
    # In a header, where it leaks nowhere, a write token reads like any other.
    status, _, _ = await call("GET", feed(bot, world, "calendar.ics"), writer)
    assert status == 200

    reader = await make_token(sandbox, world, "read")
    assert (await call("GET", feed(bot, world, "calendar.ics", reader), None))[0] == 200
    revoked = await sandbox.invoke(
        "/nexus token revoke",
        user=world.alice,
        guild=world.guild,
        channel=world.general,
        name="script read",
    )
    assert "no longer works" in revoked.text
    status, _, refused = await call("GET", feed(bot, world, "calendar.ics", reader), None)
    assert (status, refused["detail"]) == (
        401,
        "That token is not valid: it was revoked, mistyped, or never existed.",
    )

    other = sandbox.create_guild("Elsewhere")
    other.add_member(world.alice)
    elsewhere = await make_token(sandbox, world, guild=other, channel=other.create_channel("x"))
    status, _, refused = await call("GET", feed(bot, world, "calendar.ics", elsewhere), None)
    assert (status, refused["detail"]) == (403, "This token belongs to another server.")
    await bot.blocks.block(world.guild.id, world.alice.id, "announcements", world.mod.id)
    mine = await make_token(sandbox, world, "read")
    status, _, refused = await call("GET", feed(bot, world, "announcements.ics", mine), None)
    assert (status, refused["detail"]) == (
        403,
        "A moderator has blocked you from using announcements in this server.",
    )


async def test_a_members_calendar_has_their_pairing_session_and_not_anyone_elses(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    members = {
        world.alice: "Europe/Berlin",
        world.bob: "UTC",
        world.carol: "UTC",
        world.triager: "UTC",
    }
    for user, zone in members.items():
        await sandbox.invoke(
            "/pair join",
            user=user,
            guild=world.guild,
            channel=world.pairing,
            level="beginner",
            timezone=zone,
        )
    ran = await sandbox.invoke(
        "/pair round run", user=world.mod, guild=world.guild, channel=world.pairing, timeout=20
    )
    assert "is out" in ran.text, ran.text
    await announce(sandbox, world, when="2026-12-01 09:00", message="Standup", repeat="daily")
    groups: dict[int, set[int]] = defaultdict(set)
    async with bot.db.sessions() as session:
        for group_id, user_id in (
            await session.execute(select(PairMember.group_id, PairMember.user_id))
        ).all():
            groups[group_id].add(user_id)
        round_at = await session.scalar(select(PairRound.scheduled_for))
    assert sorted(len(group) for group in groups.values()) == [2, 2]
    mine = next(group for group, users in groups.items() if world.alice.id in users)
    (theirs,) = set(groups) - {mine}
    (partner_id,) = groups[mine] - {world.alice.id}
    partner = next(user for user in members if user.id == partner_id)

    token = await make_token(sandbox, world, "read")
    calendar, _ = await subscribe(feed(bot, world, "calendar.ics", token))
    found = events(calendar)
    session = found[f"pairing-group-{mine}-{world.guild.id}@nexus.invalid"]
    assert str(session["SUMMARY"]) == f"Pairing with {partner.name}"
    assert "Pairing round #1" in str(session["DESCRIPTION"])
    assert session["DTSTART"].params["TZID"] == "Europe/Berlin"  # alice's own zone
    assert round_at is not None
    assert session.decoded("DTSTART") == round_at.replace(tzinfo=UTC)
    assert session.decoded("DURATION") == timedelta(hours=1)
    assert f"pairing-group-{theirs}-{world.guild.id}@nexus.invalid" not in found
    assert f"announcement-1-{world.guild.id}@nexus.invalid" in found
    others = [user.name for user in members if user.id not in groups[mine]]
    assert not any(name in str(event["SUMMARY"]) for event in found.values() for name in others)

    guild_calendar, _ = await subscribe(feed(bot, world, "announcements.ics", token))
    assert list(events(guild_calendar)) == [f"announcement-1-{world.guild.id}@nexus.invalid"]
