"""In-memory model of the sandbox's Discord: users, guilds, channels, messages, commands.

Every object can render itself as the JSON payload Discord would send, so the REST routes and
the gateway share one source of truth. Changes made from tests (``guild.add_member`` …) are
announced through ``SandboxState.emit`` which the server wires to the gateway.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types, as numbered by Discord.
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})
CHANNEL_KINDS: dict[str, int] = {
    "text": GUILD_TEXT,
    "voice": GUILD_VOICE,
    "category": GUILD_CATEGORY,
    "forum": GUILD_FORUM,
}

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7


class Perm:
    """Discord permission bits the sandbox checks or grants."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    # What a fresh guild's @everyone may do (close to Discord's defaults).
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    # The bot's managed role: what an invite link with the usual scopes grants.
    BOT_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
        | MANAGE_THREADS
        | ADD_REACTIONS
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
    )
    # Losing SEND_MESSAGES in a channel also takes these away (Discord's implicit denial).
    NEEDS_SEND = SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES


def iso(moment: datetime) -> str:
    """Discord's ISO-8601 timestamp format."""
    return moment.isoformat()


def utcnow() -> datetime:
    return datetime.now(UTC)


class SnowflakeGenerator:
    """Discord-shaped ids: milliseconds since the Discord epoch << 22 | worker | increment."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self, *, shard: tuple[int, int] | None = None) -> int:
        """A new id; with ``shard=(id, count)`` one whose guild shard is ``id``."""
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, self._last_ms)
        if shard is not None:
            shard_id, count = shard
            # Skip ahead a few milliseconds so that (id >> 22) % count == shard_id.
            ms = self._last_ms + 1 if ms == self._last_ms else ms
            while ms % count != shard_id:
                ms += 1
        if ms == self._last_ms:
            self._increment = (self._increment + 1) & 0xFFF
            if self._increment == 0:
                ms += 1
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (1 << 17) | self._increment


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


@dataclass(eq=False)
class User:
    """A Discord account: a person or the bot."""

    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None
    # A user who closed DMs: the bot's DM attempts get 403 code 50007.
    dms_open: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def display_name(self) -> str:
        return self.global_name or self.name

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            payload["tags"] = {"bot_id": str(self.bot_id)}
        return payload


@dataclass
class Overwrite:
    id: int
    type: Literal[0, 1]  # 0 = role, 1 = member
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=utcnow)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    def to_payload(self, *, with_user: bool = True) -> JSON:
        payload: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        return payload


@dataclass(eq=False)
class Attachment:
    """A file: what a test passes to ``invoke``/``send_user_message`` and what messages carry.

    ``id`` and ``url`` are filled in when the sandbox stores it; the bytes are served at ``url``.
    """

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    id: int = 0
    url: str = ""
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "height": None,
            "width": None,
            "ephemeral": self.ephemeral,
        }
        if self.content_type is not None:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        return payload


_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")


@dataclass(frozen=True)
class Pinged:
    """Who a message actually notifies, given its content and ``allowed_mentions``.

    MENTION_EVERYONE and role mentionability are deliberately not considered: tests use this to
    check what the bot *asked* Discord to ping, which is what the bot controls.
    """

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False
    here: bool = False

    def __contains__(self, item: object) -> bool:
        ident = getattr(item, "id", item)
        return ident in self.users or ident in self.roles

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone or self.here)


def compute_pinged(
    content: str,
    allowed_mentions: JSON | None,
    replied_user_id: int | None = None,
) -> Pinged:
    """Apply Discord's allowed_mentions rules to the mentions found in ``content``."""
    users = {int(m) for m in _USER_MENTION.findall(content)}
    roles = {int(m) for m in _ROLE_MENTION.findall(content)}
    everyone = "@everyone" in content
    here = "@here" in content
    if allowed_mentions is None:
        # No allowed_mentions: Discord parses everything, and pings the replied-to author.
        if replied_user_id is not None:
            users.add(replied_user_id)
        return Pinged(frozenset(users), frozenset(roles), everyone, here)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    pinged_users = {u for u in users if "users" in parse or u in allowed_users}
    pinged_roles = {r for r in roles if "roles" in parse or r in allowed_roles}
    if replied_user_id is not None and allowed_mentions.get("replied_user", False):
        pinged_users.add(replied_user_id)
    ping_everyone = "everyone" in parse
    return Pinged(
        frozenset(pinged_users),
        frozenset(pinged_roles),
        everyone and ping_everyone,
        here and ping_everyone,
    )


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
        from bot.sandbox.render import render_message

        return render_message(self)

    def to_payload(self, *, with_reference: bool = True) -> JSON:
        pinged = self.pinged
        state = self.channel.state
        payload: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": pinged.everyone or pinged.here,
            "mentions": [state.users[u].to_payload() for u in pinged.users if u in state.users],
            "mention_roles": [str(r) for r in pinged.roles],
            "attachments": [a.to_payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "reactions": self._reactions_payload(state.bot_user.id),
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
        }
        if self.channel.guild is not None:
            payload["guild_id"] = str(self.channel.guild.id)
        if self.webhook_id is not None:
            payload["webhook_id"] = str(self.webhook_id)
            payload["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            payload["interaction_metadata"] = self.interaction_metadata
        if self.reference is not None:
            payload["message_reference"] = self.reference
            referenced = self.referenced_message
            if with_reference and referenced is not None:
                payload["referenced_message"] = referenced.to_payload(with_reference=False)
        if self.thread is not None:
            payload["thread"] = self.thread.to_payload()
        if self.poll is not None:
            payload["poll"] = self.poll
        return payload

    def _reactions_payload(self, bot_id: int) -> list[JSON]:
        out: list[JSON] = []
        for emoji, users in self.reactions.items():
            if not users:
                continue
            out.append(
                {
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": bot_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                    "emoji": emoji_payload(emoji),
                }
            )
        return out


def emoji_payload(emoji: str) -> JSON:
    """``name:id`` (custom) or a unicode emoji, as a partial emoji object."""
    if ":" in emoji:
        name, _, ident = emoji.partition(":")
        return {"id": ident, "name": name}
    return {"id": None, "name": emoji}


@dataclass(eq=False)
class Channel:
    """A guild channel, a thread or a DM channel."""

    id: int
    type: int
    name: str
    state: SandboxState
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
    # DM channels only.
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
        if self.type == DM:
            payload["recipients"] = [u.to_payload() for u in self.recipients]
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
            payload.update(available_tags=[], default_reaction_emoji=None)
        return payload

    def _thread_fields(self) -> JSON:
        return {
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "member_count": len(self.members),
            "message_count": len(self.messages),
            "total_message_sent": len(self.messages),
            "thread_metadata": {
                "archived": self.archived,
                "locked": self.locked,
                "invitable": self.invitable,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": iso(self.created_at),
                "create_timestamp": iso(self.created_at),
            },
        }

    def thread_member_payload(self, user_id: int) -> JSON:
        return {
            "id": str(self.id),
            "user_id": str(user_id),
            "join_timestamp": iso(utcnow()),
            "flags": 0,
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    state: SandboxState
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    locale: str = "en-US"

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
        return _apply_overwrites(perms, source.overwrites, self.id, member)

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def to_gateway_payload(self) -> JSON:
        """The GUILD_CREATE payload: the guild with its channels, threads and members."""
        payload = self.to_payload()
        payload.update(
            channels=[c.to_payload() for c in self.channels.values() if not c.is_thread],
            threads=[c.to_payload() for c in self.channels.values() if c.is_thread],
            members=[m.to_payload() for m in self.members.values()],
            member_count=len(self.members),
            large=False,
            unavailable=False,
            joined_at=iso(self.me.joined_at),
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            lazy=True,
        )
        return payload


def _apply_overwrites(
    perms: int, overwrites: dict[int, Overwrite], guild_id: int, member: Member
) -> int:
    everyone = overwrites.get(guild_id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        overwrite = overwrites.get(role_id)
        if overwrite is not None:
            allow |= overwrite.allow
            deny |= overwrite.deny
    perms = (perms & ~deny) | allow
    own = overwrites.get(member.id)
    if own is not None and own.type == 1:
        perms = (perms & ~own.deny) | own.allow
    if not perms & Perm.VIEW_CHANNEL:
        return 0
    if not perms & Perm.SEND_MESSAGES:
        perms &= ~Perm.NEEDS_SEND
    return perms


def _ignore_event(event: str, data: JSON, guild_id: int | None) -> None:
    """Default ``emit`` before a server is attached: nobody listens yet."""


class SandboxState:
    """Everything the sandbox Discord knows, keyed by id."""

    def __init__(self, *, bot_name: str = "Nexus") -> None:
        self.snowflakes = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
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
