"""Pairing over real HTTP against the running bot and the sandbox: my profile both ways with
/pair, pause, resume and leave, my history's pages, and the moderators' rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import WEB, base, get, make_token

# A Thursday noon: far from the default Monday 09:00 round, so no round fires on its own.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MODERATORS_ONLY = "This command is for moderators only."


@pytest.fixture
async def bot(start_nexus: StartBot) -> NexusBot:
    return await start_nexus(clock=FrozenClock(START), web=WEB)


def pairing_url(bot: NexusBot, world: World, path: str = "") -> str:
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}/pairing{path}"


async def pair(
    sandbox: SandboxServer, world: World, command: str, user: Any, **options: Any
) -> Any:
    return await sandbox.invoke(
        f"/pair {command}", user=user, guild=world.guild, channel=world.pairing, **options
    )


async def run_round(sandbox: SandboxServer, world: World) -> None:
    reply = await pair(sandbox, world, "round run", world.mod, timeout=20)
    assert "is out" in reply.text


async def test_a_profile_put_through_the_api_is_what_pair_status_shows(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write")
    url = pairing_url(bot, world, "/profile")
    profile = {"level": "advanced", "timezone": "America/New_York", "track": "backend"}
    status, headers, made = await call("PUT", url, token, {**profile, "topics": "Python, SQL"})
    assert (status, headers["Location"]) == (
        201,
        f"/api/v1/guilds/{world.guild.id}/pairing/profile",
    )
    assert (made["user_id"], made["level"], made["topics"]) == (
        str(world.alice.id),
        "advanced",
        ["python", "sql"],
    )
    assert made["next_round_at"] == "2026-11-30T09:00:00Z"  # Monday 09:00 UTC, the default
    shown = await pair(sandbox, world, "status", world.alice)
    for text in ("advanced", "America/New_York", "backend", "python, sql"):
        assert text in shown.text

    status, _, updated = await call("PUT", url, token, {**profile, "level": "beginner"})
    assert (status, updated["level"], updated["topics"]) == (200, "beginner", ["python", "sql"])
    assert "beginner" in (await pair(sandbox, world, "status", world.alice)).text


async def test_profile_writes_are_refused_with_the_commands_wording(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write")
    url = pairing_url(bot, world, "/profile")
    too_many = "a, b, c, d, e, f"
    in_discord = await pair(
        sandbox, world, "join", world.bob, level="beginner", timezone="UTC", topics=too_many
    )
    status, headers, refused = await call(
        "PUT", url, token, {"level": "beginner", "timezone": "UTC", "topics": too_many}
    )
    assert (status, headers["Content-Type"]) == (400, "application/problem+json")
    assert refused["detail"] == in_discord.text == "Give at most 5 topics, separated by commas."
    status, _, unknown_zone = await call(
        "PUT", url, token, {"level": "beginner", "timezone": "Mars/Olympus"}
    )
    assert status == 400
    assert "Mars/Olympus" in unknown_zone["detail"]
    status, _, invalid = await call("PUT", url, token, {"level": "guru", "timezone": "UTC"})
    assert status == 422
    assert invalid["errors"][0]["location"] == "body.level"
    read_only = await make_token(sandbox, world, "read")
    status, _, body = await call("PUT", url, read_only, {"level": "beginner", "timezone": "UTC"})
    assert (status, body["detail"]) == (
        403,
        "This token can only read; make a token with scope `write` to change things.",
    )


async def test_a_profile_joined_in_discord_is_what_the_api_reads_with_an_etag(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world)
    url = pairing_url(bot, world, "/profile")
    status, _, missing = await get(url, token)
    assert (status, missing["detail"]) == (
        404,
        "You haven't joined pairing yet. Use `/pair join` first.",
    )
    await pair(sandbox, world, "join", world.alice, level="intermediate", timezone="Europe/Berlin")
    status, headers, profile = await get(url, token)
    assert status == 200
    assert (profile["level"], profile["timezone"], profile["track"], profile["topics"]) == (
        "intermediate",
        "Europe/Berlin",
        None,
        [],
    )
    assert (profile["joined_at"], profile["current_group"]) == ("2026-11-26T12:00:00Z", None)
    status, _, body = await get(url, token, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, "")
    await pair(sandbox, world, "join", world.alice, level="advanced", timezone="Europe/Berlin")
    status, _, changed = await get(url, token, {"If-None-Match": headers["ETag"]})
    assert (status, changed["level"]) == (200, "advanced")


async def test_pause_resume_and_leave_through_the_api_are_what_discord_sees(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write")
    url = pairing_url(bot, world, "/profile")
    await pair(sandbox, world, "join", world.alice, level="beginner", timezone="Europe/Berlin")
    status, _, paused = await call("POST", f"{url}/pause", token, {"until": "2026-12-24"})
    assert (status, paused["paused_until"]) == (200, "2026-12-23T23:00:00Z")  # Berlin midnight
    assert "Paused until" in (await pair(sandbox, world, "status", world.alice)).text
    status, _, past = await call("POST", f"{url}/pause", token, {"until": "2020-01-01"})
    assert (status, past["detail"]) == (
        400,
        "`2020-01-01` is in the past. Pick a date after today.",
    )

    status, _, resumed = await call("POST", f"{url}/resume", token)
    assert (status, resumed["paused_until"]) == (200, None)
    status, _, again = await call("POST", f"{url}/resume", token)
    assert (status, again["detail"]) == (
        400,
        "You're not paused: you're in the next round already.",
    )

    status, _, _ = await call("DELETE", url, token)
    assert status == 204
    assert (await get(url, token))[0] == 404
    left = await pair(sandbox, world, "status", world.alice)
    assert "You haven't joined pairing yet" in left.text
    assert (await call("DELETE", url, token))[0] == 404


async def test_my_history_pages_by_cursor_and_stays_stable_while_rounds_run(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await pair(sandbox, world, "join", user, level="beginner", timezone="UTC")
    clock = bot.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        await run_round(sandbox, world)
    token = await make_token(sandbox, world)
    status, headers, first = await get(pairing_url(bot, world, "/history?limit=2"), token)
    assert status == 200
    assert [entry["round_number"] for entry in first["items"]] == [3, 2]
    assert first["items"][0]["partners"] == [str(world.bob.id)]
    assert headers["Link"] == f'<{first["next"]}>; rel="next"'
    clock.advance(timedelta(minutes=1))
    await run_round(sandbox, world)  # a fourth round between the pages shifts nothing
    status, _, second = await get(base(bot) + first["next"], token)
    assert [entry["round_number"] for entry in second["items"]] == [1]
    assert second["next"] is None
    shown = await pair(sandbox, world, "history", world.alice)
    assert "**Round 4**" in shown.text and "**Round 1**" in shown.text
    status, _, bad = await get(pairing_url(bot, world, "/history?cursor=Im5vIg"), token)
    assert (status, bad["detail"]) == (
        400,
        "That cursor is not one Nexus gave out; start again without it.",
    )


async def test_moderators_read_rounds_with_their_figures_and_answers(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user, track in ((world.alice, "frontend"), (world.bob, "backend"), (world.carol, None)):
        options = {"track": track} if track else {}
        await pair(sandbox, world, "join", user, level="beginner", timezone="UTC", **options)
    await run_round(sandbox, world)
    [thread] = world.pairing.threads
    intro = thread.messages[0]
    button = next(
        component
        for row in intro.components
        for component in row.get("components", [])
        if component.get("label") == "We met"
    )
    await sandbox.send_component(
        intro, {"custom_id": button["custom_id"], "component_type": 2}, user=world.bob
    )
    moderator = await make_token(sandbox, world, user=world.mod)
    status, headers, listed = await get(pairing_url(bot, world, "/rounds"), moderator)
    assert (status, listed["next"]) == (200, None)
    [first] = listed["items"]
    assert (first["number"], first["participants"], first["pairs"], first["trios"]) == (
        1,
        3,
        0,
        1,
    )
    assert (first["trigger"], first["started_by"], first["repeats"]) == (
        "manual",
        str(world.mod.id),
        0,
    )
    assert first["answers"] == {"met": 1, "not_met": 0, "unanswered": 0}
    assert first["cross_track_share"] == first["cross_track"] / 1
    status, _, _ = await get(
        pairing_url(bot, world, "/rounds"), moderator, {"If-None-Match": headers["ETag"]}
    )
    assert status == 304

    status, _, one = await get(pairing_url(bot, world, "/rounds/1"), moderator)
    assert status == 200
    [group] = one["groups"]
    expected = sorted(str(user.id) for user in (world.alice, world.bob, world.carol))
    assert (group["members"], group["outcome"]) == (expected, "met")
    assert group["thread_id"] == str(thread.id)
    status, _, missing = await get(pairing_url(bot, world, "/rounds/7"), moderator)
    assert (status, missing["detail"]) == (404, "There is no pairing round 7 in this server.")


async def test_rounds_page_by_cursor_newest_first(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for user in (world.alice, world.bob):
        await pair(sandbox, world, "join", user, level="beginner", timezone="UTC")
    clock = bot.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        await run_round(sandbox, world)
    moderator = await make_token(sandbox, world, user=world.mod)
    _, _, first = await get(pairing_url(bot, world, "/rounds?limit=2"), moderator)
    assert [item["number"] for item in first["items"]] == [3, 2]
    _, _, second = await get(base(bot) + first["next"], moderator)
    assert ([item["number"] for item in second["items"]], second["next"]) == ([1], None)


async def test_a_member_and_another_guilds_token_are_refused(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    member = await make_token(sandbox, world, user=world.alice)
    for path in ("/rounds", "/rounds/1"):
        status, _, body = await get(pairing_url(bot, world, path), member)
        assert (status, body["detail"]) == (403, MODERATORS_ONLY)
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("general")
    other.add_member(world.mod)
    elsewhere = await make_token(
        sandbox, world, "write", user=world.mod, guild=other, channel=lobby
    )
    for method, path in (
        ("GET", "/profile"),
        ("PUT", "/profile"),
        ("DELETE", "/profile"),
        ("GET", "/history"),
        ("GET", "/rounds"),
        ("GET", "/rounds/1"),
    ):
        body = {"level": "beginner", "timezone": "UTC"} if method == "PUT" else None
        status, _, refused = await call(method, pairing_url(bot, world, path), elsewhere, body)
        assert (status, refused["detail"]) == (403, "This token belongs to another server.")
