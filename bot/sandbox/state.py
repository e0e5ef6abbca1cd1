"""``SandboxState``: everything the sandbox Discord knows, keyed by id.

It creates users and guilds, files channels, messages and attachments, and keeps the synced
application commands. The objects it holds reach it back through ``model.World``; the server
wires ``emit`` to the gateway and ``on_message`` to its waiters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bot.sandbox.attachments import Attachment
from bot.sandbox.contexts import Installs
from bot.sandbox.forums import ForumTags
from bot.sandbox.kinds import DM, GROUP_DM
from bot.sandbox.model import Channel, Guild, Message
from bot.sandbox.permissions import Perm, Role
from bot.sandbox.snowflakes import SnowflakeGenerator
from bot.sandbox.users import Member, User

JSON = dict[str, Any]


def _ignore_event(event: str, data: JSON, guild_id: int | None) -> None:
    """Default ``emit`` before a server is attached: nobody listens yet."""


class SandboxState:
    """Everything the sandbox Discord knows, keyed by id."""

    def __init__(self, *, bot_name: str = "Nexus") -> None:
        self.snowflakes = SnowflakeGenerator()
        self.forums = ForumTags(self.snowflakes)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self.installs = Installs()
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        # (guild_id or 0, type, name) → id, so re-syncing keeps ids stable like Discord does.
        self._command_ids: dict[tuple[int, int, str], int] = {}
        self.emit: Callable[[str, JSON, int | None], None] = _ignore_event
        self.on_message: Callable[[Message], None] = lambda message: None
        self.attachment_base_url = ""
        self.application_id = self.snowflakes.next()
        self.bot_user = self.create_user(bot_name, bot=True, ident=self.application_id)
        self.owner = self.create_user("sandbox-owner")

    def create_user(self, name: str, *, bot: bool = False, ident: int | None = None) -> User:
        user = User(id=ident or self.snowflakes.next(), name=name, bot=bot, global_name=name)
        self.users[user.id] = user
        return user

    def create_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> Guild:
        guild_id = self.snowflakes.next(shard=shard)
        guild = Guild(id=guild_id, name=name, state=self, owner_id=self.owner.id)
        guild.roles[guild_id] = Role(
            id=guild_id, guild_id=guild_id, name="@everyone", permissions=Perm.EVERYONE_DEFAULT
        )
        bot_role = Role(
            id=self.snowflakes.next(),
            guild_id=guild_id,
            name=self.bot_user.name,
            permissions=Perm.BOT_DEFAULT,
            position=1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner.id] = Member(user=self.owner, guild=guild)
        guild.members[self.bot_user.id] = Member(
            user=self.bot_user, guild=guild, roles=[bot_role.id]
        )
        self.guilds[guild_id] = guild
        return guild

    def add_channel(self, channel: Channel) -> None:
        self.channels[channel.id] = channel
        if channel.guild is not None:
            channel.guild.channels[channel.id] = channel

    def remove_channel(self, channel: Channel) -> None:
        channel.deleted = True
        self.channels.pop(channel.id, None)
        if channel.guild is not None:
            channel.guild.channels.pop(channel.id, None)
            for thread in channel.threads:
                self.remove_channel(thread)

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user``, created on first use."""
        for channel in self.channels.values():
            if channel.type == DM and channel.recipients and channel.recipients[0] is user:
                return channel
        channel = Channel(
            id=self.snowflakes.next(), type=DM, name="", state=self, recipients=[user]
        )
        self.add_channel(channel)
        return channel

    def group_dm(self, owner: User, *others: User, name: str = "") -> Channel:
        """A private channel of people (a group DM): the bot is never one of them, so only
        commands its users installed to their accounts reach it."""
        channel = Channel(
            id=self.snowflakes.next(),
            type=GROUP_DM,
            name=name,
            state=self,
            owner_id=owner.id,
            recipients=[owner, *others],
        )
        self.add_channel(channel)
        return channel

    def store_attachment(self, attachment: Attachment) -> Attachment:
        """Give a copy of ``attachment`` an id and a URL on the sandbox that serves its bytes.

        The copy keeps the attachment's class, so a test can describe a file as a misbehaving
        server would (a size that disagrees with its bytes).
        """
        stored = dataclasses.replace(attachment, id=self.snowflakes.next(), url="", ephemeral=False)
        stored.url = f"{self.attachment_base_url}/attachments/{stored.id}/{stored.filename}"
        self.attachments[stored.id] = stored
        return stored

    def add_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        message.channel.all_messages.append(message)
        self.on_message(message)
        return message

    def command_id(self, guild_id: int | None, kind: int, name: str) -> int:
        key = (guild_id or 0, kind, name)
        if key not in self._command_ids:
            self._command_ids[key] = self.snowflakes.next()
        return self._command_ids[key]

    def commands_for(self, guild_id: int | None) -> list[JSON]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.get(guild_id, [])
