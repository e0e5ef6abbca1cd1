"""Command sync: each scope's command tree goes to Discord only when it changed since its last
sync (a hash per scope, kept in bot_state), so restarts do not spend Discord's sync limits."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord
from sqlalchemy import select

from bot.models import BotState
from bot.sql import dialect_insert

if TYPE_CHECKING:
    from collections.abc import Sequence

    from discord import app_commands
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)


class CommandSync:
    def __init__(
        self,
        tree: app_commands.CommandTree[Any],
        sessions: async_sessionmaker[AsyncSession],
        guild_ids: Sequence[int],
    ) -> None:
        self._tree = tree
        self._sessions = sessions
        self._guild_ids = guild_ids
        self.synced_this_run = False

    def _sync_scopes(self) -> list[discord.Object | None]:
        ids = self._guild_ids
        return [discord.Object(id=guild_id) for guild_id in ids] if ids else [None]

    async def command_tree_hash(self, guild: discord.Object | None) -> str:
        """What Discord would be sent, translations included: a changed locale file syncs."""
        commands = self._tree.get_commands(guild=guild)
        translator = self._tree.translator
        if translator is None:
            payload = [command.to_dict(self._tree) for command in commands]
        else:
            payload = [
                await command.get_translated_payload(self._tree, translator) for command in commands
            ]
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()

    async def sync(self, application_id: int | None, *, force: bool = False) -> int:
        """Sync each scope whose command tree changed since its last sync; return how many."""
        synced = 0
        for guild in self._sync_scopes():
            if guild is not None:
                self._tree.copy_global_to(guild=guild)
            scope = f"{application_id}:{guild.id if guild else 'global'}"
            key = f"command_hash:{scope}"
            digest = await self.command_tree_hash(guild)
            if not force and await self._state(key) == digest:
                log.info("commands unchanged for %s; not syncing", scope)
                continue
            await self._tree.sync(guild=guild)
            await self._set_state(key, digest)
            synced += 1
            log.info("synced commands for %s", scope)
        self.synced_this_run = self.synced_this_run or synced > 0
        return synced

    async def _state(self, key: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(BotState.value).where(BotState.key == key))

    async def _set_state(self, key: str, value: str) -> None:
        # An upsert, not merge's read-then-insert: processes started together (shards) sync
        # at the same moment, and the second insert of the same key failed their start-up.
        async with self._sessions.begin() as session:
            insert = dialect_insert(session.get_bind().dialect.name, BotState)
            statement = insert.values(key=key, value=value)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[BotState.key],
                    set_={
                        "value": statement.excluded.value,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )
