"""NexusBot: the runtime every feature plugs into.

`setup_hook` upgrades the database schema, starts the scheduler and the
web server, loads every extension under `cogs/` (found, not listed) and syncs the command tree
only when it changed since the last sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot import __version__, dates
from bot.after_ready import serve_web
from bot.audit import AuditService
from bot.backup_schedule import ScheduledBackups
from bot.clock import Clock, SystemClock
from bot.command_sync import CommandSync
from bot.db import Database
from bot.errors import ShuttingDown, TierRequired, UserFacingError, handle_app_command_error
from bot.extensions import close_keeping_modules, discover_extensions
from bot.feature import FeatureCog, feature_intents
from bot.fetch import Fetcher
from bot.guild_settings import GuildSettingsService
from bot.guild_stats import StatsService
from bot.health import DatabaseHealth, DatabaseProbe
from bot.metrics import Metrics
from bot.permissions import BlockService
from bot.runner.factory import DisabledRunner, build_runner, limits_from
from bot.scheduler import OccurrenceLedger, Scheduler
from bot.translator import LocaleFiles
from bot.web.listener import bind_listener
from bot.worker_pool import WorkerPool

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable, Sequence

    from bot.config import Settings
    from bot.runner.records import CodeRunner
    from bot.web.server import WebServer

log = logging.getLogger(__name__)
# How long closing waits for the code runner's start (a trial jail takes a few ms).
RUNNER_START_GRACE_SECONDS = 2.0
R = TypeVar("R")

# Tasks discord.py creates for interactions; shutdown waits for them to finish. Dynamic items
# (the persistent buttons on posts) get tasks of their own name, apart from a view's.
INTERACTION_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-modal-dispatch",
    "discord-ui-dynamic-item-",
)
# Users only: @everyone, @here and roles are pinged only where a message widens this on purpose.
SAFE_MENTIONS = discord.AllowedMentions(everyone=False, users=True, roles=False, replied_user=True)
MESSAGE_CONTENT_REFUSED = (
    "Discord refused the privileged Message Content intent (gateway close 4014), which a "
    "feature asked for in the configuration; Nexus starts without it, so features that read "
    "members' messages see no text. To turn it on: Developer Portal → your application → Bot → "
    "Privileged Gateway Intents → MESSAGE CONTENT INTENT."
)


def point_discord_py_at(api_url: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to a Discord-compatible server.

    These are class attributes in discord.py, so they are process-wide: every client in this
    process talks to the same server.
    """
    discord.http.Route.BASE = api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class NexusTree(app_commands.CommandTree["NexusBot"]):
    """The command tree, with the one error handler and per-interaction metrics."""

    async def interaction_check(self, interaction: discord.Interaction[NexusBot], /) -> bool:
        interaction.extras["started"] = time.perf_counter()
        if self.client.stopping.is_set():
            raise ShuttingDown()
        return True

    async def on_error(
        self, interaction: discord.Interaction[NexusBot], error: app_commands.AppCommandError, /
    ) -> None:
        await handle_app_command_error(interaction, error, self.client.observe_failure)


class NexusBot(commands.Bot):
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, fetcher: Fetcher | None = None
    ) -> None:
        intents = discord.Intents.default()
        # Needed to know who left the guild (pairing skips them, data can be forgotten).
        intents.members = True
        # What a feature's configuration asks for (a privileged intent only when turned on).
        for wanted in feature_intents(settings, discover_extensions()).values():
            intents |= wanted
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=SAFE_MENTIONS,
            tree_cls=NexusTree,
            help_command=None,
            guild_ready_timeout=settings.discord.guild_ready_timeout,
            max_messages=settings.memory.messages_cached or None,  # 0 (None): no message cache
            **self._shard_options(settings),
        )
        self.settings = settings
        self.version = __version__
        self.clock: Clock = clock or SystemClock()
        self.db = Database(settings.database, self.clock)
        self.guild_settings = GuildSettingsService(self.db.sessions, settings)
        self.audit = AuditService(self.db.sessions)
        self.guild_stats = StatsService(self.db.sessions)
        self.blocks = BlockService(self.db.sessions, settings.memory.guilds_cached)
        self._stop_listening: dict[str, Callable[[], None]] = {}
        self.scheduler = Scheduler(self.clock)
        self.occurrences = OccurrenceLedger(self.db.sessions, self.clock)
        self.backups: ScheduledBackups | None = None
        if settings.backup.every is not None:
            self.backups = ScheduledBackups(
                settings.database, settings.backup, self.occurrences, self.clock
            )
        self.metrics = Metrics()
        # The one way features fetch a URL (bot/fetch.py); tests inject a loopback-only one.
        self.fetcher = fetcher or Fetcher(
            allow=settings.fetch.allow, user_agent=f"Nexus/{__version__}"
        )
        self.web: WebServer | None = None
        # Bound at start, served once ready (bot/after_ready.py); web_serving: it answers.
        self._web_listener: socket.socket | None = None
        self.web_port: int | None = None
        self.web_serving = asyncio.Event()
        self.started_at = self.clock.now()
        self.stopping = asyncio.Event()
        self.command_sync = CommandSync(
            self.tree, self.db.sessions, settings.discord.sync_guild_ids
        )
        self.database_probe = DatabaseProbe(self.db.ping, self.clock)
        self.workers = WorkerPool()
        self._after_ready_task: asyncio.Task[None] | None = None
        # Members' code runs here (bot/runner); built in setup_hook, where a remote engine's
        # HTTP session can be made inside the event loop.
        self.runner: CodeRunner = DisabledRunner(
            "Nexus is still starting", limits_from(settings.runner)
        )
        self._runner_http: aiohttp.ClientSession | None = None
        self._runner_start: asyncio.Task[None] | None = None

    @staticmethod
    def _shard_options(settings: Settings) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if settings.discord.shard_count is not None:
            options["shard_count"] = settings.discord.shard_count
        if settings.discord.shard_ids is not None:
            options["shard_ids"] = settings.discord.shard_ids
        return options

    @property
    def uptime_seconds(self) -> float:
        return (self.clock.now() - self.started_at).total_seconds()

    @property
    def database_health(self) -> DatabaseHealth:
        """The latest database probe: what /nexus ping shows."""
        return self.database_probe.latest

    # ---- features ----------------------------------------------------------------------------

    @property
    def features(self) -> list[FeatureCog]:
        """The loaded features, by name: what /admin forget, stats and pairing's topics ask."""
        found = [cog for cog in self.cogs.values() if isinstance(cog, FeatureCog)]
        return sorted(found, key=lambda cog: cog.feature)

    async def add_cog(self, cog: commands.Cog, /, **options: Any) -> None:
        # A feature's settings exist before its cog_load runs, which may read them.
        if isinstance(cog, FeatureCog):
            self.guild_settings.register(cog.setting_specs)
            self._stop_listening[cog.feature] = self.guild_settings.on_change(cog.settings_changed)
        try:
            await super().add_cog(cog, **options)
        except BaseException:
            if isinstance(cog, FeatureCog):
                self._forget_feature(cog)
            raise

    async def remove_cog(self, name: str, /, **options: Any) -> commands.Cog | None:
        cog = await super().remove_cog(name, **options)
        if isinstance(cog, FeatureCog):
            self._forget_feature(cog)
        return cog

    def _forget_feature(self, cog: FeatureCog) -> None:
        self.guild_settings.unregister(cog.setting_specs)
        stop = self._stop_listening.pop(cog.feature, None)
        if stop is not None:
            stop()

    # ---- start-up -------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self.db.upgrade()
        self.scheduler.start()
        if self.backups is not None:
            self.backups.start(self.scheduler)
        await self.database_probe.probe()
        self.database_probe.start()
        if self.settings.web.enabled:
            self._web_listener = bind_listener(self.settings.web.host, self.settings.web.port)
            self.web_port = self._web_listener.getsockname()[1]
        self.metrics.watch_gateway_latency(self._finite_latency)
        # Started once ready (_after_first_ready), or by the first run if that comes sooner.
        self.runner = build_runner(self.settings.runner, self._runner_session)
        for extension in discover_extensions():
            await self.load_extension(extension)
            log.info("loaded %s", extension)
        await self.tree.set_translator(LocaleFiles())
        await self.sync_commands()

    async def connect(self, *, reconnect: bool = True) -> None:
        try:
            await super().connect(reconnect=reconnect)
        except discord.PrivilegedIntentsRequired:
            # The intent the core asks for (members) is documented as required; the message
            # content one is a feature's option, so its refusal must not stop everything else.
            # discord.py keeps the intents it identifies with on the connection state.
            requested = self._connection._intents
            if not requested.message_content or self.is_closed():
                raise
            log.warning(MESSAGE_CONTENT_REFUSED)
            requested.message_content = False
            await super().connect(reconnect=reconnect)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s before every re-IDENTIFY; the delay is a setting (tests shorten it).
        if not initial:
            await asyncio.sleep(self.settings.discord.reidentify_delay)

    async def on_ready(self) -> None:
        log.info(
            "ready as %s (%s) in %d guild(s)",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
        if self._after_ready_task is None:
            self._after_ready_task = asyncio.create_task(self._after_first_ready())

    async def _after_first_ready(self) -> None:
        """The runner's self-check, the web server, dateparser's data (bot/after_ready.py)."""
        # The jail's trial run (or a remote engine's hello) took CPU the start was using.
        self._runner_start = asyncio.create_task(self.runner.start(), name="nexus-runner-start")
        if self._web_listener is not None:
            try:
                self.web = await serve_web(
                    self._web_listener, self, self.features, self._gateway_ready
                )
            except Exception:  # stops as a taken port does at start: the operator finds out
                log.critical("the web server could not start; stopping", exc_info=True)
                await self.close()
                return
        self.web_serving.set()
        await asyncio.to_thread(dates.warm_up)

    # ---- command sync ---------------------------------------------------------------------

    async def sync_commands(self, *, force: bool = False) -> int:
        """Sync each scope whose command tree changed since its last sync; return how many."""
        return await self.command_sync.sync(self.application_id, force=force)

    # ---- services features share ----------------------------------------------------------

    async def run_cpu_bound(self, func: Callable[..., R], *args: Any) -> R:
        """Run a CPU-heavy, picklable function in the worker process, off the event loop."""
        return await self.workers.run(func, *args)

    def _runner_session(self) -> aiohttp.ClientSession:
        if self._runner_http is None:
            self._runner_http = aiohttp.ClientSession()
        return self._runner_http

    def _gateway_ready(self) -> bool:
        return self.is_ready() and not self.is_closed()

    def _finite_latency(self) -> float:
        latency = self.latency
        return latency if math.isfinite(latency) else 0.0

    # ---- metrics --------------------------------------------------------------------------

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # A finished command is counted here, at once: a listener would cost a task per
        # interaction (discord.py schedules one for each listener of each event).
        if event_name == "app_command_completion":
            self._observe(args[0], "ok")
        super().dispatch(event_name, *args, **kwargs)

    async def observe_failure(
        self, interaction: discord.Interaction, error: BaseException, error_id: str | None
    ) -> None:
        original = getattr(error, "original", error)
        if error_id is not None:
            outcome = "error"
        elif isinstance(original, TierRequired | app_commands.CheckFailure):
            outcome = "denied"
        elif isinstance(original, UserFacingError):
            outcome = "user_error"
        else:
            outcome = "refused"
        self._observe(interaction, outcome)

    def _observe(self, interaction: discord.Interaction, outcome: str) -> None:
        started = interaction.extras.get("started")
        name = interaction.command.qualified_name if interaction.command else "component"
        seconds = time.perf_counter() - started if isinstance(started, float) else None
        self.metrics.observe(name, outcome, seconds)

    # ---- shutdown -------------------------------------------------------------------------

    async def drain(self, timeout: float = 10.0) -> None:
        """Stop taking interactions and wait for the ones in flight (up to `timeout` s); a
        confirmation waiting for a click withdraws its question (`stopping`, bot/ui/confirm.py)."""
        self.stopping.set()
        in_flight = self._interaction_tasks()
        if in_flight:
            log.info("waiting for %d interaction(s) in flight", len(in_flight))
            await asyncio.wait(in_flight, timeout=timeout)

    @staticmethod
    def _interaction_tasks() -> Sequence[asyncio.Task[Any]]:
        current = asyncio.current_task()
        return [
            task
            for task in asyncio.all_tasks()
            if task is not current
            and not task.done()
            and task.get_name().startswith(INTERACTION_TASK_PREFIXES)
        ]

    async def close(self) -> None:
        await self.drain()
        self.database_probe.stop()
        after_ready = self._after_ready_task
        if after_ready is not None and after_ready is not asyncio.current_task():
            after_ready.cancel()
        # discord.py leaves its "wait for guilds, then dispatch ready" task running on close; a
        # SIGTERM during start-up then made it dispatch into a closed client (a traceback).
        ready_task: asyncio.Task[None] | None = getattr(self._connection, "_ready_task", None)
        if ready_task is not None and not ready_task.done():
            ready_task.cancel()
        await close_keeping_modules(self)
        self.scheduler.shutdown()
        if self.backups is not None:
            self.backups.stop()
        if self.web is not None:
            await self.web.stop()
        elif self._web_listener is not None:
            self._web_listener.close()
        self.workers.shutdown()
        if self._runner_start is not None:
            # Let the jail's trial run end rather than cancel it mid-spawn (a cancelled spawn
            # leaves its process and pipes to the garbage collector); a remote engine that
            # does not answer is given up on.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner_start, RUNNER_START_GRACE_SECONDS)
        await self.runner.close()
        if self._runner_http is not None:
            await self._runner_http.close()
        await self.db.close()
        log.info("closed")


class ShardedNexusBot(NexusBot, commands.AutoShardedBot):
    """NexusBot running several shards in this process (`discord.shard_count`/`shard_ids`)."""


def create_bot(
    settings: Settings, *, clock: Clock | None = None, fetcher: Fetcher | None = None
) -> NexusBot:
    point_discord_py_at(settings.discord.api_url, settings.discord.gateway_url)
    # Nexus never joins voice; discord.py's warnings about voice libraries would only confuse.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    sharded = settings.discord.shard_count is not None or settings.discord.shard_ids is not None
    cls = ShardedNexusBot if sharded else NexusBot
    return cls(settings, clock=clock, fetcher=fetcher)
