"""The FeatureCog contract: what every feature gives the bot, so the core never names one.

A feature's cog subclasses `FeatureCog`, names itself (`feature = "snippets"`) and implements
`forget_member` and `stats`; a subclass without them is refused when its class is made, so no
feature can be added that /admin forget would skip. The bot collects the contract from the
loaded cogs (`NexusBot.features`): their setting specs join the settings registry and their
`settings_changed` hears every change, for as long as the cog is loaded.

The spirit is Red-DiscordBot's `red_delete_data_for_user`, made impossible to forget.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import discord
from discord.ext import commands

from bot.errors import UserFacingError
from bot.guild_settings import GuildSettingsService
from bot.permissions import ensure_not_blocked
from bot.ui.base import report_error

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping
    from datetime import datetime

    from fastapi import APIRouter
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

    from bot.calendar import CalendarEntry
    from bot.config import Settings
    from bot.dashboard import DashboardViewer, Section
    from bot.guild_settings import GuildConfig, SettingSpec

# What forgetting removed or anonymised, as human-readable counts: {"pair profiles deleted": 1}.
ForgetReport = dict[str, int]
# Row counts shown by /admin stats: {"snippets": 12, "stars": 30}.
FeatureStats = dict[str, int]

_REQUIRED = ("forget_member", "stats")


class MemberDataOwner(Protocol):
    """The part of the contract /admin forget and /admin stats use (services take this, not
    the cog, so they stay free of Discord)."""

    @property
    def feature(self) -> str: ...

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport: ...

    async def stats(self, guild_id: int) -> FeatureStats: ...


class FeatureCog(commands.Cog):
    """Base for a feature's cog.

    Also refuses members a moderator blocked from the feature: discord.py runs
    `interaction_check` for the cog's slash commands; context menus (made in `__init__`, since
    they cannot be cog methods) and views call `ensure_not_blocked` themselves.
    """

    feature: ClassVar[str]
    # Per-guild settings the feature owns (`/admin config`), registered while it is loaded.
    setting_specs: ClassVar[tuple[SettingSpec, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(cls.__dict__.get("feature", getattr(cls, "feature", None)), str):
            raise TypeError(f"{cls.__name__} must name its feature: feature = '...'")
        missing = [name for name in _REQUIRED if getattr(cls, name) is getattr(FeatureCog, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must implement {', '.join(missing)}")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        command = interaction.command
        if command is None or self.blockable(command.qualified_name):
            await ensure_not_blocked(interaction, self.feature)
        return True

    def blockable(self, command_name: str) -> bool:
        """Whether /admin block of this feature bars the cog's command `command_name`; a cog
        whose other commands belong to no feature (/nexus ping) narrows it."""
        return True

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        """Remove or anonymise everything the feature holds about one member in one guild."""
        raise NotImplementedError

    async def stats(self, guild_id: int) -> FeatureStats:
        """The feature's row counts for one guild."""
        raise NotImplementedError

    async def forget_preview(self, guild_id: int) -> str | None:
        """What forgetting does here, as a clause for /admin forget's question ("their snippets
        are deleted"); None when the feature keeps nothing worth mentioning."""
        return None

    async def open_topics(self, guild_id: int, limit: int) -> list[str]:
        """Short, current things worth pairing on ("FB-12 GET /api/jobs"); most features have
        none."""
        return []

    async def settings_changed(self, guild_id: int, keys: frozenset[str]) -> None:
        """Called after any of the guild's settings changed, whoever changed them."""
        return None

    async def calendar_events(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """What the feature puts in the guild's calendar feeds, around [start, end): with no
        `user_id` only what concerns the whole guild, with one also that member's own (their
        personal feed). A series (`rrule`) counts when it runs in the window; most features
        have nothing to show."""
        return []

    async def calendar_occurrences(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """Each time something of the feature happens in [start, end), one single entry (no
        `rrule`) per run, for views that show days (the calendar page). By default the single
        events of `calendar_events` in the window; a feature whose entries are series lists
        their runs with the code its own scheduler runs them by, so no view expands a rule."""
        entries = await self.calendar_events(guild_id, user_id, start, end)
        return [entry for entry in entries if entry.rrule is None and start <= entry.start < end]

    async def dashboard_sections(self, guild_id: int, viewer: DashboardViewer) -> list[Section]:
        """The feature's part of the program dashboard (`/d/{guild}`): charts with their
        tables, over `viewer.weeks`. For a moderator (`viewer.everyone`) the whole server's;
        for anyone else only what is about `viewer.user_id`, never another member's name or
        data. Queries aggregate in SQL over bounded windows; most features have none."""
        return []

    def api_routes(self) -> APIRouter | None:
        """The feature's HTTP API routes (served under /api/v1), or None. Routes find their
        feature per request (`bot.web.auth.loaded_feature`), never through this instance."""
        return None

    def page_routes(self) -> APIRouter | None:
        """The feature's web pages (a `bot.web.pages.routing.page_router()`, served at the
        site's root, outside /api), or None. Like `api_routes`, routes find their feature per
        request."""
        return None

    def page_links(self, guild_id: int) -> list[tuple[str, str]]:
        """The feature's pages for the site's navigation, as (label, path); none by default."""
        return []

    def landing_page(self, guild_id: int) -> str | None:
        """The path of the feature's page a member of `guild_id` lands on after signing in
        when they asked for no page (the first feature by name that has one), or None."""
        return None

    @classmethod
    def gateway_intents(cls, settings: Settings) -> discord.Intents:
        """Gateway intents the feature needs beyond the core's, given the configuration (a
        privileged one only when its setting is on). Asked before the bot connects, which is
        before any cog is loaded, so it is a class method reading the settings alone."""
        return discord.Intents.none()

    @staticmethod
    def preflight_problems(
        config: GuildConfig,
        channels: Mapping[int, discord.abc.GuildChannel],
        me: discord.Member,
    ) -> list[str]:
        """What `python -m bot check` reports about the guild for this feature beyond the
        core's channel and role checks (a setting that only matters in one of its modes), one
        sentence each. Runs without a bot, from the guild's channels and the bot's member as
        fetched over REST."""
        return []

    @staticmethod
    async def rebuild_derived(connection: AsyncConnection) -> None:
        """Rebuild data derived from the feature's rows (a search index) after `db copy` wrote
        them without it. Runs without a bot: only the database is at hand."""
        return None


def feature_classes(extensions: Iterable[str]) -> list[type[FeatureCog]]:
    """The FeatureCog classes the given extensions define, by feature name: the contract for
    commands that run without a bot (`check` reads the features' settings, `db copy` rebuilds
    their derived data)."""
    for name in extensions:
        importlib.import_module(name)
    found: dict[str, type[FeatureCog]] = {}
    pending = list(FeatureCog.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if any(cls.__module__.startswith(f"{name}.") for name in extensions):
            found[cls.feature] = cls
    return [found[name] for name in sorted(found)]


def feature_intents(settings: Settings, extensions: Iterable[str]) -> dict[str, discord.Intents]:
    """The gateway intents each feature asks for under `settings`, by feature name (only those
    asking for any): the bot adds them to its own, `check` sees whether Discord grants them."""
    wanted = {cls.feature: cls.gateway_intents(settings) for cls in feature_classes(extensions)}
    return {name: intents for name, intents in wanted.items() if intents.value}


def feature_setting_specs(extensions: Iterable[str]) -> list[SettingSpec]:
    return [spec for cls in feature_classes(extensions) for spec in cls.setting_specs]


def feature_for(interaction: discord.Interaction, name: str) -> FeatureCog:
    """The loaded feature `name`, which a view then sees as the Protocol it needs (`cast`).

    How a persistent button reaches its feature: the button outlives the cog that made it (a
    restart, a reload), so it looks the feature up when clicked rather than holding it.
    """
    for cog in getattr(interaction.client, "cogs", {}).values():
        if isinstance(cog, FeatureCog) and cog.feature == name:
            return cog
    raise UserFacingError(f"Nexus's {name} feature is restarting; try again in a moment.")


async def act_for_feature(
    interaction: discord.Interaction, name: str, action: Callable[[FeatureCog], Awaitable[None]]
) -> None:
    """What a persistent button of feature `name` does when clicked: refuse a member blocked
    from the feature, find the feature, act. Errors go to the one error handler, since
    discord.py only logs those of a dynamic item."""
    try:
        await ensure_not_blocked(interaction, name)
        await action(feature_for(interaction, name))
    except Exception as error:
        await report_error(interaction, error)


def guild_settings_without_a_bot(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, extensions: Iterable[str]
) -> GuildSettingsService:
    """The settings service with the core's keys and those of the given extensions' features,
    for code that runs without a bot (`check`, tools that prepare a database)."""
    service = GuildSettingsService(sessions, settings)
    service.register(feature_setting_specs(extensions))
    return service
