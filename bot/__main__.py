"""`python -m bot …`: run the bot, try it offline, manage the database, check a deployment."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot import __version__, start_gc

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from bot.app import NexusBot
    from bot.config import Settings

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

NO_TOKEN_HELP = """\
Nexus needs a Discord bot token to connect to Discord, and DISCORD_TOKEN is not set.

  1. Open https://discord.com/developers/applications, create an application, open "Bot",
     press "Reset Token" and copy it. Under "Privileged Gateway Intents" enable SERVER MEMBERS.
  2. Invite the bot with the "bot" and "applications.commands" scopes.
  3. Run:  DISCORD_TOKEN=<your token> scripts/run

No Discord account at hand? Try Nexus offline against its built-in sandbox:
  scripts/run sandbox        (or: python -m bot sandbox --web: a prompt and a page)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Nexus, the #ProDevProjectNexus Discord bot.",
    )
    parser.add_argument("--version", action="version", version=f"Nexus {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML configuration (default: $NEXUS_CONFIG or data/config.yaml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="connect to Discord and serve (needs DISCORD_TOKEN)")
    sandbox = commands.add_parser(
        "sandbox", help="try Nexus offline: a local Discord-compatible server and a prompt"
    )
    sandbox.add_argument("--port", type=int, default=0, help="sandbox server port (default: any)")
    sandbox.add_argument(
        "--database",
        default="sqlite+aiosqlite:///data/sandbox.db",
        help="database URL for the sandbox run (default: data/sandbox.db)",
    )
    sandbox.add_argument(
        "--web",
        action="store_true",
        help="also open the playground: the sandbox guild in a browser, on 127.0.0.1",
    )
    sandbox.add_argument(
        "--web-port", type=int, default=0, help="playground port (default: any free one)"
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply every pending migration")
    copy = db_commands.add_parser(
        "copy", help="copy every row into another (empty) database, e.g. PostgreSQL"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql+asyncpg://…")
    backup = db_commands.add_parser(
        "backup", help="write a consistent, checked backup file while the bot runs"
    )
    backup.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="the new file (default: a timestamped file in backup.directory, data/backups/)",
    )
    restore = db_commands.add_parser(
        "restore", help="restore a backup file into the configured (empty) database"
    )
    restore.add_argument("path", metavar="PATH", help="a file written by `db backup`")
    commands.add_parser(
        "check", help="log in and report missing channels, roles and permissions, then exit"
    )
    return parser


def _load(path: str | None) -> Settings:
    from pathlib import Path

    from bot.config import load_settings

    return load_settings(Path(path) if path else None)


def main(argv: Sequence[str] | None = None) -> int:
    # Before the configuration's imports: a start's objects outlive it (bot/start_gc.py).
    start_gc.pause()
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if command != "run":
        start_gc.resume()
    from bot.config import ConfigError

    try:
        settings = _load(args.config)
    except ConfigError as error:
        print(f"nexus: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from bot.logs import configure_logging

    configure_logging(settings.log.level, settings.log.format)
    if command == "run":
        return run(settings)
    if command == "sandbox":
        from bot.sandbox_run import run_sandbox

        web_port = args.web_port if args.web else None
        return asyncio.run(
            run_sandbox(settings, port=args.port, database_url=args.database, web_port=web_port)
        )
    if command == "db" and args.db_command == "upgrade":
        from bot.db import run_upgrade_blocking

        run_upgrade_blocking(settings.database)
        print("database is up to date")
        return EXIT_OK
    if command == "db" and args.db_command == "copy":
        return asyncio.run(copy_to(settings, args.to))
    if command == "db" and args.db_command == "backup":
        return asyncio.run(backup_to(settings, args.path))
    if command == "db" and args.db_command == "restore":
        from pathlib import Path

        return asyncio.run(restore_from(settings, Path(args.path)))
    if command == "check":
        from bot.preflight import run_check

        return asyncio.run(run_check(settings))
    build_parser().print_help()
    return EXIT_FAILURE


async def copy_to(settings: Settings, url: str) -> int:
    from bot.config import DatabaseSettings
    from bot.dbcopy import CopyError, copy_database

    try:
        target = DatabaseSettings(url=url)
    except ValueError:
        print(f"nexus: {url!r} is not a database URL Nexus supports", file=sys.stderr)
        return EXIT_CONFIG
    try:
        report = await copy_database(settings.database, target.url)
    except CopyError as error:
        print(f"nexus: cannot copy: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"copied {report.total} rows in {len(report.rows_by_table)} tables")
    return EXIT_OK


async def backup_to(settings: Settings, path: str | None) -> int:
    from pathlib import Path

    from bot.backup import BackupError, backup_database, backup_file_name
    from bot.clock import SystemClock
    from bot.formatters import describe_size

    if path is None:
        target = settings.backup.directory / backup_file_name(SystemClock().now())
    else:
        target = Path(path)
    try:
        report = await backup_database(settings.database, target)
    except BackupError as error:
        print(f"nexus: cannot back up: {error}", file=sys.stderr)
        return EXIT_FAILURE
    contents = report.contents
    print(f"backup written to {report.path}")
    print(
        f"  {describe_size(contents.size_bytes)}, {len(contents.rows_by_table)} tables, "
        f"{contents.total_rows:,} rows, {report.seconds:.2f} s; integrity check ok"
    )
    return EXIT_OK


async def restore_from(settings: Settings, path: Path) -> int:
    from bot.restore import RestoreError, restore_database

    try:
        report = await restore_database(path, settings.database)
    except RestoreError as error:
        print(f"nexus: cannot restore: {error}", file=sys.stderr)
        return EXIT_FAILURE
    copied = report.copied
    print(
        f"restored {copied.total:,} rows in {len(copied.rows_by_table)} tables from {path}; "
        "search indexes rebuilt"
    )
    return EXIT_OK


async def _settle_when_ready(bot: NexusBot) -> None:
    # A start that cannot reach Discord (an outage, retried with backoff) must not go on
    # without a collector for long.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bot.wait_until_ready(), start_gc.LONGEST_PAUSE_SECONDS)
    start_gc.settle()


def run(settings: Settings) -> int:
    if settings.discord_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return EXIT_FAILURE
    from bot.heap import limit_malloc_arenas, map_big_blocks

    limit_malloc_arenas(settings.memory.malloc_arenas)
    map_big_blocks(settings.memory.malloc_mmap_threshold_kb)
    return asyncio.run(serve(settings, settings.discord_token.get_secret_value()))


async def serve(settings: Settings, token: str) -> int:
    """Run until Discord closes us or SIGTERM/SIGINT arrives; then shut down gracefully."""
    import discord

    from bot.app import create_bot
    from bot.heap import freeze_start_up
    from bot.schema_upgrade import SchemaUpgradeFailed, upgrade_in_child

    bot = create_bot(settings)
    bot.db.upgrade_elsewhere = upgrade_in_child  # Alembic never loads into the bot's process
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with bot:
        running = asyncio.create_task(bot.start(token), name="nexus-bot")
        freezing = asyncio.create_task(
            freeze_start_up(bot.wait_until_ready, bot.web_serving), name="nexus-freeze"
        )
        stopping = asyncio.create_task(stop.wait(), name="nexus-stop")
        settling = asyncio.create_task(_settle_when_ready(bot), name="nexus-gc-settle")
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        settling.cancel()
        if stopping.done():
            log.info("signal received: finishing interactions in flight, then closing")
            await bot.close()
        stopping.cancel()
        freezing.cancel()
        try:
            await running
        except discord.LoginFailure:
            print(
                "nexus: Discord refused the token (401 Unauthorized). Check DISCORD_TOKEN: "
                "copy it again from the Developer Portal's Bot page.",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        except discord.PrivilegedIntentsRequired:
            print(
                "nexus: Discord refused the SERVER MEMBERS intent. Enable it on the Developer "
                "Portal's Bot page, under Privileged Gateway Intents.",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        except (OSError, discord.GatewayNotFound, discord.ConnectionClosed) as error:
            print(f"nexus: cannot reach Discord: {error}", file=sys.stderr)
            return EXIT_FAILURE
        except SchemaUpgradeFailed as error:
            print(f"nexus: cannot upgrade the database schema: {error}", file=sys.stderr)
            return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
