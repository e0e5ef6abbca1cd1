"""The sandbox's linked Discord objects: guilds, their channels, the channels' messages.

A guild holds its channels, a channel its messages, and each points back, so they live together.
They reach the whole state (ids, lookups, the gateway) through ``World``, which ``SandboxState``
provides; changes made from tests (``guild.add_member`` …) are announced by ``World.emit``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.sandbox.attachments import Attachment
from bot.sandbox.forums import ForumTags
from bot.sandbox.kinds import (
    CHANNEL_KINDS,
    DM,
    EPHEMERAL,
    GROUP_DM,
    GUILD_FORUM,
    GUILD_TEXT,
    GUILD_VOICE,
    PRIVATE_THREAD,
    THREAD_TYPES,
)
from bot.sandbox.mentions import Pinged, compute_pinged
from bot.sandbox.permissions import Overwrite, Perm, Role, apply_overwrites
from bot.sandbox.render import render_message
from bot.sandbox.scheduled_events import ScheduledEvent
from bot.sandbox.snowflakes import SnowflakeGenerator, iso, utcnow
from bot.sandbox.users import Member, User

JSON = dict[str, Any]


class World(Protocol):
    """What the objects need of the state that holds them all (``SandboxState``)."""

    snowflakes: SnowflakeGenerator
    users: dict[int, User]
    channels: dict[int, Channel]
    messages: dict[int, Message]
    bot_user: User
    forums: ForumTags
    emit: Callable[[str, JSON, int | None], None]

    def add_channel(self, channel: Channel) -> None: ...

    def remove_channel(self, channel: Channel) -> None: ...


@dataclass(eq=False)
class Message:
    """A message in a channel, by a user, the bot or the bot's interaction webhook."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    created_at: datetime = field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted: bool = False
    thread: Channel | None = None
    allowed_mentions: JSON | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    reference: JSON | None = None
    webhook_id: int | None = None
    interaction_metadata: JSON | None = None
    pinned: bool = False
    tts: bool = False
    poll: JSON | None = None
    # time.time() when the sandbox received it, for lateness measurements.
    received_at: float = field(default_factory=time.time)

    @property
    def channel_id(self) -> int:
        return self.channel.id

    @property
    def author_id(self) -> int:
        return self.author.id

    @property
    def guild_id(self) -> int | None:
        return self.channel.guild.id if self.channel.guild else None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def referenced_message(self) -> Message | None:
        if not self.reference or "message_id" not in self.reference:
            return None
        return self.channel.state.messages.get(int(self.reference["message_id"]))

    @property
    def pinged(self) -> Pinged:
        replied = self.referenced_message
        return compute_pinged(
            self.content,
            self.allowed_mentions,
            replied.author.id if replied is not None else None,
        )

    @property
    def text(self) -> str:
        return render_message(self)


@dataclass(eq=False)
class Channel:
    """A guild channel, a thread, a DM channel or a group DM."""

    id: int
    type: int
    name: str
    state: World
    guild: Guild | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    # Threads only.
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    members: list[int] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    # DM channels and group DMs only (a group DM's owner is ``owner_id``).
    recipients: list[User] = field(default_factory=list)
    deleted: bool = False
    all_messages: list[Message] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def private(self) -> bool:
        return self.type == PRIVATE_THREAD

    @property
    def messages(self) -> list[Message]:
        """Visible messages in order: not deleted and not ephemeral."""
        return [m for m in self.all_messages if not m.deleted and not m.ephemeral]

    @property
    def threads(self) -> list[Channel]:
        if self.guild is None:
            return []
        return [c for c in self.guild.channels.values() if c.parent_id == self.id and c.is_thread]

    @property
    def parent(self) -> Channel | None:
        return self.state.channels.get(self.parent_id) if self.parent_id else None

    def set_permissions(
        self,
        target: Role | User | Member,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> None:
        """Set a permission overwrite for a role or a member (dispatches CHANNEL_UPDATE)."""
        kind: Literal[0, 1] = 0 if isinstance(target, Role) else 1
        # discord.Permissions objects are accepted too (they carry the bits in ``.value``).
        allow_bits, deny_bits = (
            int(getattr(allow, "value", allow)),
            int(getattr(deny, "value", deny)),
        )
        self.overwrites[target.id] = Overwrite(target.id, kind, allow_bits, deny_bits)
        if self.guild is not None:
            self.state.emit("CHANNEL_UPDATE", self.to_payload(), self.guild.id)

    def to_payload(self) -> JSON:
        payload: JSON = {"id": str(self.id), "type": self.type, "flags": 0}
        last = next((m for m in reversed(self.all_messages) if not m.deleted), None)
        payload["last_message_id"] = str(last.id) if last else None
        if self.type in (DM, GROUP_DM):
            payload["recipients"] = [u.to_payload() for u in self.recipients]
            if self.type == GROUP_DM:
                payload.update(name=self.name or None, owner_id=str(self.owner_id), icon=None)
            return payload
        assert self.guild is not None
        payload.update(
            guild_id=str(self.guild.id),
            name=self.name,
            parent_id=str(self.parent_id) if self.parent_id else None,
            rate_limit_per_user=0,
            nsfw=False,
        )
        if self.is_thread:
            payload.update(self._thread_fields())
        else:
            payload.update(
                position=self.position,
                topic=self.topic,
                permission_overwrites=[o.to_payload() for o in self.overwrites.values()],
            )
        if self.type == GUILD_VOICE:
            payload.update(bitrate=64000, user_limit=0, rtc_region=None)
        if self.type == GUILD_FORUM:
            payload.update(self.state.forums.forum_fields(self.id))
        return payload

    def _thread_fields(self) -> JSON:
        return {
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "member_count": len(self.members),
            "message_count": len(self.messages),
            "total_message_sent": len(self.messages),
            "applied_tags": self.state.forums.applied_to(self.id),
            "thread_metadata": {
                "archived": self.archived,
                "locked": self.locked,
                "invitable": self.invitable,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": iso(self.created_at),
                "create_timestamp": iso(self.created_at),
            },
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    state: World
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    locale: str = "en-US"
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)

    @property
    def default_role(self) -> Role:
        return self.roles[self.id]

    @property
    def bot_role(self) -> Role:
        return next(r for r in self.roles.values() if r.bot_id == self.state.bot_user.id)

    @property
    def me(self) -> Member:
        return self.members[self.state.bot_user.id]

    @property
    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.type == GUILD_TEXT]

    @property
    def threads(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread]

    def get_channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name), None)

    def get_role(self, name: str) -> Role | None:
        return next((r for r in self.roles.values() if r.name == name), None)

    def create_channel(
        self,
        name: str,
        kind: str = "text",
        *,
        parent: Channel | None = None,
        topic: str | None = None,
    ) -> Channel:
        """Create a channel of ``kind`` text/voice/category/forum (dispatches CHANNEL_CREATE)."""
        if kind not in CHANNEL_KINDS:
            raise ValueError(
                f"unknown channel kind {kind!r}; expected one of {list(CHANNEL_KINDS)}"
            )
        channel = Channel(
            id=self.state.snowflakes.next(),
            type=CHANNEL_KINDS[kind],
            name=name,
            state=self.state,
            guild=self,
            parent_id=parent.id if parent else None,
            position=len(self.channels),
            topic=topic,
        )
        self.state.add_channel(channel)
        self.state.emit("CHANNEL_CREATE", channel.to_payload(), self.id)
        return channel

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel or thread (dispatches CHANNEL_DELETE / THREAD_DELETE)."""
        self.state.remove_channel(channel)
        if channel.is_thread:
            payload = {
                "id": str(channel.id),
                "guild_id": str(self.id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
            self.state.emit("THREAD_DELETE", payload, self.id)
        else:
            self.state.emit("CHANNEL_DELETE", channel.to_payload(), self.id)

    def create_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        """Create a role (dispatches GUILD_ROLE_CREATE). ``permissions`` is an int bit set."""
        value = int(getattr(permissions, "value", permissions))
        role = Role(
            id=self.state.snowflakes.next(),
            guild_id=self.id,
            name=name,
            permissions=value,
            position=len(self.roles),
            color=color,
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        self.state.emit(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.to_payload()}, self.id
        )
        return role

    def add_member(
        self,
        user: User,
        roles: Iterable[Role] = (),
        *,
        nick: str | None = None,
    ) -> Member:
        """Add a user to the guild (dispatches GUILD_MEMBER_ADD)."""
        member = Member(user=user, guild=self, roles=[r.id for r in roles], nick=nick)
        self.members[user.id] = member
        payload = member.to_payload()
        payload["guild_id"] = str(self.id)
        self.state.emit("GUILD_MEMBER_ADD", payload, self.id)
        return member

    def remove_member(self, user: User | Member) -> None:
        """Remove a member (dispatches GUILD_MEMBER_REMOVE)."""
        member = self.members.pop(user.id)
        payload = {"guild_id": str(self.id), "user": member.user.to_payload()}
        self.state.emit("GUILD_MEMBER_REMOVE", payload, self.id)

    def set_roles(self, user: User | Member, roles: Iterable[Role]) -> None:
        """Replace a member's roles (dispatches GUILD_MEMBER_UPDATE)."""
        member = self.members[user.id]
        member.roles = [r.id for r in roles]
        payload = member.to_payload()
        payload["guild_id"] = str(self.id)
        self.state.emit("GUILD_MEMBER_UPDATE", payload, self.id)

    def permissions_for(self, user_id: int, channel: Channel | None = None) -> int:
        """Discord's permission algorithm: base role permissions, then channel overwrites."""
        if user_id == self.owner_id:
            return Perm.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = self.default_role.permissions
        for role_id in member.roles:
            if role_id in self.roles:
                perms |= self.roles[role_id].permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel is None:
            return perms
        # Threads inherit their parent's overwrites.
        source = channel.parent if channel.is_thread and channel.parent else channel
        return apply_overwrites(perms, source.overwrites, self.id, member)
