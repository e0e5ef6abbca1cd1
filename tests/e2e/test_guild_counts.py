"""The counts /admin stats shows are the database's own (`guild_counts`, kept by triggers): after
commands, buttons, a forget, bulk statements, `db copy` and a migration's backfill they equal
`count(*)` over the rows they count."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from sqlalchemy import delete, insert, text, update

from bot.count_triggers import TABLE, Counted
from bot.db import alembic_config
from bot.dbcopy import copy_database
from cogs.announcements.models import Announcement
from cogs.snippets.models import Snippet
from tests.e2e.conftest import World

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.app import NexusBot
    from bot.db import Database
    from bot.sandbox import SandboxServer

VERSIONS = Path(__file__).resolve().parents[2] / "bot" / "migrations" / "versions"
OTHER_GUILD = 4242
# Each revision that starts counting, and the one before it on its branch.
COUNTING = {
    "0004_core": "0003_core",
    "snippets_0006": "snippets_0005",
    "feedback_0007": "feedback_0006",
    "pairing_0004": "pairing_0003",
    "announcements_0003": "announcements_0002",
    "run_0002": "run_0001",
    "admin_0002": "admin_0001",
}


def everything_counted() -> list[Counted]:
    """The counters every revision declares, read from the scripts themselves."""
    counted: list[Counted] = []
    for script in sorted(VERSIONS.glob("*_guild_counts.py")):
        spec = importlib.util.spec_from_file_location(script.stem, script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        counted += module.COUNTED
    return counted


async def kept_and_recounted(engine: AsyncEngine) -> tuple[dict[Any, int], dict[Any, int]]:
    kept: dict[Any, int] = {}
    recounted: dict[Any, int] = {}
    async with engine.connect() as connection:
        for guild_id, name, value in await connection.execute(text(f"SELECT * FROM {TABLE}")):
            if value:
                kept[(guild_id, name)] = value
        for counted in everything_counted():
            rows = await connection.execute(
                text(
                    f"SELECT guild_id, {counted.name_of(counted.table)} AS name, count(*)"
                    f" FROM {counted.table} GROUP BY 1, 2"
                )
            )
            for guild_id, name, value in rows:
                if name is not None:
                    recounted[(guild_id, name)] = value
    return kept, recounted


async def assert_counts_exact(engine: AsyncEngine) -> dict[Any, int]:
    kept, recounted = await kept_and_recounted(engine)
    assert kept == recounted
    return kept


async def invoke(
    sandbox: SandboxServer, world: World, path: str, actor: Any, **options: Any
) -> Any:
    # Options go as a dict: /admin forget has an option named `user`, like invoke's own keyword.
    return await sandbox.invoke(
        path, user=actor, guild=world.guild, channel=world.general, options=options
    )


async def busy_guild(sandbox: SandboxServer, world: World, nexus: NexusBot) -> None:
    """Members and moderators doing what changes the counted rows."""
    ids = []
    for user, title in ((world.alice, "One"), (world.alice, "Two"), (world.bob, "Three")):
        await invoke(sandbox, world, "/snippet share", user, title=title, code="print(1)")
    async with nexus.db.engine.connect() as connection:
        ids = list(
            (await connection.execute(text("SELECT id FROM snippets ORDER BY id"))).scalars()
        )
    await invoke(sandbox, world, "/snippet star", world.bob, id=ids[0])
    await invoke(sandbox, world, "/snippet star", world.carol, id=ids[0])
    await invoke(sandbox, world, "/snippet star", world.carol, id=ids[0])  # taken back
    await invoke(sandbox, world, "/snippet star", world.alice, id=ids[2])
    for user in (world.alice, world.bob):
        await invoke(
            sandbox, world, "/pair join", user, level="beginner", timezone="Europe/Berlin",
            topics="python",
        )  # fmt: skip
    await invoke(sandbox, world, "/pair leave", world.bob)
    for title in ("Jobs list times out", "Wrong status code on create"):
        await invoke(
            sandbox, world, "/feedback log", world.carol, endpoint="GET /api/jobs",
            severity="bug", title=title, details="Call it twice.",
        )  # fmt: skip
    await invoke(sandbox, world, "/feedback status", world.triager, id="FB-1", status="resolved")
    await invoke(
        sandbox, world, "/announce create", world.admin, channel=world.announcements,
        when="in 2 days", message="Demo day",
    )  # fmt: skip
    await nexus.blocks.block(world.guild.id, world.carol.id, "snippets", world.mod.id)


async def test_counts_follow_commands_forgets_and_bulk_statements(
    sandbox: SandboxServer, world: World, nexus: NexusBot, tmp_path: Path
) -> None:
    await busy_guild(sandbox, world, nexus)
    kept = await assert_counts_exact(nexus.db.engine)
    guild = world.guild.id
    assert kept[(guild, "snippets")] == 3
    assert kept[(guild, "snippet_stars")] == 2
    assert kept[(guild, "pair_profiles.active")] == 1
    assert kept[(guild, "feedback_items.open")] == 1
    assert kept[(guild, "feedback_items.resolved")] == 1

    await nexus.guild_settings.set(guild, "snippets.on_forget", "delete", actor_id=None)
    reply = await invoke(sandbox, world, "/admin forget", world.admin, user=world.bob)
    await reply.click("Forget", user=world.admin)
    await reply.followups(1)
    # An import, a moderator's cleanup and a status changed in bulk: statements, not the ORM.
    async with nexus.db.engine.begin() as connection:
        await connection.execute(
            insert(Snippet),
            [
                {"guild_id": g, "author_id": 7, "title": f"t{n}", "language": "python",
                 "code": "x", "tags": ""}
                for n in range(40) for g in (guild, OTHER_GUILD)
            ],
        )  # fmt: skip
        await connection.execute(
            delete(Snippet).where(Snippet.guild_id == OTHER_GUILD, Snippet.id % 3 == 0)
        )
        await connection.execute(update(Announcement).values(status="paused"))
    kept = await assert_counts_exact(nexus.db.engine)
    assert kept[(guild, "snippets")] == 2 + 40
    assert (guild, "pair_profiles.active") in kept

    reply = await invoke(sandbox, world, "/admin stats", world.admin)
    fields = {f["name"]: f["value"] for f in reply.embed["fields"]}
    assert "snippets: **42**" in fields["snippets"]
    assert "paused announcements: **1**" in fields["announcements"]

    copied = tmp_path / "copy.db"
    await copy_database(nexus.settings.database, f"sqlite+aiosqlite:///{copied}")
    from bot.config import DatabaseSettings
    from bot.db import Database as Opened

    target = Opened(DatabaseSettings(url=f"sqlite+aiosqlite:///{copied}"))
    try:
        assert await assert_counts_exact(target.engine) == kept
    finally:
        await target.close()


async def test_the_migrations_count_the_rows_already_there(database: Database) -> None:
    def downgrade(connection: Any) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        for before in COUNTING.values():
            command.downgrade(config, before)

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
        await connection.execute(
            insert(Snippet),
            [{"guild_id": 1 + n % 2, "title": "t", "language": "go", "code": "x", "tags": ""}
             for n in range(25)],
        )  # fmt: skip
        await connection.execute(
            text(
                "INSERT INTO audit_log (guild_id, actor_id, action, target, details, created_at)"
                " VALUES (1, NULL, 'x', NULL, '{}', '2026-12-07 00:00:00')"
            )
        )
    await database.upgrade(check_every_script=True)
    kept = await assert_counts_exact(database.engine)
    assert (kept[(1, "snippets")], kept[(2, "snippets")], kept[(1, "audit_log")]) == (13, 12, 1)
