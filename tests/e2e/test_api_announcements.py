"""Announcements over real HTTP against the running bot and the sandbox, with a frozen clock:
what the API makes /announce list shows, what /announce create makes the API shows, the
moderators' changes with the slash commands' checks and wording, and their audit entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import WEB, base, make_token

# A Thursday morning; every time below is read from here, never from today.
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
MODERATORS_ONLY = "This command is for moderators only."


@pytest.fixture
async def bot(start_nexus: StartBot) -> NexusBot:
    return await start_nexus(clock=FrozenClock(START), web=WEB)


def url(bot: NexusBot, world: World, path: str = "") -> str:
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}/announcements{path}"


async def announce(sandbox: SandboxServer, world: World, sub: str, **options: Any) -> Any:
    """`/announce <sub>` as a moderator with Manage Server (so Discord shows the command),
    typed in #general (`channel` is an option here)."""
    return await sandbox.invoke(
        f"/announce {sub}",
        user=world.admin,
        guild=world.guild,
        channel=world.general,
        options=options,
    )


def standup(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "channel_id": str(world.announcements.id),
        "when": "2026-12-01 09:00",
        "message": "Standup in the voice channel",
        "title": "Standup",
        "repeat": "weekly",
        "timezone": "Europe/Berlin",
        **changes,
    }


async def audit_vias(bot: NexusBot) -> list[tuple[str, str]]:
    async with bot.db.sessions() as session:
        rows = (await session.execute(select(AuditEntry.action, AuditEntry.details))).all()
    return [(action, details["via"]) for action, details in rows if action.startswith("ann")]


async def test_an_announcement_made_through_the_api_is_what_announce_list_and_show_say(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write", user=world.admin)
    status, headers, made = await call("POST", url(bot, world), token, standup(world))
    assert status == 201, made
    assert headers["Location"] == f"/api/v1/guilds/{world.guild.id}/announcements/{made['id']}"
    assert (made["status"], made["repeat"], made["timezone"], made["warnings"]) == (
        "active",
        "weekly",
        "Europe/Berlin",
        [],
    )
    # 09:00 in Berlin is 08:00 UTC in winter: Tuesdays from 1 December, as /announce show says.
    assert made["next_runs"] == [f"2026-12-{day:02}T08:00:00Z" for day in (1, 8, 15, 22, 29)]
    assert made["created_by"] == str(world.admin.id)

    listed = await announce(sandbox, world, "list")
    fields = [field["name"] for embed in listed.embeds for field in embed["fields"]]
    assert f"#{made['id']} · Standup" in fields
    shown = await announce(sandbox, world, "show", id=int(made["id"]))
    details = [field for embed in shown.embeds for field in embed.get("fields", [])]
    runs = next(field["value"] for field in details if field["name"] == "Next 5 runs")
    assert runs.count("<t:") == 10  # five runs, each as a date and as "in n days"
    assert str(int(datetime(2026, 12, 29, 8, tzinfo=UTC).timestamp())) in runs
    assert await audit_vias(bot) == [("announcement.create", "api")]


async def test_one_made_with_announce_create_is_listed_and_read_by_members(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for number in range(3):
        reply = await announce(
            sandbox,
            world,
            "create",
            channel=world.announcements,
            when=f"2026-12-0{number + 1} 18:00",
            message=f"Office hours {number}",
            repeat="0 18 * * 2" if number == 2 else None,
        )
        assert "scheduled" in reply.text, reply.text
    member = await make_token(sandbox, world, "read", user=world.bob)

    status, headers, first = await call("GET", url(bot, world, "?limit=2"), member)
    assert status == 200, first
    assert [item["message"] for item in first["items"]] == ["Office hours 0", "Office hours 1"]
    assert headers["Link"] == f'<{first["next"]}>; rel="next"'
    status, _, rest = await call("GET", base(bot) + first["next"], member)
    (cron,) = rest["items"]
    assert (cron["repeat"], cron["cron"], cron["next_run_at"], rest["next"]) == (
        "cron",
        "0 18 * * 2",
        "2026-12-08T18:00:00Z",  # the first Tuesday 18:00 after `when` (3 December), in UTC
        None,
    )
    assert cron["created_by"] == str(world.admin.id)

    status, headers, one = await call("GET", url(bot, world, f"/{cron['id']}"), member)
    tuesdays = [f"2026-12-{day:02}T18:00:00Z" for day in (8, 15, 22, 29)]
    assert one["next_runs"] == [*tuesdays, "2027-01-05T18:00:00Z"]
    status, _, body = await call(
        "GET", url(bot, world, f"/{cron['id']}"), member, headers={"If-None-Match": headers["ETag"]}
    )
    assert (status, body) == (304, "")
    status, _, missing = await call("GET", url(bot, world, "/999999"), member)
    assert (status, missing["detail"]) == (404, "There is no announcement #999999 in this server.")


async def test_moderators_edit_pause_resume_and_cancel_as_the_slash_commands_do(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write", user=world.admin)
    _, _, made = await call("POST", url(bot, world), token, standup(world))
    one = url(bot, world, f"/{made['id']}")

    status, _, edited = await call(
        "PATCH", one, token, {"title": None, "repeat": "daily", "ping_role_id": None}
    )
    assert status == 200, edited
    assert (edited["title"], edited["repeat"], edited["timezone"]) == (
        None,
        "daily",
        "Europe/Berlin",
    )
    # The schedule's other fields stay: the next run is still 1 December, 09:00 in Berlin.
    assert edited["next_runs"][:2] == ["2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z"]

    status, _, paused = await call("POST", f"{one}/pause", token)
    assert (status, paused["status"], paused["next_runs"]) == (200, "paused", [])
    status, _, again = await call("POST", f"{one}/pause", token)
    assert (status, again["detail"]) == (
        400,
        f"Announcement #{made['id']} is paused; only active ones can be paused.",
    )
    status, _, resumed = await call("POST", f"{one}/resume", token)
    assert (status, resumed["status"]) == (200, "active")
    status, _, cancelled = await call("POST", f"{one}/cancel", token)
    assert (status, cancelled["status"], cancelled["next_run_at"]) == (200, "cancelled", None)
    status, _, refused = await call("PATCH", one, token, {"message": "too late"})
    assert (status, refused["detail"]) == (
        400,
        f"Announcement #{made['id']} was cancelled; create a new one.",
    )
    in_discord = await announce(sandbox, world, "cancel", id=int(made["id"]))
    assert in_discord.text == f"Announcement #{made['id']} is already cancelled."
    _, _, listed = await call("GET", url(bot, world), token)
    assert listed["items"] == []
    actions = ["create", "edit", "pause", "resume", "cancel"]
    assert await audit_vias(bot) == [(f"announcement.{action}", "api") for action in actions]


async def test_members_and_other_guilds_cannot_change_announcements(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    moderator = await make_token(sandbox, world, "write", user=world.admin)
    _, _, made = await call("POST", url(bot, world), moderator, standup(world))
    member = await make_token(sandbox, world, "write", user=world.alice)
    other = sandbox.create_guild("Elsewhere")
    other.add_member(world.admin)
    elsewhere = await make_token(
        sandbox, world, "write", user=world.admin, guild=other, channel=other.create_channel("x")
    )
    one = url(bot, world, f"/{made['id']}")
    writes = [
        ("POST", url(bot, world), standup(world)),
        ("PATCH", one, {"message": "hijacked"}),
        ("POST", f"{one}/pause", None),
        ("POST", f"{one}/resume", None),
        ("POST", f"{one}/cancel", None),
    ]
    for method, where, body in writes:
        status, _, refused = await call(method, where, member, body)
        assert (status, refused["detail"]) == (403, MODERATORS_ONLY), (method, where)
        status, _, refused = await call(method, where, elsewhere, body)
        assert (status, refused["detail"]) == (403, "This token belongs to another server.")
    status, _, read = await call("GET", one, member)
    assert (status, read["message"], read["status"]) == (
        200,
        "Standup in the voice channel",
        "active",
    )
    assert await audit_vias(bot) == [("announcement.create", "api")]


async def test_what_announce_create_refuses_the_api_refuses_in_the_same_words(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    voice = world.guild.create_channel("lounge", "voice")  # known to the bot from its start
    bot = await start_nexus(clock=FrozenClock(START), web=WEB)
    token = await make_token(sandbox, world, "write", user=world.admin)
    in_discord = await announce(
        sandbox,
        world,
        "create",
        channel=world.announcements,
        when="in 2h",
        message="x",
        repeat="fortnightly",
    )
    status, _, refused = await call(
        "POST", url(bot, world), token, standup(world, repeat="fortnightly")
    )
    assert (status, refused["detail"]) == (400, in_discord.text)

    other = sandbox.create_guild("Elsewhere")
    foreign = other.create_channel("news")
    cases = [
        ("I can only post announcements in a text channel.", {"channel_id": str(foreign.id)}),
        ("I can only post announcements in a text channel.", {"channel_id": str(voice.id)}),
        (
            "I never ping @everyone. Pick a role to ping instead.",
            {"ping_role_id": str(world.guild.id)},
        ),
        ("There is no such role in this server.", {"ping_role_id": "12345"}),
        ("A cron expression has 5 fields", {"repeat": "0 9 * *"}),
        ("is in the past", {"when": "2026-11-01 09:00"}),
        ("Mars/Olympus", {"timezone": "Mars/Olympus"}),
    ]
    for wording, change in cases:
        status, _, refused = await call("POST", url(bot, world), token, standup(world, **change))
        assert status == 400, (change, refused)
        assert wording in refused["detail"] or refused["detail"].startswith(wording), refused
    status, _, invalid = await call("POST", url(bot, world), token, standup(world, title="t" * 257))
    assert (status, invalid["errors"][0]["location"]) == (422, "body.title")
    status, _, listed = await call("GET", url(bot, world), token)
    assert listed["items"] == []
    assert await audit_vias(bot) == []
