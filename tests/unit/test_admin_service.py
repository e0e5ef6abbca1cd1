"""The admin services on a real, migrated SQLite file: export, forget, stats, pending forgets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, select

from bot.audit import AuditService
from bot.config import Settings
from bot.db import Database
from bot.formatters import format_duration
from bot.guild_settings import GuildSettingsService, Source, channel_spec
from bot.guild_stats import StatsService
from bot.models import FeatureBlock, GuildSetting
from bot.permissions import BlockService
from cogs.admin.audit_actions import AuditActions
from cogs.admin.export import EXPORT_SCHEMA, EXPORT_VERSION, ExportService, guild_tables, json_safe
from cogs.admin.forget import ForgetService
from cogs.admin.models import PendingForget
from cogs.admin.pending_forgets import PendingForgets
from cogs.admin.render import format_bytes, settings_report
from cogs.admin.rules import NothingToForget
from tests.probe_feature import probe_feature

GUILD = 900_000_000_000_000_001
OTHER_GUILD = 900_000_000_000_000_002
ALICE = 700_000_000_000_000_001
BOB = 700_000_000_000_000_002
MOD = 700_000_000_000_000_009
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def seed(database: Database, settings: Settings) -> None:
    """A little of everything the core stores, in two guilds, about two members."""
    guild_settings = GuildSettingsService(database.sessions, settings)
    guild_settings.register([channel_spec("snippets", "where shared snippets are posted")])
    await guild_settings.set_many(GUILD, {"timezone": "Europe/Berlin"}, actor_id=ALICE)
    await guild_settings.set_many(GUILD, {"channels.snippets": 123456789012345678}, actor_id=MOD)
    await guild_settings.set_many(OTHER_GUILD, {"timezone": "Asia/Tokyo"}, actor_id=ALICE)
    blocks = BlockService(database.sessions)
    await blocks.block(GUILD, ALICE, "snippets", MOD, "spam")
    await blocks.block(GUILD, BOB, "pairing", MOD)
    await blocks.block(OTHER_GUILD, ALICE, "snippets", MOD)
    audit = AuditService(database.sessions)
    await audit.record(GUILD, MOD, "admin.block", str(ALICE), {"feature": "snippets"})
    await audit.record(OTHER_GUILD, MOD, "admin.block", str(ALICE), {"feature": "snippets"})


async def rows_of(database: Database, table: Table, guild_id: int) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        result = await session.execute(select(table).where(table.c.guild_id == guild_id))
        return [dict(row) for row in result.mappings()]


def test_settings_report_lists_every_setting_with_its_source(settings: Settings) -> None:
    from bot.guild_settings import CORE_SPECS, GuildConfig, SettingValue

    specs = [*CORE_SPECS, channel_spec("snippets", "where shared snippets are posted")]
    values = {spec.key: SettingValue(spec, spec.default, Source.DEFAULT) for spec in specs}
    values["channels.snippets"] = SettingValue(values["channels.snippets"].spec, 42, Source.DISCORD)
    lines = settings_report(GuildConfig(GUILD, values))
    assert [line.key for line in lines] == [spec.key for spec in specs]
    snippets = next(line for line in lines if line.key == "channels.snippets")
    assert snippets.shown_value == "<#42>"
    assert snippets.source is Source.DISCORD
    assert next(line for line in lines if line.key == "roles.moderator").shown_value == "not set"
    assert (
        next(line for line in lines if line.key == "privacy.forget_on_leave").shown_value == "off"
    )


async def test_export_holds_exactly_this_guilds_rows_of_every_table(
    database: Database, settings: Settings
) -> None:
    await seed(database, settings)
    await PendingForgets(database.sessions).schedule(GUILD, BOB, NOW, timedelta(days=3))
    export = await ExportService(database.sessions).export_guild(GUILD, NOW, "1.2.3")
    document = json.loads(export.data)
    assert document["schema"] == EXPORT_SCHEMA
    assert document["version"] == EXPORT_VERSION
    assert document["guild_id"] == str(GUILD)
    assert document["exported_at"] == NOW.isoformat()
    tables = guild_tables()
    assert set(document["tables"]) == {table.name for table in tables}
    for table in tables:
        exported = document["tables"][table.name]
        assert exported["columns"] == [column.name for column in table.columns]
        stored = await rows_of(database, table, GUILD)
        assert len(exported["rows"]) == len(stored) == export.table_rows[table.name]
        expected = [
            {name: json_safe(row[name], wide_int=_wide(table, name)) for name in row}
            for row in stored
        ]
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(exported["rows"], key=key) == sorted(expected, key=key)
    # Spot checks, row by row, with the values a reader sees.
    blocks = document["tables"]["feature_blocks"]["rows"]
    assert {(row["user_id"], row["feature"]) for row in blocks} == {
        (str(ALICE), "snippets"),
        (str(BOB), "pairing"),
    }
    assert all(
        row["guild_id"] == str(GUILD) for t in document["tables"].values() for row in t["rows"]
    )
    pending = document["tables"]["admin_pending_forgets"]["rows"]
    assert pending[0]["due_at"] == (NOW + timedelta(days=3)).isoformat()


def _wide(table: Table, column: str) -> bool:
    from sqlalchemy import BigInteger

    return isinstance(table.c[column].type, BigInteger)


async def test_export_of_a_guild_without_data_has_empty_tables(database: Database) -> None:
    export = await ExportService(database.sessions).export_guild(GUILD, NOW, "1")
    document = json.loads(export.data)
    assert export.total_rows == 0
    assert all(table["rows"] == [] for table in document["tables"].values())


def test_json_safe_values() -> None:
    assert json_safe(2**62, wide_int=True) == str(2**62)
    assert json_safe(5) == 5
    assert json_safe(float("nan")) == "nan"
    assert json_safe(b"\x00\x01") == "AAE="
    assert json_safe({"a": [NOW, {1, 2} and 3]}) == {"a": [NOW.isoformat(), 3]}
    assert json_safe(timedelta(minutes=1)) == 60.0


async def test_forget_runs_every_feature_hook_and_removes_core_rows(
    database: Database, settings: Settings
) -> None:
    await seed(database, settings)
    await PendingForgets(database.sessions).schedule(GUILD, ALICE, NOW, timedelta(days=1))
    seen: list[tuple[int, int]] = []

    async def snippets_forget(guild_id: int, user_id: int) -> dict[str, int]:
        seen.append((guild_id, user_id))
        return {"snippets anonymised": 3, "stars removed": 0}

    features = [probe_feature("snippets", forget=snippets_forget), probe_feature("feedback")]
    outcome = await ForgetService(database.sessions).forget_member(GUILD, ALICE, features)
    assert seen == [(GUILD, ALICE)]
    assert outcome.removed == {
        "snippets: snippets anonymised": 3,
        "core: feature blocks removed": 1,
        "core: pending automatic forget removed": 1,
        "core: settings changes anonymised": 1,
    }
    assert outcome.failed == ()
    async with database.sessions() as session:
        blocks = (await session.execute(select(FeatureBlock.guild_id, FeatureBlock.user_id))).all()
        pending = (await session.scalars(select(PendingForget))).all()
        editors = (
            await session.execute(
                select(GuildSetting.guild_id, GuildSetting.key, GuildSetting.updated_by)
            )
        ).all()
    # Bob's block and Alice's block in the other guild stay.
    assert sorted(blocks) == sorted([(GUILD, BOB), (OTHER_GUILD, ALICE)])
    assert pending == []
    assert sorted(editors) == sorted(
        [
            (GUILD, "timezone", None),
            (GUILD, "channels.snippets", MOD),
            (OTHER_GUILD, "timezone", ALICE),
        ]
    )


async def test_forgetting_someone_without_data_changes_nothing(
    database: Database, settings: Settings
) -> None:
    await seed(database, settings)

    async def nothing(guild_id: int, user_id: int) -> dict[str, int]:
        return {"pair profiles deleted": 0}

    with pytest.raises(NothingToForget, match="nothing to forget"):
        await ForgetService(database.sessions).forget_member(
            GUILD, 123, [probe_feature("pairing", forget=nothing)]
        )
    assert len(await rows_of(database, FeatureBlock.__table__, GUILD)) == 2  # type: ignore[arg-type]


async def test_a_failing_feature_does_not_stop_the_others(database: Database) -> None:
    async def broken(guild_id: int, user_id: int) -> dict[str, int]:
        raise RuntimeError("database on fire")

    async def works(guild_id: int, user_id: int) -> dict[str, int]:
        return {"pair profiles deleted": 1}

    outcome = await ForgetService(database.sessions).forget_member(
        GUILD,
        ALICE,
        [probe_feature("feedback", forget=broken), probe_feature("pairing", forget=works)],
    )
    assert outcome.failed == ("feedback",)
    assert outcome.removed == {"pairing: pair profiles deleted": 1}


async def test_stats_gathers_every_feature_and_core_counts(
    database: Database, settings: Settings
) -> None:
    await seed(database, settings)

    async def snippet_stats(guild_id: int) -> dict[str, int]:
        return {"snippets": 12 if guild_id == GUILD else 0, "stars": 30}

    async def broken(guild_id: int) -> dict[str, int]:
        raise RuntimeError("no")

    counter = StatsService(database.sessions)
    stop = counter.count_also(PendingForgets(database.sessions).counts)
    report = await counter.stats(
        GUILD,
        [probe_feature("snippets", stats=snippet_stats), probe_feature("pairing", stats=broken)],
    )
    assert report.features == {"snippets": {"snippets": 12, "stars": 30}}
    assert report.failed == ("pairing",)
    assert report.core == {"audit entries": 1, "feature blocks": 2, "pending forgets": 0}
    stop()
    assert "pending forgets" not in (await counter.stats(GUILD, [])).core


async def test_pending_forget_is_replaced_then_cancelled(database: Database) -> None:
    pending = PendingForgets(database.sessions)
    await pending.schedule(GUILD, ALICE, NOW, timedelta(days=30))
    due = await pending.schedule(GUILD, ALICE, NOW + timedelta(days=1), timedelta(days=30))
    assert due == NOW + timedelta(days=31)
    plans = await pending.plans()
    assert [(p.guild_id, p.user_id, p.due_at) for p in plans] == [(GUILD, ALICE, due)]
    assert await pending.cancel(GUILD, ALICE) is True
    assert await pending.cancel(GUILD, ALICE) is False
    assert await pending.plans() == []


async def test_audit_actions_are_distinct_and_filtered(database: Database) -> None:
    audit = AuditService(database.sessions)
    for action in ("admin.block", "admin.block", "admin.unblock", "feedback.status"):
        await audit.record(GUILD, MOD, action)
    await audit.record(OTHER_GUILD, MOD, "announce.create")
    actions = AuditActions(database.sessions)
    assert await actions.matching(GUILD, "") == [
        "admin.block",
        "admin.unblock",
        "feedback.status",
    ]
    assert await actions.matching(GUILD, "BLOCK") == ["admin.block", "admin.unblock"]
    assert await actions.matching(GUILD, "%") == []


def test_durations_and_sizes_read_well() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(93_784) == "1d 2h 3m"
    assert format_bytes(None) == "unknown"
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 1024 * 1024) == "3.0 MB"


async def test_a_hanging_feature_is_reported_not_waited_for(database: Database) -> None:
    import asyncio

    async def hangs(guild_id: int, user_id: int) -> dict[str, int]:
        await asyncio.sleep(60)
        return {}

    async def hangs_too(guild_id: int) -> dict[str, int]:
        await asyncio.sleep(60)
        return {}

    # The timeout is injected: patching the module global would miss when an e2e test has
    # reloaded the extension (new cogs.admin modules) and cost 2 × 30 s.
    forgetter = ForgetService(database.sessions, feature_timeout_seconds=0.05)
    outcome = await forgetter.forget_member(GUILD, ALICE, [probe_feature("pairing", forget=hangs)])
    assert outcome.failed == ("pairing",)
    counter = StatsService(database.sessions, feature_timeout_seconds=0.05)
    report = await counter.stats(GUILD, [probe_feature("pairing", stats=hangs_too)])
    assert report.failed == ("pairing",)
