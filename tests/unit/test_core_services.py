"""Core services on a real, migrated SQLite file: settings, audit, blocks, occurrence claims."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Mapped, mapped_column

from bot.audit import AuditService
from bot.clock import FrozenClock
from bot.command_sync import CommandSync
from bot.config import Settings
from bot.db import Base, Database, alembic_config, id_from_text
from bot.errors import UserFacingError
from bot.feature import feature_setting_specs
from bot.guild_settings import CORE_SPECS, GuildSettingsService, Source, parse_value
from bot.models import AuditEntry, BotState, GuildSetting, OccurrenceClaim
from bot.permissions import BlockService
from bot.scheduler import OccurrenceLedger

GUILD = 111_222_333_444_555_666
FEATURE_SPECS = feature_setting_specs(["cogs.snippets", "cogs.pairing", "cogs.run"])
SPECS_BY_KEY = {spec.key: spec for spec in (*CORE_SPECS, *FEATURE_SPECS)}


@pytest.mark.sqlite_only
async def test_sqlite_runs_in_wal_with_foreign_keys(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 5000


async def test_upgrade_reaches_every_head_and_twice_is_harmless(database: Database) -> None:
    await database.upgrade()
    async with database.engine.connect() as connection:
        applied = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    script = ScriptDirectory.from_config(alembic_config(database.url))
    assert {row[0] for row in applied} == set(script.get_heads())


async def test_timestamps_come_back_aware_utc(database: Database, settings: Settings) -> None:
    service = GuildSettingsService(database.sessions, settings)
    await service.set(GUILD, "timezone", "Europe/Berlin", actor_id=1)
    async with database.sessions() as session:
        row = await session.scalar(select(GuildSetting))
    assert row is not None
    assert row.updated_at.tzinfo is not None
    assert row.updated_at.utcoffset() == timedelta(0)


async def test_guild_settings_report_their_source(database: Database, make_settings: Any) -> None:
    settings = make_settings(snippets={"shares_per_minute": 9})
    service = GuildSettingsService(database.sessions, settings)
    service.register(FEATURE_SPECS)
    config = await service.get(GUILD)
    assert config.values["timezone"].source is Source.DEFAULT
    assert config.values["snippets.shares_per_minute"].source is Source.FILE
    assert config.get("snippets.shares_per_minute") == 9
    await service.set(GUILD, "channels.snippets", 1234, actor_id=7)
    config = await service.get(GUILD)
    assert config.channel_id("snippets") == 1234
    assert config.values["channels.snippets"].source is Source.DISCORD
    await service.set(GUILD, "channels.snippets", None, actor_id=7)
    assert (await service.get(GUILD)).channel_id("snippets") is None


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("channels.snippets", "<#123456789012345678>", 123456789012345678),
        ("roles.moderator", "<@&123456789012345678>", 123456789012345678),
        ("roles.moderator", "none", None),
        ("timezone", "America/Sao_Paulo", "America/Sao_Paulo"),
        ("privacy.forget_on_leave", "yes", True),
        ("privacy.forget_delay_days", "7", 7),
        ("snippets.on_forget", "Delete", "delete"),
        ("pairing.schedule", "0  9 * * 1", "0 9 * * 1"),
        (
            "run.channels",
            "<#123456789012345678>, 223456789012345678",
            [123456789012345678, 223456789012345678],
        ),
        ("run.channels", "<#123456789012345678> <#123456789012345678>", [123456789012345678]),
        ("run.channels", "anywhere", []),
    ],
)
def test_parse_value_accepts(key: str, raw: str, expected: object) -> None:
    assert parse_value(SPECS_BY_KEY[key], raw) == expected


@pytest.mark.parametrize(
    ("key", "raw", "says"),
    [
        ("channels.snippets", "general", "text channel"),
        ("timezone", "Mars/Base", "not a time zone"),
        ("privacy.forget_on_leave", "maybe", "true or false"),
        ("privacy.forget_delay_days", "-1", "at least 0"),
        ("privacy.forget_delay_days", "x", "whole number"),
        ("snippets.on_forget", "shred", "one of"),
        ("pairing.schedule", "every monday", "5 fields"),
        ("pairing.schedule", "61 9 * * 1", "not valid"),
        ("run.channels", "#general", "channel mentions or ids"),
        ("run.channels", " ".join(str(10**17 + n) for n in range(26)), "at most 25"),
    ],
)
def test_parse_value_refuses_clearly(key: str, raw: str, says: str) -> None:
    with pytest.raises(UserFacingError) as raised:
        parse_value(SPECS_BY_KEY[key], raw)
    assert says in raised.value.message


async def test_a_read_overtaken_by_a_write_does_not_keep_the_old_value(
    database: Database, settings: Settings
) -> None:
    """A read already out when a write commits (a write in place commits at once) may come
    back without it; the kept copy must still show the write."""
    for round_number, zone in enumerate(["Europe/Berlin", "Asia/Tokyo"] * 10):
        service = GuildSettingsService(database.sessions, settings)  # nothing kept yet
        reading = asyncio.create_task(service.get(GUILD))
        await asyncio.sleep(0)  # the read is out, on the driver's thread
        await service.set(GUILD, "timezone", zone, 1)
        await reading
        assert (await service.get(GUILD)).get("timezone") == zone, round_number


async def test_unknown_setting_is_refused(database: Database, settings: Settings) -> None:
    service = GuildSettingsService(database.sessions, settings)
    with pytest.raises(UserFacingError, match="no setting called"):
        await service.set(GUILD, "colour", "blue", actor_id=1)


async def test_audit_pages_newest_first_by_keyset(database: Database) -> None:
    audit = AuditService(database.sessions)
    for number in range(25):
        await audit.record(GUILD, 1 if number % 2 else 2, "test.action", f"target {number}")
    first = await audit.list(GUILD, limit=10)
    assert [r.target for r in first.records][:2] == ["target 24", "target 23"]
    second = await audit.list(GUILD, before_id=first.next_before_id, limit=10)
    third = await audit.list(GUILD, before_id=second.next_before_id, limit=10)
    assert len(third.records) == 5
    assert third.next_before_id is None
    only_actor_1 = await audit.list(GUILD, actor_id=1, limit=50)
    assert len(only_actor_1.records) == 12


async def test_blocks_are_per_feature(database: Database) -> None:
    blocks = BlockService(database.sessions)
    assert await blocks.block(GUILD, 5, "snippets", moderator_id=1)
    assert not await blocks.block(GUILD, 5, "snippets", moderator_id=1)
    assert await blocks.is_blocked(GUILD, 5, "snippets")
    assert not await blocks.is_blocked(GUILD, 5, "pairing")
    assert await blocks.unblock(GUILD, 5, "snippets")
    assert not await blocks.unblock(GUILD, 5, "snippets")
    assert not await BlockService(database.sessions).is_blocked(GUILD, 5, "snippets")


async def test_an_occurrence_is_claimed_exactly_once(database: Database) -> None:
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    ledger = OccurrenceLedger(database.sessions, FrozenClock(when + timedelta(seconds=2)))
    results = await asyncio.gather(*(ledger.claim("test", "42", when) for _ in range(20)))
    assert results.count(True) == 1
    await ledger.finish("test", "42", when, result="message 9")
    async with database.sessions() as session:
        claims = (await session.scalars(select(OccurrenceClaim))).all()
    assert len(claims) == 1
    assert claims[0].status == "done"
    assert claims[0].result == "message 9"
    assert claims[0].claimed_at == claims[0].finished_at == when + timedelta(seconds=2)
    assert await ledger.claim("test", "42", when + timedelta(days=1))
    assert await ledger.is_claimed("test", "42", when)
    assert not await ledger.is_claimed("test", "42", when + timedelta(days=2))


async def _claims(database: Database) -> list[tuple[str, str | None]]:
    async with database.sessions() as session:
        rows = (await session.scalars(select(OccurrenceClaim).order_by(OccurrenceClaim.id))).all()
    return [(row.status, row.result) for row in rows]


async def test_an_occurrence_body_records_how_it_ended(database: Database) -> None:
    """`async with ledger.occurrence(...)`: done, skipped, failed with what was known, released,
    and a second firing that is not let in."""
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    ledger = OccurrenceLedger(database.sessions, FrozenClock(when))
    async with ledger.occurrence("test", "done", when) as run:
        assert run.claimed
        run.result = "posted message 9"
    async with ledger.occurrence("test", "done", when) as again:
        assert not again.claimed
    async with ledger.occurrence("test", "skipped", when) as run:
        run.skip("too few members")
    with pytest.raises(RuntimeError):
        async with ledger.occurrence("test", "failed", when) as run:
            run.result = "round 4 stored; posting failed"
            raise RuntimeError("Discord is down")
    with pytest.raises(ValueError):
        async with ledger.occurrence("test", "refused", when) as run:
            run.release()
            raise ValueError("not a member")
    assert await _claims(database) == [
        ("done", "posted message 9"),
        ("skipped", "too few members"),
        ("failed", "round 4 stored; posting failed"),
    ]
    assert not await ledger.is_claimed("test", "refused", when)


async def test_timestamps_columns_fill_in_come_from_the_database_clock(settings: Settings) -> None:
    clock = FrozenClock(datetime(2033, 1, 2, 3, 4, 5, tzinfo=UTC))
    database = Database(settings.database, clock)
    await database.upgrade()
    try:
        await AuditService(database.sessions).record(GUILD, 1, "test.action", "target")
        clock.advance(timedelta(days=1))
        await GuildSettingsService(database.sessions, settings).set(GUILD, "timezone", "UTC", 1)
        async with database.sessions() as session:
            entry = await session.scalar(select(AuditEntry))
            setting = await session.get(GuildSetting, (GUILD, "timezone"))
    finally:
        await database.close()
    assert entry is not None and entry.created_at == datetime(2033, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert setting is not None and setting.updated_at == clock.now()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("42", 42),
        (" #42 ", 42),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("99999999999999999999", None),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("٣", None),
        ("4 2", None),
        ("", None),
    ],
)
def test_an_id_from_text_is_one_the_database_can_hold(typed: str, expected: int | None) -> None:
    assert id_from_text(typed) == expected


async def test_settings_listeners_hear_each_change_and_a_failing_one_refuses_nothing(
    database: Database, settings: Settings
) -> None:
    service = GuildSettingsService(database.sessions, settings)
    heard: list[tuple[int, frozenset[str]]] = []

    async def listener(guild_id: int, keys: frozenset[str]) -> None:
        heard.append((guild_id, keys))

    async def broken(guild_id: int, keys: frozenset[str]) -> None:
        raise RuntimeError("listener bug")

    stop = service.on_change(listener)
    service.on_change(broken)
    await service.set_many(GUILD, {"timezone": "Asia/Tokyo", "roles.moderator": 5}, actor_id=1)
    await service.set(GUILD, " privacy.forget_on_leave ", True, actor_id=1)
    assert heard == [
        (GUILD, frozenset({"timezone", "roles.moderator"})),
        (GUILD, frozenset({"privacy.forget_on_leave"})),
    ]
    assert (await service.get(GUILD)).get("privacy.forget_on_leave") is True
    stop()
    await service.set(GUILD, "timezone", None, actor_id=1)
    assert len(heard) == 2


async def test_a_features_settings_exist_while_it_is_registered(
    database: Database, settings: Settings
) -> None:
    service = GuildSettingsService(database.sessions, settings)
    with pytest.raises(UserFacingError, match=r"no setting called `pairing\.schedule`"):
        await service.set(GUILD, "pairing.schedule", "0 9 * * 1", actor_id=1)
    service.register(FEATURE_SPECS)
    await service.set(GUILD, "pairing.schedule", "0 9 * * 1", actor_id=1)
    assert (await service.get(GUILD)).get("pairing.schedule") == "0 9 * * 1"
    keys = [spec.key for spec in service.specs()]
    assert keys == sorted(keys)
    service.unregister(FEATURE_SPECS)
    assert "pairing.schedule" not in (await service.get(GUILD)).values


def test_a_table_class_defined_again_replaces_itself_whenever_the_old_one_was_collected() -> None:
    """discord.py re-executes an extension's models on reload (and on every bot start in one
    process); the same class defined again must take over its table even after the garbage
    collector took the old class, while another class reusing the name still fails."""

    def define() -> type:
        class ReloadProbe(Base):
            __tablename__ = "test_reload_probe"
            id: Mapped[int] = mapped_column(primary_key=True)

        return ReloadProbe

    try:
        first = define()
        del first
        gc.collect()
        second = define()
        assert Base.metadata.tables["test_reload_probe"] is second.__table__  # type: ignore[attr-defined]
        with pytest.raises(InvalidRequestError, match="already defined"):

            class Impostor(Base):
                __tablename__ = "test_reload_probe"
                id: Mapped[int] = mapped_column(primary_key=True)

    finally:
        Base.metadata.remove(Base.metadata.tables["test_reload_probe"])


async def test_processes_storing_the_same_sync_hash_at_once_both_succeed(
    database: Database,
) -> None:
    # Shards start together and sync together: both record the command tree's hash.
    syncs = [CommandSync(None, database.sessions, ()) for _ in range(4)]  # type: ignore[arg-type]
    await asyncio.gather(
        *(sync._set_state("command_hash:1:global", f"digest-{n}") for n, sync in enumerate(syncs))
    )
    async with database.sessions() as session:
        stored = select(BotState.value).where(BotState.key == "command_hash:1:global")
        values = (await session.scalars(stored)).all()
    assert len(values) == 1 and values[0].startswith("digest-")
