"""The guild's own resources over real HTTP against the running bot and the sandbox: settings
both ways with /admin config, refusals in the command's words, the audit entry's `via: api`,
statistics as /admin stats counts them, and the audit log by cursor."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import NexusBot
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import WEB, base, get, make_token

MODERATORS_ONLY = "This command is for moderators only."


@pytest.fixture
async def bot(start_nexus: StartBot) -> NexusBot:
    return await start_nexus(web=WEB)


def guild_url(bot: NexusBot, world: World, path: str) -> str:
    return f"{base(bot)}/api/v1/guilds/{world.guild.id}{path}"


async def as_admin(sandbox: SandboxServer, world: World, path: str, **options: Any) -> Any:
    # Options go as a dict: /admin has options named `user`, like invoke's own keyword.
    return await sandbox.invoke(
        path, user=world.admin, guild=world.guild, channel=world.general, options=options
    )


async def latest_audit(bot: NexusBot, world: World) -> Any:
    page = await bot.audit.list(world.guild.id, limit=1)
    return page.records[0]


async def test_settings_read_as_admin_config_show_with_their_source_and_an_etag(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, user=world.mod)
    status, headers, listed = await get(guild_url(bot, world, "/settings"), token)
    assert status == 200
    by_key = {item["key"]: item for item in listed["items"]}
    assert set(by_key) == {spec.key for spec in bot.guild_settings.specs()}
    assert by_key["channels.snippets"]["value"] == str(world.snippets.id)
    assert by_key["channels.snippets"]["source"] == "set in Discord"
    zone = by_key["timezone"]
    assert (zone["value"], zone["source"], zone["kind"]) == ("UTC", "default", "time zone")
    delay = by_key["privacy.forget_delay_days"]
    assert (delay["value"], delay["minimum"], delay["maximum"]) == (30, 0, 365)
    assert by_key["privacy.forget_on_leave"]["value"] is False
    shown = (await as_admin(sandbox, world, "/admin config show")).embed["description"]
    assert f"<#{world.snippets.id}> · *set in Discord*" in shown
    status, _, body = await get(
        guild_url(bot, world, "/settings"), token, {"If-None-Match": headers["ETag"]}
    )
    assert (status, body) == (304, "")
    status, _, one = await get(guild_url(bot, world, "/settings/timezone"), token)
    assert (status, one) == (200, zone)


async def test_a_setting_changed_through_the_api_is_what_admin_config_shows_and_is_audited(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    token = await make_token(sandbox, world, "write", user=world.mod)
    url = guild_url(bot, world, "/settings/timezone")
    status, _, changed = await call("PUT", url, token, {"value": "Europe/Berlin"})
    assert status == 200
    assert (changed["value"], changed["source"]) == ("Europe/Berlin", "set in Discord")
    shown = (await as_admin(sandbox, world, "/admin config show")).embed["description"]
    assert "`Europe/Berlin` · *set in Discord*" in shown
    entry = await latest_audit(bot, world)
    assert (entry.action, entry.actor_id, entry.target) == (
        "admin.config.set",
        world.mod.id,
        "timezone",
    )
    assert entry.details == {"old": "UTC", "new": "Europe/Berlin", "via": "api"}

    await as_admin(sandbox, world, "/admin config set", key="timezone", value="Asia/Tokyo")
    status, _, read = await get(url, token)
    assert (status, read["value"]) == (200, "Asia/Tokyo")
    assert (await latest_audit(bot, world)).details["via"] == "discord"


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [
        ("colour", "blue", 404),
        ("privacy.forget_delay_days", "9999", 400),
        ("privacy.forget_on_leave", "maybe", 400),
        ("timezone", "Mars/Olympus", 400),
        ("roles.triager", "12345678901234567890", 400),
        ("pairing.schedule", "every monday", 400),
    ],
)
async def test_a_bad_setting_is_refused_in_the_commands_words_and_changes_nothing(
    bot: NexusBot, sandbox: SandboxServer, world: World, key: str, value: str, status: int
) -> None:
    token = await make_token(sandbox, world, "write", user=world.mod)
    in_discord = await as_admin(sandbox, world, "/admin config set", key=key, value=value)
    before = await bot.audit.list(world.guild.id)
    answered, headers, refused = await call(
        "PUT", guild_url(bot, world, f"/settings/{key}"), token, {"value": value}
    )
    assert (answered, headers["Content-Type"]) == (status, "application/problem+json")
    assert refused["detail"] == in_discord.text
    assert await bot.audit.list(world.guild.id) == before


async def test_a_channel_of_another_guild_is_refused_as_the_command_refuses_it(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    elsewhere = sandbox.create_guild("Elsewhere").create_channel("general")
    token = await make_token(sandbox, world, "write", user=world.mod)
    url = guild_url(bot, world, "/settings/channels.snippets")
    status, _, refused = await call("PUT", url, token, {"value": f"<#{elsewhere.id}>"})
    assert (status, refused["detail"]) == (
        400,
        f"`channels.snippets`: there is no channel with id {elsewhere.id} in this server.",
    )
    in_discord = await as_admin(
        sandbox, world, "/admin config set", key="channels.snippets", value=str(elsewhere.id)
    )
    assert in_discord.text == refused["detail"]
    status, _, kept = await get(url, token)
    assert kept["value"] == str(world.snippets.id)
    status, _, moved = await call("PUT", url, token, {"value": f"<#{world.general.id}>"})
    assert (status, moved["value"]) == (200, str(world.general.id))
    status, _, reset = await call("PUT", url, token, {"value": "none"})
    assert (status, reset["value"], reset["source"]) == (200, None, "default")
    status, _, too_long = await call("PUT", url, token, {"value": "x" * 101})
    assert (status, too_long["errors"][0]["location"]) == (422, "body.value")


async def test_stats_count_what_admin_stats_counts(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await bot.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    token = await make_token(sandbox, world, user=world.mod)
    status, headers, stats = await get(guild_url(bot, world, "/stats"), token)
    assert status == 200
    assert {feature.feature for feature in bot.features} == set(stats["features"])
    assert stats["failed"] == []
    assert stats["core"]["feature blocks"] == 1
    assert set(stats["core"]) == {"audit entries", "feature blocks", "pending forgets"}
    assert stats["database_bytes"] > 0
    fields = {
        f["name"]: f["value"]
        for f in (await as_admin(sandbox, world, "/admin stats")).embed["fields"]
    }
    for name, count in stats["core"].items():
        assert f"{name}: **{count}**" in fields["core"]
    for feature, counters in stats["features"].items():
        for name, count in counters.items():
            assert f"{name}: **{count}**" in fields[feature]
    status, _, _ = await get(
        guild_url(bot, world, "/stats"), token, {"If-None-Match": headers["ETag"]}
    )
    assert status == 304


async def test_the_audit_log_pages_by_cursor_stably_while_entries_are_added(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for number in range(7):
        await bot.audit.record(world.guild.id, world.mod.id, "probe.poke", f"target-{number}")
    await bot.audit.record(world.guild.id, world.admin.id, "probe.prod", "elsewhere")
    token = await make_token(sandbox, world, user=world.mod)
    url = guild_url(bot, world, f"/audit?actor={world.mod.id}&action=probe.poke&limit=3")
    status, headers, first = await get(url, token)
    assert status == 200
    assert [entry["target"] for entry in first["items"]] == ["target-6", "target-5", "target-4"]
    assert first["items"][0]["actor_id"] == str(world.mod.id)
    assert first["items"][0]["created_at"].endswith("Z")
    assert headers["Link"] == f'<{first["next"]}>; rel="next"'
    await bot.audit.record(world.guild.id, world.mod.id, "probe.poke", "inserted meanwhile")
    seen = [entry["target"] for entry in first["items"]]
    page = first
    while page["next"] is not None:
        status, _, page = await get(base(bot) + page["next"], token)
        seen += [entry["target"] for entry in page["items"]]
    assert seen == [f"target-{number}" for number in range(6, -1, -1)]
    status, _, everyone = await get(guild_url(bot, world, "/audit?limit=50"), token)
    async with bot.db.sessions() as session:
        stored = (await session.execute(AuditEntry.__table__.select())).all()
    assert len(everyone["items"]) == len([row for row in stored if row.guild_id == world.guild.id])
    assert everyone["items"][0]["target"] == "inserted meanwhile"
    status, _, bad = await get(guild_url(bot, world, "/audit?cursor=e30"), token)
    assert (status, bad["detail"]) == (
        400,
        "That cursor is not one Nexus gave out; start again without it.",
    )


async def test_a_member_and_another_guilds_token_are_refused(
    bot: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    member = await make_token(sandbox, world, "write", user=world.alice)
    reads = ("/settings", "/settings/timezone", "/stats", "/audit")
    for path in reads:
        status, _, body = await get(guild_url(bot, world, path), member)
        assert (status, body["detail"]) == (403, MODERATORS_ONLY), path
    url = guild_url(bot, world, "/settings/timezone")
    status, _, body = await call("PUT", url, member, {"value": "Europe/Berlin"})
    assert (status, body["detail"]) == (403, MODERATORS_ONLY)
    assert (await bot.guild_settings.get(world.guild.id)).get("timezone") == "UTC"

    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("general")
    other.add_member(world.mod)
    elsewhere = await make_token(
        sandbox, world, "write", user=world.mod, guild=other, channel=lobby
    )
    for path in reads:
        status, _, body = await get(guild_url(bot, world, path), elsewhere)
        assert (status, body["detail"]) == (403, "This token belongs to another server."), path
    status, _, body = await call("PUT", url, elsewhere, {"value": "Europe/Berlin"})
    assert (status, body["detail"]) == (403, "This token belongs to another server.")
