"""Guild scheduled events as the sandbox Discord keeps them: one event, its interested users,
and the payloads Discord sends for it (REST answers and GUILD_SCHEDULED_EVENT_* dispatches).

The routes (``routes/scheduled_events.py``) validate what the bot asks for; tests mark members
interested with ``ScheduledEvent.add_interested``, as a member clicking "Interested" would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.snowflakes import iso

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.sandbox.users import User

JSON = dict[str, Any]

# Discord's numbering.
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2


@dataclass(eq=False)
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    start: datetime
    entity_type: int
    creator: User
    emit: Callable[[str, JSON, int | None], None]
    end: datetime | None = None
    description: str | None = None
    channel_id: int | None = None
    location: str | None = None
    status: int = SCHEDULED
    privacy_level: int = GUILD_ONLY
    recurrence_rule: JSON | None = None
    deleted: bool = False
    # Interested users, in the order they clicked (Discord lists them by id).
    interested: dict[int, User] = field(default_factory=dict)

    def to_payload(self, *, with_user_count: bool = False) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "creator_id": str(self.creator.id),
            "creator": self.creator.to_payload(),
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": iso(self.start),
            "scheduled_end_time": iso(self.end) if self.end else None,
            "privacy_level": self.privacy_level,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": {"location": self.location} if self.location else None,
            "image": None,
            "recurrence_rule": self.recurrence_rule,
        }
        if with_user_count:
            payload["user_count"] = len(self.interested)
        return payload

    def add_interested(self, user: User) -> None:
        """A member clicks "Interested" (dispatches GUILD_SCHEDULED_EVENT_USER_ADD)."""
        self.interested[user.id] = user
        self.emit(
            "GUILD_SCHEDULED_EVENT_USER_ADD",
            {
                "guild_scheduled_event_id": str(self.id),
                "user_id": str(user.id),
                "guild_id": str(self.guild_id),
            },
            self.guild_id,
        )
