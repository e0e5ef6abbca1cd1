"""The feature packages under `cogs/`, found by name: adding a folder adds a feature.

bot/ never imports a cog in code. The bot loads each package as an extension; the migrations
environment imports each one's `models` to see every table, and the configuration each one's
`settings` to validate its section of the file.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import pkgutil
from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from types import ModuleType

EXTENSIONS_PACKAGE = "cogs"


def feature_packages(package: str = EXTENSIONS_PACKAGE) -> list[str]:
    """Every subpackage of `cogs` (`cogs.snippets` …), sorted; none when `cogs` is not there.

    The `alembic` command line may run where `cogs` cannot be imported; it then sees the core's
    tables only.
    """
    try:
        root = importlib.import_module(package)
    except ModuleNotFoundError as error:
        if error.name != package:
            raise
        return []
    return [
        f"{package}.{module.name}"
        for module in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name)
        if module.ispkg and not module.name.startswith("_")
    ]


def feature_modules(part: str) -> list[ModuleType]:
    """Every feature's `part` module (`models`, `settings`) that exists, imported by name."""
    found = []
    for package in feature_packages():
        name = f"{package}.{part}"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found


def discover_extensions() -> list[str]:
    """Every feature package that defines `setup`: the discord.py extensions the bot loads."""
    return [name for name in feature_packages() if hasattr(importlib.import_module(name), "setup")]


async def close_keeping_modules(bot: commands.Bot) -> None:
    """Close `bot` as discord.py does, but leave its extensions' modules imported.

    discord.py's `Bot.close` unloads every extension, which drops each feature's modules from
    `sys.modules`: the next bot started in the same process (a restart in a test, a
    `python -m bot` that embeds several) then executes them all again — the tables' classes,
    the records' dataclasses — which was about half of an end-to-end test's CPU. Removing
    the cogs still runs each one's `cog_unload`; no feature has a module `teardown`.
    """
    for name in tuple(bot.cogs):
        with contextlib.suppress(Exception):
            await bot.remove_cog(name)
    # The class after discord.py's BotBase in the bot's MRO: Client (or AutoShardedClient).
    await super(commands.bot.BotBase, bot).close()
