"""Permission tiers (member, triager, moderator), feature blocks, and the checks enforcing them.

`@require(Tier.MODERATOR)` both hides a command from members (Discord's `default_permissions`:
Manage Server) and checks the tier again when it runs, because server admins can override
visibility in Discord's integration settings. Discord applies `default_permissions` only to
top-level commands and groups, so a moderator subcommand inside a member group (`/pair round run`)
is visible but still refused at run time; the permission walk test proves it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import discord
from discord import app_commands
from sqlalchemy import delete, select

from bot.errors import FeatureBlocked, GuildOnly, TierRequired
from bot.lru import LruDict
from bot.models import FeatureBlock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.guild_settings import GuildConfig, GuildSettingsService

T = TypeVar("T")


class Tier(IntEnum):
    MEMBER = 0
    TRIAGER = 1
    MODERATOR = 2

    @property
    def label(self) -> str:
        return {Tier.MEMBER: "members", Tier.TRIAGER: "triagers", Tier.MODERATOR: "moderators"}[
            self
        ]


def tier_of_member(member: discord.Member, config: GuildConfig) -> Tier:
    """The highest tier a member holds in a guild, from permissions and configured roles."""
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return Tier.MODERATOR
    role_ids = {role.id for role in member.roles}
    if config.moderator_role_id is not None and config.moderator_role_id in role_ids:
        return Tier.MODERATOR
    if config.triager_role_id is not None and config.triager_role_id in role_ids:
        return Tier.TRIAGER
    return Tier.MEMBER


class HasTierServices(Protocol):
    guild_settings: GuildSettingsService
    blocks: BlockService


async def tier_of(interaction: discord.Interaction) -> Tier:
    """The invoking member's tier; outside a guild everyone is a member."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return Tier.MEMBER
    client: HasTierServices = interaction.client  # type: ignore[assignment]
    config = await client.guild_settings.get(interaction.guild_id)
    return tier_of_member(member, config)


async def has_tier(interaction: discord.Interaction, tier: Tier) -> bool:
    return await tier_of(interaction) >= tier


def require(tier: Tier) -> Callable[[T], T]:
    """Hide (for moderator commands) and enforce a tier on an app command or context menu.

    Use it under `@group.command(...)` or `@app_commands.context_menu(...)`, like any check.
    The tier is also recorded on the callback so tests can walk the tree and find it.
    """

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise GuildOnly()
        if not await has_tier(interaction, tier):
            raise TierRequired(tier.label)
        return True

    def decorator(func: T) -> T:
        target: Any = getattr(func, "callback", func)
        target.__nexus_tier__ = tier
        if tier is Tier.MODERATOR:
            func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.check(predicate)(func)

    return decorator


def anywhere() -> app_commands.AppCommandContext:
    """Every place a command can be used: servers, the DM with Nexus, private channels."""
    return app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)


def any_install() -> app_commands.AppInstallationType:
    """Installed to a server, or by a member to their own account (it then follows them)."""
    return app_commands.AppInstallationType(guild=True, user=True)


def server_only(func: T) -> T:
    """Refuse a subcommand outside a server Nexus is in, naming it.

    For the subcommands of a group usable in direct messages as a whole: Discord sets where a
    command may be used (`allowed_contexts`, `allowed_installs`) on top-level commands only,
    so a group with one subcommand for DMs shows all of them there. Outside a server Nexus is
    in (a DM, a private channel, a server where only the member installed the app) there is no
    server whose data they would act on. Recorded on the callback for the permission walk.
    """

    async def predicate(interaction: discord.Interaction) -> bool:
        guild_id = interaction.guild_id
        if guild_id is None or interaction.client.get_guild(guild_id) is None:
            command = interaction.command
            raise GuildOnly(command.qualified_name if command is not None else None)
        return True

    target: Any = getattr(func, "callback", func)
    target.__nexus_server_only__ = True
    return app_commands.check(predicate)(func)


def command_tier(command: app_commands.Command[Any, Any, Any] | app_commands.ContextMenu) -> Tier:
    """The tier a command was declared with (member when it has no `require`)."""
    return getattr(command.callback, "__nexus_tier__", Tier.MEMBER)


class BlockService:
    """Members barred from one feature by a moderator."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], guilds_cached: int = 1000
    ) -> None:
        self._sessions = sessions
        # (guild, user) pairs with any block; loaded lazily so checks cost no query when empty.
        self._blocked: LruDict[int, set[tuple[int, str]]] = LruDict(guilds_cached)

    async def _load(self, guild_id: int) -> set[tuple[int, str]]:
        cached = self._blocked.get(guild_id)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(FeatureBlock.user_id, FeatureBlock.feature).where(
                        FeatureBlock.guild_id == guild_id
                    )
                )
            ).all()
        loaded = {(int(user_id), str(feature)) for user_id, feature in rows}
        self._blocked[guild_id] = loaded
        return loaded

    async def is_blocked(self, guild_id: int, user_id: int, feature: str) -> bool:
        return (user_id, feature) in await self._load(guild_id)

    async def block(
        self,
        guild_id: int,
        user_id: int,
        feature: str,
        moderator_id: int | None,
        reason: str | None = None,
        *,
        session: AsyncSession | None = None,
    ) -> bool:
        """Block; returns False when the member was already blocked from that feature."""
        if await self.is_blocked(guild_id, user_id, feature):
            return False
        row = FeatureBlock(
            guild_id=guild_id,
            user_id=user_id,
            feature=feature,
            blocked_by=moderator_id,
            reason=reason,
        )
        if session is not None:
            session.add(row)
        else:
            async with self._sessions.begin() as own:
                own.add(row)
        self._blocked.pop(guild_id, None)
        return True

    async def unblock(
        self, guild_id: int, user_id: int, feature: str, *, session: AsyncSession | None = None
    ) -> bool:
        """Unblock; returns False when the member was not blocked from that feature."""
        if not await self.is_blocked(guild_id, user_id, feature):
            return False
        statement = delete(FeatureBlock).where(
            FeatureBlock.guild_id == guild_id,
            FeatureBlock.user_id == user_id,
            FeatureBlock.feature == feature,
        )
        if session is not None:
            await session.execute(statement)
        else:
            async with self._sessions.begin() as own:
                await own.execute(statement)
        self._blocked.pop(guild_id, None)
        return True


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    """The guild a command runs in; refuses direct messages the same way everywhere."""
    if interaction.guild is None:
        raise GuildOnly()
    return interaction.guild


async def ensure_not_blocked(interaction: discord.Interaction, feature: str) -> None:
    if interaction.guild_id is None:
        return
    client: HasTierServices = interaction.client  # type: ignore[assignment]
    if await client.blocks.is_blocked(interaction.guild_id, interaction.user.id, feature):
        raise FeatureBlocked(feature)
