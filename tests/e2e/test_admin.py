"""/admin through the real bot and the sandbox: every command, its refusals, and what it stores."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import BigInteger, select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.errors import UserFacingError
from bot.feature import FeatureCog
from bot.guild_settings import parse_value
from bot.models import AuditEntry, FeatureBlock, GuildSetting, OccurrenceClaim
from bot.permissions import Tier, command_tier
from bot.preflight import run_check
from bot.sandbox import SandboxServer
from cogs.admin.export import EXPORT_SCHEMA, guild_tables, json_safe
from cogs.admin.models import PendingForget
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_permissions_walk import (
    context_menus,
    dump_database,
    invoke_as,
    open_every_command_to_everyone,
    slash_commands,
)
from tests.probe_feature import probe_feature

SEND_MESSAGES = 1 << 11
ATTACH_FILES = 1 << 15


# ---- helpers --------------------------------------------------------------------------------


async def audit_rows(bot: NexusBot, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    async with bot.db.sessions() as session:
        return list((await session.scalars(query)).all())


async def block_rows(bot: NexusBot) -> list[tuple[int, int, str]]:
    async with bot.db.sessions() as session:
        rows = await session.execute(
            select(FeatureBlock.guild_id, FeatureBlock.user_id, FeatureBlock.feature)
        )
        return sorted(tuple(row) for row in rows.all())  # type: ignore[misc]


async def setting_value(bot: NexusBot, guild_id: int, key: str) -> Any:
    async with bot.db.sessions() as session:
        row = await session.get(GuildSetting, (guild_id, key))
    return json.loads(row.value) if row is not None else None


async def raise_bot_role(bot: NexusBot, sandbox: SandboxServer, world: World) -> None:
    """Move the bot's role to the top, as a server owner does after inviting it."""
    role = world.guild.bot_role
    role.position = 50
    sandbox.dispatch(
        "GUILD_ROLE_UPDATE",
        {"guild_id": str(world.guild.id), "role": role.to_payload()},
        world.guild.id,
    )
    await until(lambda: bot_guild(bot, world).me.top_role.position == 50)


def bot_guild(bot: NexusBot, world: World) -> Any:
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    return guild


async def until(condition: Any, timeout: float = 5.0) -> None:
    """Wait until the bot's cache shows a change the sandbox announced on the gateway."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the bot never saw the change"
        await asyncio.sleep(0.01)


async def as_admin(sandbox: SandboxServer, world: World, path: str, **options: Any) -> Any:
    # Options go as a dict: /admin has options named `user`, like invoke's own keyword.
    return await sandbox.invoke(
        path, user=world.admin, guild=world.guild, channel=world.general, options=options
    )


# ---- /admin config ---------------------------------------------------------------------------


async def test_config_show_lists_every_setting_with_its_source(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(sandbox, world, "/admin config show")
    assert reply.ephemeral
    description = reply.embed["description"]
    keys = [spec.key for spec in nexus.guild_settings.specs()]
    # The core's settings and each feature's own, registered when the feature loaded.
    assert {"timezone", "channels.snippets", "pairing.schedule", "snippets.on_forget"} <= set(keys)
    for key in keys:
        assert f"**{key}**" in description
    assert f"<#{world.snippets.id}> · *set in Discord*" in description
    assert "`UTC` · *default*" in description
    assert "token" not in description.lower()


async def test_config_set_stores_the_value_and_audits_it(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(
        sandbox, world, "/admin config set", key="privacy.forget_delay_days", value="7"
    )
    assert reply.ephemeral
    assert "`privacy.forget_delay_days` is now `7`" in reply.text
    assert "was `30`" in reply.text
    assert await setting_value(nexus, world.guild.id, "privacy.forget_delay_days") == 7
    [entry] = await audit_rows(nexus, "admin.config.set")
    assert (entry.actor_id, entry.target) == (world.admin.id, "privacy.forget_delay_days")
    assert entry.details == {"old": 30, "new": 7, "via": "discord"}


async def test_config_set_none_resets_to_the_default(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(
        sandbox, world, "/admin config set", key="channels.feedback", value="none"
    )
    assert "is now not set (*default*" in reply.text
    assert await setting_value(nexus, world.guild.id, "channels.feedback") is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("colour", "blue", "There is no setting called `colour`"),
        ("privacy.forget_delay_days", "soon", "takes a whole number"),
        ("privacy.forget_delay_days", "9999", "must be at most 365"),
        ("privacy.forget_on_leave", "maybe", "takes true or false"),
        ("timezone", "Mars/Olympus", "is not a time zone I know"),
        ("channels.snippets", "12345678901234567890", "no channel with id"),
        ("roles.triager", "12345678901234567890", "no role with id"),
        ("pairing.schedule", "every monday", "A cron expression has 5 fields"),
    ],
)
async def test_config_set_refuses_bad_input_and_changes_nothing(
    nexus: NexusBot, sandbox: SandboxServer, world: World, key: str, value: str, message: str
) -> None:
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin config set", key=key, value=value)
    assert reply.ephemeral
    assert message in reply.text
    assert await dump_database(nexus) == before


async def test_config_set_refuses_a_voice_channel(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    voice = world.guild.create_channel("Lounge", "voice")
    await until(lambda: bot_guild(nexus, world).get_channel(voice.id) is not None)
    before = await dump_database(nexus)
    reply = await as_admin(
        sandbox, world, "/admin config set", key="channels.snippets", value=str(voice.id)
    )
    assert "is a voice channel; pick a text channel" in reply.text
    assert await dump_database(nexus) == before


async def test_config_set_refuses_a_role_above_the_bots(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    before = await dump_database(nexus)
    reply = await as_admin(
        sandbox,
        world,
        "/admin config set",
        key="roles.moderator",
        value=world.moderator_role.mention,
    )
    assert "is not below my highest role" in reply.text
    assert await dump_database(nexus) == before


async def test_config_set_accepts_a_role_below_the_bots(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await raise_bot_role(nexus, sandbox, world)
    reply = await as_admin(
        sandbox, world, "/admin config set", key="roles.triager", value=str(world.moderator_role.id)
    )
    assert "`roles.triager` is now" in reply.text
    assert await setting_value(nexus, world.guild.id, "roles.triager") == world.moderator_role.id


async def test_config_keys_and_values_are_autocompleted(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    keys = await sandbox.autocomplete(
        "/admin config set", "key", "privacy", user=world.admin, guild=world.guild,
        channel=world.general,
    )  # fmt: skip
    assert [choice["value"] for choice in keys] == [
        "privacy.forget_delay_days",
        "privacy.forget_on_leave",
    ]
    channels = await sandbox.autocomplete(
        "/admin config set", "value", "snip", user=world.admin, guild=world.guild,
        channel=world.general, key="channels.snippets",
    )  # fmt: skip
    assert [choice["value"] for choice in channels] == [str(world.snippets.id)]


@pytest.mark.parametrize(("who", "allowed"), [("mod", True), ("triager", False), ("bob", False)])
async def test_the_moderator_role_may_use_admin_where_the_server_shows_it(
    nexus: NexusBot, sandbox: SandboxServer, world: World, who: str, allowed: bool
) -> None:
    # Discord hides /admin from everyone without Manage Server; a server admin can show it to
    # the configured moderator role (Integrations), and then the run-time tier check decides.
    open_every_command_to_everyone(sandbox)
    reply = await sandbox.invoke(
        "/admin config show", user=getattr(world, who), guild=world.guild, channel=world.general
    )
    assert reply.ephemeral
    assert ("Nexus settings" in reply.text) is allowed
    assert ("This command is for moderators only." in reply.text) is not allowed


async def test_admin_suggestions_are_for_moderators_only(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    # Autocomplete runs no command checks; a member shown /admin by a server admin gets nothing.
    open_every_command_to_everyone(sandbox)
    await nexus.audit.record(world.guild.id, world.mod.id, "admin.block", "someone")
    where = {"guild": world.guild, "channel": world.general}
    asked = []
    for command in slash_commands(nexus):
        if not command.qualified_name.startswith("admin "):
            continue
        for parameter in command.parameters:
            if not parameter.autocomplete:
                continue
            path, name = f"/{command.qualified_name}", parameter.display_name
            given = {"key": "channels.snippets"} if name == "value" else {}
            member = await sandbox.autocomplete(path, name, "", user=world.alice, **where, **given)
            moderator = await sandbox.autocomplete(
                path, name, "", user=world.admin, **where, **given
            )
            assert (path, name, member) == (path, name, [])
            assert moderator, (path, name)
            asked.append(f"{path} {name}")
    assert len(asked) == 7, asked  # block and unblock suggest the loaded features


# ---- /admin setup ----------------------------------------------------------------------------


async def test_setup_stores_channels_roles_and_time_zone_and_lists_missing_permissions(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await raise_bot_role(nexus, sandbox, world)
    other = world.guild.create_channel("code-corner")
    other.set_permissions(world.guild.bot_role, deny=SEND_MESSAGES | ATTACH_FILES)
    await until(
        lambda: (
            (channel := bot_guild(nexus, world).get_channel(other.id)) is not None
            and channel.overwrites
        )
    )
    reply = await as_admin(sandbox, world, "/admin setup", timezone="Europe/Berlin")
    assert reply.ephemeral
    assert "step 1 of 2" in reply.text
    await reply.select("Snippets channel", [other])
    await reply.click("Next")
    assert "step 2 of 2" in reply.text
    await reply.select("Triager role", [world.moderator_role])
    saved = await reply.click("Save")
    assert "Setup saved." in saved.text
    report = json.dumps(saved.embeds, ensure_ascii=False)
    assert f"<#{other.id}> — ⚠️ I lack Send Messages, Embed Links, Attach Files" in report
    assert f"<#{world.pairing.id}> — ✅ all permissions" in report
    assert await setting_value(nexus, world.guild.id, "channels.snippets") == other.id
    assert await setting_value(nexus, world.guild.id, "roles.triager") == world.moderator_role.id
    assert await setting_value(nexus, world.guild.id, "timezone") == "Europe/Berlin"
    [entry] = await audit_rows(nexus, "admin.setup")
    assert entry.actor_id == world.admin.id
    assert entry.details["channels.snippets"] == other.id


async def test_double_clicks_in_setup_are_each_answered_and_save_once(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await raise_bot_role(nexus, sandbox, world)
    reply = await as_admin(sandbox, world, "/admin setup", timezone="Europe/Berlin")
    nexts = await asyncio.gather(reply.click("Next"), reply.click("Next"))
    assert all(result.type is not None for result in nexts)
    assert "step 2 of 2" in reply.text
    saves = await asyncio.gather(reply.click("Save"), reply.click("Save"))
    texts = sorted(result.text for result in saves)
    assert any("Setup saved." in text for text in texts)
    assert any("already answered" in text for text in texts)
    assert len(await audit_rows(nexus, "admin.setup")) == 1


async def test_a_double_pick_in_a_setup_menu_is_answered_twice_and_kept(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    # Found by the fuzz: the first pick redraws the screen with new menus, and the second pick,
    # already on its way to the old menu, met a menu no longer in any view (AssertionError).
    await raise_bot_role(nexus, sandbox, world)
    reply = await as_admin(sandbox, world, "/admin setup")
    picks = await asyncio.gather(
        reply.select("Snippets channel", [world.general]),
        reply.select("Snippets channel", [world.general]),
    )
    assert [pick.type for pick in picks] == [7, 7]  # both update the setup message
    assert all("Something went wrong" not in pick.text for pick in picks)
    await reply.click("Next")
    saved = await reply.click("Save")
    assert "Setup saved." in saved.text
    assert await setting_value(nexus, world.guild.id, "channels.snippets") == world.general.id


async def test_setup_remembers_picks_across_screens_and_can_unset_a_channel(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await raise_bot_role(nexus, sandbox, world)
    reply = await as_admin(sandbox, world, "/admin setup")
    await reply.select("Snippets channel", [world.general])
    await reply.select("Pairing channel", [])
    await reply.click("Next")
    await reply.click("Back")
    menus = {
        component["placeholder"]: component
        for row in reply.components
        for component in row.get("components", [])
        if "placeholder" in component
    }
    picked = [int(value["id"]) for value in menus["Snippets channel"]["default_values"]]
    assert picked == [world.general.id]
    assert menus["Pairing channel"].get("default_values", []) == []
    await reply.click("Next")
    saved = await reply.click("Save")
    assert "**pairing**: not set" in saved.text
    assert await setting_value(nexus, world.guild.id, "channels.snippets") == world.general.id
    assert await setting_value(nexus, world.guild.id, "channels.pairing") is None
    assert await setting_value(nexus, world.guild.id, "channels.feedback") == world.feedback.id


async def test_setup_refuses_a_role_above_the_bots_and_stores_nothing(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin setup")
    await reply.click("Next")
    refused = await reply.click("Save")
    assert refused.ephemeral
    assert "is not below my highest role" in refused.text
    assert await dump_database(nexus) == before


async def test_setup_refuses_an_unknown_time_zone(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(sandbox, world, "/admin setup", timezone="Atlantis/Capital")
    assert "is not a time zone I know" in reply.text
    assert reply.components == []


async def test_a_time_zone_value_of_thousands_of_characters_is_refused_kindly(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    before = await dump_database(nexus)
    # Discord stops the option at 64 characters; the setting itself refuses any length.
    reply = await as_admin(sandbox, world, "/admin setup", timezone="Europe/" + "x" * 57)
    assert reply.ephemeral and "is not a time zone I know" in reply.text
    with pytest.raises(UserFacingError, match="not a time zone I know"):
        parse_value(nexus.guild_settings.spec("timezone"), "Europe/" + "x" * 6000)
    assert await dump_database(nexus) == before


# ---- /admin stats ----------------------------------------------------------------------------


async def test_stats_shows_feature_counts_uptime_latency_and_database_size(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    async def probe_stats(guild_id: int) -> dict[str, int]:
        return {"probes": 3 if guild_id == world.guild.id else 0}

    await nexus.add_cog(probe_feature("probe", stats=probe_stats))
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    reply = await as_admin(sandbox, world, "/admin stats")
    fields = {field["name"]: field["value"] for field in reply.embed["fields"]}
    assert fields["probe"] == "probes: **3**"
    assert "feature blocks: **1**" in fields["core"]
    assert "uptime: **" in fields["runtime"]
    assert "gateway latency: **" in fields["runtime"]
    size = await nexus.db.size_bytes()
    assert size and "database size: **" in fields["runtime"]
    assert "unknown" not in fields["runtime"]


# ---- /admin audit ----------------------------------------------------------------------------


async def test_audit_pages_through_every_entry_newest_first(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    for number in range(13):
        await nexus.audit.record(world.guild.id, world.mod.id, "probe.poke", f"target-{number}")
    reply = await as_admin(sandbox, world, "/admin audit")
    first = reply.embed["description"]
    assert "target-12" in first and "target-3" in first and "target-2" not in first
    turned = await reply.click("Next")
    second = turned.embeds[0]["description"] if turned.embeds else reply.embed["description"]
    assert "target-2" in second and "target-0" in second and "target-3" not in second


async def test_audit_filters_by_user_and_action_with_autocomplete(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await nexus.audit.record(world.guild.id, world.mod.id, "snippet.delete", "S-1")
    await nexus.audit.record(world.guild.id, world.admin.id, "snippet.delete", "S-2")
    await nexus.audit.record(world.guild.id, world.mod.id, "feedback.status", "FB-3")
    choices = await sandbox.autocomplete(
        "/admin audit", "action", "snip", user=world.admin, guild=world.guild, channel=world.general
    )
    assert [choice["value"] for choice in choices] == ["snippet.delete"]
    reply = await as_admin(sandbox, world, "/admin audit", user=world.mod, action="snippet.delete")
    description = reply.embed["description"]
    assert "S-1" in description
    assert "S-2" not in description and "FB-3" not in description
    empty = await as_admin(sandbox, world, "/admin audit", action="nothing.here")
    assert "No audit entries match." in empty.text


async def test_audit_shows_user_text_without_pinging_or_formatting(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await nexus.audit.record(world.guild.id, world.mod.id, "probe.poke", "@everyone **bold**")
    reply = await as_admin(sandbox, world, "/admin audit")
    assert "@everyone" not in reply.embed["description"]
    assert "**bold**" not in reply.embed["description"]


# ---- /admin export ---------------------------------------------------------------------------


async def test_export_is_one_json_file_of_this_guilds_rows(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id, "spam")
    await nexus.audit.record(world.guild.id, world.admin.id, "admin.block", str(world.alice.id))
    other_guild = 4242
    await nexus.blocks.block(other_guild, world.alice.id, "pairing", None)
    reply = await as_admin(sandbox, world, "/admin export")
    assert reply.ephemeral
    [attachment] = reply.files
    assert attachment.filename.startswith(f"nexus-export-{world.guild.id}-")
    document = json.loads(attachment.data)
    assert document["schema"] == EXPORT_SCHEMA
    assert document["version"] == 1
    assert document["guild_id"] == str(world.guild.id)
    async with nexus.db.sessions() as session:
        for table in guild_tables():
            stored = (
                (await session.execute(select(table).where(table.c.guild_id == world.guild.id)))
                .mappings()
                .all()
            )
            expected = [
                {
                    column: json_safe(
                        row[column], wide_int=isinstance(table.c[column].type, BigInteger)
                    )
                    for column in row
                }
                for row in stored
            ]
            exported = document["tables"][table.name]["rows"]
            # The export's own audit row is written after the file is built.
            if table.name == "audit_log":
                expected = [row for row in expected if row["action"] != "admin.export"]
            assert sorted(exported, key=repr) == sorted(expected, key=repr), table.name
    blocks = document["tables"]["feature_blocks"]["rows"]
    assert [(row["user_id"], row["feature"], row["reason"]) for row in blocks] == [
        (str(world.alice.id), "snippets", "spam")
    ]
    [entry] = await audit_rows(nexus, "admin.export")
    assert entry.actor_id == world.admin.id


# ---- /admin forget ---------------------------------------------------------------------------


@pytest.fixture
async def forget_requests(nexus: NexusBot) -> list[tuple[int, int]]:
    """A probe feature whose forget records what it was asked (and removes one row)."""
    seen: list[tuple[int, int]] = []

    async def forget(guild_id: int, user_id: int) -> dict[str, int]:
        seen.append((guild_id, user_id))
        return {"probe rows deleted": 1 if user_id != 0 else 0}

    await nexus.add_cog(probe_feature("zz_probe", forget=forget))
    return seen


async def test_forget_removes_the_members_rows_and_reports_them(
    nexus: NexusBot, sandbox: SandboxServer, world: World, forget_requests: list[tuple[int, int]]
) -> None:
    guild = world.guild.id
    await nexus.blocks.block(guild, world.alice.id, "snippets", world.admin.id)
    await nexus.blocks.block(guild, world.alice.id, "pairing", world.admin.id)
    await nexus.blocks.block(guild, world.bob.id, "snippets", world.admin.id)
    await nexus.blocks.block(4242, world.alice.id, "snippets", None)
    await nexus.guild_settings.set(guild, "pairing.schedule", "0 10 * * 2", actor_id=world.alice.id)
    await as_admin(sandbox, world, "/admin config set", key="snippets.on_forget", value="delete")
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin forget", user=world.alice)
    assert "Forget everything Nexus holds about" in reply.text
    assert "snippets are deleted" in reply.text
    await reply.click("Forget")
    [result] = await reply.followups(1)
    report = json.dumps(result.embeds, ensure_ascii=False)
    assert "core: feature blocks removed: **2**" in report
    assert "core: settings changes anonymised: **1**" in report
    assert "zz_probe: probe rows deleted: **1**" in report
    assert forget_requests == [(guild, world.alice.id)]
    # Row by row: exactly Alice's blocks in this guild went; her settings edit lost her id.
    after = await dump_database(nexus)
    assert await block_rows(nexus) == sorted(
        [(guild, world.bob.id, "snippets"), (4242, world.alice.id, "snippets")]
    )
    changed = {name for name in before if before[name] != after[name]}
    # guild_counts: the database's own counts of those rows, kept by triggers.
    assert changed == {"feature_blocks", "guild_settings", "audit_log", "guild_counts"}
    assert [r for r in before["guild_settings"] if world.alice.id in r] != []
    assert [r for r in after["guild_settings"] if world.alice.id in r] == []
    [entry] = await audit_rows(nexus, "admin.forget")
    assert (entry.actor_id, entry.target) == (world.admin.id, str(world.alice.id))
    assert entry.details["removed"]["core: feature blocks removed"] == 2


def binary_index_segment(table: str) -> bool:
    """FTS5's own segment tables: opaque b-tree pages, not rows about anyone.

    They still hold an anonymised author's old index tokens until FTS5 merges its segments;
    that belongs to the snippets feature's search index (noted for its owner), not to rows.
    """
    return table.endswith(("_fts_data", "_fts_idx"))


async def test_forget_leaves_no_row_naming_the_member_in_any_feature(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    """Real data from every feature, made through their commands, then forgotten."""
    where = {"user": world.alice, "guild": world.guild, "channel": world.general}
    await sandbox.invoke(
        "/snippet share", **where, title="Retry loop", code="for i in range(3):\n    print(i)\n"
    )
    await sandbox.invoke("/pair join", **where, level="beginner", timezone="Europe/Berlin")
    await sandbox.invoke(
        "/feedback log", **where, endpoint="GET /api/jobs", severity="bug", title="500s",
        details="it breaks",
    )  # fmt: skip
    await nexus.blocks.block(world.guild.id, world.alice.id, "pairing", world.admin.id)
    alice = str(world.alice.id)

    def naming_alice(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
        return {
            name: count
            for name, rows in dump.items()
            if not binary_index_segment(name)
            and (count := sum(1 for row in rows if alice in " ".join(map(str, row))))
        }

    before = naming_alice(await dump_database(nexus))
    assert {"feature_blocks", "snippets", "pair_profiles"} <= set(before), before
    reply = await as_admin(sandbox, world, "/admin forget", user=world.alice)
    await reply.click("Forget")
    [result] = await reply.followups(1)
    report = json.dumps(result.embeds, ensure_ascii=False)
    for feature in ("snippets", "pairing", "feedback", "core"):
        assert f"{feature}: " in report
    # Only the audit log still names her: the record of what moderators did, this forget included.
    assert naming_alice(await dump_database(nexus)) == {"audit_log": 1}


async def test_forgetting_a_member_without_data_says_so_and_changes_nothing(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin forget", user=world.carol)
    await reply.click("Forget")
    [result] = await reply.followups(1)
    assert result.flags & (1 << 6)
    assert "no personal data about that member" in result.content
    assert await dump_database(nexus) == before


async def test_cancelling_forget_changes_nothing(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin forget", user=world.alice)
    await reply.click("Cancel")
    [result] = await reply.followups(1)
    assert "Nothing was changed." in result.content
    assert await dump_database(nexus) == before


# ---- automatic forget after leaving -----------------------------------------------------------


async def enable_forget_on_leave(bot: NexusBot, world: World, days: int) -> None:
    await bot.guild_settings.set_many(
        world.guild.id,
        {"privacy.forget_on_leave": True, "privacy.forget_delay_days": days},
        actor_id=world.admin.id,
    )


async def pending_rows(bot: NexusBot) -> list[tuple[int, int, datetime]]:
    async with bot.db.sessions() as session:
        rows = await session.execute(
            select(PendingForget.guild_id, PendingForget.user_id, PendingForget.due_at)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_a_member_who_leaves_is_forgotten_when_the_guild_says_so(
    nexus: NexusBot, world: World
) -> None:
    await enable_forget_on_leave(nexus, world, days=0)
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    world.guild.remove_member(world.alice)

    async def forgotten() -> bool:
        return bool(await audit_rows(nexus, "admin.forget.auto"))

    await wait_for(forgotten)
    assert await block_rows(nexus) == []
    assert await pending_rows(nexus) == []
    [entry] = await audit_rows(nexus, "admin.forget.auto")
    assert (entry.actor_id, entry.target) == (None, str(world.alice.id))
    async with nexus.db.sessions() as session:
        claim = await session.scalar(select(OccurrenceClaim))
    assert claim is not None and (claim.kind, claim.status) == ("admin.forget", "done")


async def test_leaving_does_nothing_when_the_guild_keeps_data(
    nexus: NexusBot, world: World
) -> None:
    await nexus.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    world.guild.remove_member(world.alice)
    await until(lambda: bot_guild(nexus, world).get_member(world.alice.id) is None)
    await asyncio.sleep(0.2)  # the listener runs after the cache update; give it time to act
    assert await pending_rows(nexus) == []
    assert len(await block_rows(nexus)) == 1


async def test_forget_waits_the_delay_survives_a_restart_and_runs_once(
    start_nexus: StartBot, world: World
) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    bot = await start_nexus(clock=clock)
    await enable_forget_on_leave(bot, world, days=30)
    await bot.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    world.guild.remove_member(world.alice)

    async def pending() -> bool:
        return bool(await pending_rows(bot))

    await wait_for(pending)
    assert await pending_rows(bot) == [
        (world.guild.id, world.alice.id, datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    ]
    assert f"admin.forget:{world.guild.id}:{world.alice.id}" in bot.scheduler.job_ids()
    await bot.close()
    clock.advance(timedelta(days=31))
    restarted = await start_nexus(clock=clock)

    async def forgotten() -> bool:
        return bool(await audit_rows(restarted, "admin.forget.auto"))

    await wait_for(forgotten)
    assert await block_rows(restarted) == []
    assert await pending_rows(restarted) == []
    # A stray second firing finds nothing to do: the occurrence is claimed and the row gone.
    cog: Any = restarted.get_cog("AdminCog")
    flow = cog.forget_on_leave
    assert await flow.forget_if_due(world.guild.id, world.alice.id) is None
    assert len(await audit_rows(restarted, "admin.forget.auto")) == 1


async def test_turning_the_setting_off_cancels_forgets_not_yet_done(
    start_nexus: StartBot, world: World
) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    bot = await start_nexus(clock=clock)
    await enable_forget_on_leave(bot, world, days=1)
    await bot.blocks.block(world.guild.id, world.alice.id, "snippets", world.admin.id)
    world.guild.remove_member(world.alice)

    async def pending() -> bool:
        return bool(await pending_rows(bot))

    await wait_for(pending)
    await bot.guild_settings.set(world.guild.id, "privacy.forget_on_leave", False, actor_id=None)
    clock.advance(timedelta(days=2))
    cog: Any = bot.get_cog("AdminCog")
    flow = cog.forget_on_leave
    assert await flow.forget_if_due(world.guild.id, world.alice.id) is None
    assert await pending_rows(bot) == []
    assert len(await block_rows(bot)) == 1
    assert await audit_rows(bot, "admin.forget.auto") == []


async def test_a_feature_that_fails_to_forget_is_retried_an_hour_later(
    start_nexus: StartBot, world: World
) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    bot = await start_nexus(clock=clock)
    # The test fires the jobs itself: a sleeper woken by any other job could otherwise run the
    # due forget between the clock moving and the test's own call.
    bot.scheduler.shutdown()
    attempts: list[int] = []

    async def flaky(guild_id: int, user_id: int) -> dict[str, int]:
        attempts.append(user_id)
        if len(attempts) == 1:
            raise RuntimeError("database busy")
        return {"probe rows deleted": 1}

    await bot.add_cog(probe_feature("zz_flaky", forget=flaky))
    await enable_forget_on_leave(bot, world, days=1)
    world.guild.remove_member(world.alice)

    async def pending() -> bool:
        return bool(await pending_rows(bot))

    await wait_for(pending)
    clock.advance(timedelta(days=1))
    cog: Any = bot.get_cog("AdminCog")
    flow = cog.forget_on_leave
    first = await flow.forget_if_due(world.guild.id, world.alice.id)
    assert first.failed == ("zz_flaky",)
    retry_at = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert await pending_rows(bot) == [(world.guild.id, world.alice.id, retry_at)]
    assert await flow.forget_if_due(world.guild.id, world.alice.id) is None  # not due yet
    assert bot.scheduler.next_run(f"admin.forget:{world.guild.id}:{world.alice.id}") == retry_at
    clock.advance(timedelta(hours=1))
    await bot.scheduler.run_due()  # the retry job, and whatever else is due by now
    assert await pending_rows(bot) == []
    assert len(attempts) == 2
    assert [e.details["failed"] for e in await audit_rows(bot, "admin.forget.auto")] == [
        ["zz_flaky"],
        [],
    ]


async def test_rejoining_cancels_the_pending_forget(start_nexus: StartBot, world: World) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    bot = await start_nexus(clock=clock)
    await enable_forget_on_leave(bot, world, days=30)
    world.guild.remove_member(world.alice)

    async def pending() -> bool:
        return bool(await pending_rows(bot))

    await wait_for(pending)
    world.guild.add_member(world.alice)

    async def cancelled() -> bool:
        return not await pending_rows(bot)

    await wait_for(cancelled)
    assert f"admin.forget:{world.guild.id}:{world.alice.id}" not in bot.scheduler.job_ids()


# ---- /admin block, /admin unblock --------------------------------------------------------------


async def test_block_and_unblock_a_member_with_audit(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(
        sandbox,
        world,
        "/admin block",
        user=world.alice,
        feature="snippets",
        reason="spam @everyone",
    )
    assert reply.ephemeral
    assert "is now blocked from snippets" in reply.text
    assert "@everyone" not in reply.content.replace("@\u200beveryone", "")
    assert await block_rows(nexus) == [(world.guild.id, world.alice.id, "snippets")]
    assert await nexus.blocks.is_blocked(world.guild.id, world.alice.id, "snippets")
    again = await as_admin(sandbox, world, "/admin block", user=world.alice, feature="snippets")
    assert "already blocked from snippets. Nothing changed." in again.text
    unblocked = await as_admin(
        sandbox, world, "/admin unblock", user=world.alice, feature="snippets"
    )
    assert "can use snippets again" in unblocked.text
    assert await block_rows(nexus) == []
    not_blocked = await as_admin(
        sandbox, world, "/admin unblock", user=world.alice, feature="snippets"
    )
    assert "is not blocked from snippets" in not_blocked.text
    actions = [(e.action, e.target, e.details.get("feature")) for e in await audit_rows(nexus)]
    assert actions == [
        ("admin.block", str(world.alice.id), "snippets"),
        ("admin.unblock", str(world.alice.id), "snippets"),
    ]


def feature_of(bot: NexusBot, command: Any) -> str | None:
    """The feature a command belongs to: its cog's `feature`, or, for a context menu (not a cog
    method), the feature of the cog defined in the same package."""
    cog = getattr(command, "binding", None)
    if cog is None:
        package = command.callback.__module__.rsplit(".", 1)[0]
        cog = next(
            (c for c in bot.cogs.values() if type(c).__module__.startswith(package + ".")), None
        )
    feature = getattr(cog, "feature", None)
    if isinstance(cog, FeatureCog) and not cog.blockable(command.qualified_name):
        return None
    return feature if feature in {f.feature for f in bot.features} else None


@pytest.mark.slow
async def test_a_blocked_member_is_told_so_by_every_command_of_that_feature_only(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    walked = [
        (command, feature_of(nexus, command))
        for command in [*slash_commands(nexus), *context_menus(nexus)]
        if command_tier(command) is Tier.MEMBER
    ]
    features = sorted({feature for _, feature in walked if feature})
    assert features, "no feature cog is loaded"
    for feature in features:
        await as_admin(sandbox, world, "/admin block", user=world.alice, feature=feature)
        message = f"A moderator has blocked you from using {feature} in this server."
        for command, owner in walked:
            if owner is None:
                continue
            reply = await invoke_as(sandbox, world, command, world.alice)
            told = reply.ephemeral and reply.text.strip() == message
            assert told == (owner == feature), (command.name, owner, reply.text[:100])
        await as_admin(sandbox, world, "/admin unblock", user=world.alice, feature=feature)


# ---- /admin sync, /admin reload ------------------------------------------------------------------


async def test_sync_resends_the_commands(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(sandbox, world, "/admin sync")
    assert "Commands synced (1 scope)" in reply.text
    [entry] = await audit_rows(nexus, "admin.sync")
    assert entry.details == {"scopes": 1, "via": "discord"}


@pytest.fixture
def probe_extension(tmp_path: Path) -> Iterator[Path]:
    """A tiny extension package on sys.path, whose source a test can break."""
    package = tmp_path / "nexus_probe_ext"
    package.mkdir()
    (package / "__init__.py").write_text(PROBE_SOURCE.format(answer="first"))
    sys.path.insert(0, str(tmp_path))
    yield package
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("nexus_probe_ext")]:
        del sys.modules[name]


PROBE_SOURCE = textwrap.dedent(
    """
    from discord.ext import commands

    class Probe(commands.Cog):
        answer = "{answer}"

    async def setup(bot):
        await bot.add_cog(Probe())
    """
)


async def test_reload_swaps_in_new_code(
    nexus: NexusBot, sandbox: SandboxServer, world: World, probe_extension: Path
) -> None:
    await nexus.load_extension("nexus_probe_ext")
    (probe_extension / "__init__.py").write_text(PROBE_SOURCE.format(answer="second"))
    choices = await sandbox.autocomplete(
        "/admin reload", "extension", "probe", user=world.admin, guild=world.guild,
        channel=world.general,
    )  # fmt: skip
    assert [choice["value"] for choice in choices] == ["nexus_probe_ext"]
    reply = await as_admin(sandbox, world, "/admin reload", extension="nexus_probe_ext")
    assert "Reloaded `nexus_probe_ext`." in reply.text
    assert nexus.get_cog("Probe").answer == "second"  # type: ignore[union-attr]
    [entry] = await audit_rows(nexus, "admin.reload")
    assert entry.details == {"ok": True, "via": "discord"}


async def test_a_failed_reload_keeps_the_old_version_and_shows_the_error(
    nexus: NexusBot, sandbox: SandboxServer, world: World, probe_extension: Path
) -> None:
    await nexus.load_extension("nexus_probe_ext")
    (probe_extension / "__init__.py").write_text("def setup(:\n")
    reply = await as_admin(sandbox, world, "/admin reload", extension="nexus_probe_ext")
    assert reply.ephemeral
    assert "failed; the previous version is still running" in reply.text
    assert "SyntaxError" in reply.text
    assert "nexus_probe_ext" in nexus.extensions
    assert nexus.get_cog("Probe").answer == "first"  # type: ignore[union-attr]
    [entry] = await audit_rows(nexus, "admin.reload")
    assert entry.details["ok"] is False


async def test_reloading_an_unknown_extension_is_refused(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    before = await dump_database(nexus)
    reply = await as_admin(sandbox, world, "/admin reload", extension="cogs.nothing")
    assert "No extension called cogs.nothing is loaded, so nothing was reloaded." in reply.text
    assert "`cogs.admin`" in reply.text
    assert await dump_database(nexus) == before


async def test_admin_reloads_itself_and_keeps_working(
    nexus: NexusBot, sandbox: SandboxServer, world: World
) -> None:
    reply = await as_admin(sandbox, world, "/admin reload", extension="cogs.admin")
    assert "Reloaded `cogs.admin`." in reply.text
    shown = await as_admin(sandbox, world, "/admin config show")
    assert "Nexus settings" in shown.text


# ---- python -m bot check -----------------------------------------------------------------------


async def check_output(
    make_settings: Any, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], **overrides: Any
) -> tuple[int, str]:
    settings = make_settings(
        discord_token=overrides.pop("token", sandbox.bot_token),
        discord={"api_url": sandbox.api_url, "gateway_url": sandbox.gateway_url},
    )
    code = await run_check(settings)
    return code, capsys.readouterr().out


async def test_check_passes_when_everything_is_in_place(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 0, out
    assert f"OK    ProDev Nexus ({world.guild.id})" in out
    assert "1 of 1 configured server(s) in order." in out


async def test_check_reports_missing_channels_roles_and_permissions(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    world.guild.delete_channel(world.pairing)
    world.feedback.set_permissions(world.guild.bot_role, deny=SEND_MESSAGES)
    del world.guild.roles[world.triager_role.id]
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert f"FAIL  ProDev Nexus ({world.guild.id})" in out
    assert f"channels.pairing: channel {world.pairing.id} no longer exists" in out
    assert "channels.feedback: in #feedback the bot lacks Send Messages, Embed Links" in out
    assert f"roles.triager: role {world.triager_role.id} no longer exists" in out
    assert "channels.snippets" not in out


async def test_check_reports_a_server_the_bot_is_not_in(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    gone = 1_234_567_890_123_456_789
    await nexus.guild_settings.set(gone, "timezone", "Europe/Paris", actor_id=None)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert f"FAIL  {gone}\n      - the bot is not a member of this server" in out
    assert f"OK    ProDev Nexus ({world.guild.id})" in out
    assert "1 of 2 configured server(s) in order." in out


async def test_check_explains_a_bad_token(
    nexus: NexusBot, sandbox: SandboxServer, make_settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, out = await check_output(make_settings, sandbox, capsys, token="not-a-token")
    assert code == 1
    assert "Discord refused the token" in out
