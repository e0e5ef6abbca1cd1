"""Discord accounts (people and the bot) and their memberships in guilds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.sandbox.snowflakes import iso, utcnow

JSON = dict[str, Any]


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


class GuildRef(Protocol):
    """The guild a member belongs to, as a membership knows it (the guild holds the member)."""

    @property
    def id(self) -> int: ...


@dataclass(eq=False)
class Member:
    user: User
    guild: GuildRef
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
