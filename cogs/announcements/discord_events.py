"""The Discord side of an announcement's scheduled event: create, edit, cancel and delete it,
count and list who is interested, and turn Discord's refusals into sentences for moderators.

It goes through discord.py's HTTP client (its rate limiting and retries) but builds the
requests itself: discord.py 2.7 drops `recurrence_rule` from what it sends, and plain REST
works from every process, whether or not its shards hold the guild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import discord
from discord.http import Route

from cogs.announcements.event_plan import CANCELED, Place, place_of

if TYPE_CHECKING:
    from discord.http import HTTPClient

# Discord lists at most this many interested users per request; a post pings at most these.
INTERESTED_MAX: Final = 100
_EVENTS: Final = "/guilds/{guild_id}/scheduled-events"
_EVENT: Final = _EVENTS + "/{event_id}"


def place_in(client: discord.Client, channel_id: int) -> Place:
    """The event's place for an announcement posted in `channel_id` (as far as the cache knows)."""
    channel = client.get_channel(channel_id)
    kind = None
    if isinstance(channel, discord.StageChannel):
        kind = "stage"
    elif isinstance(channel, discord.VoiceChannel):
        kind = "voice"
    return place_of(channel_id, kind, getattr(channel, "name", None))


class EventFailure(Exception):
    """Discord refused; `message` says why, for the moderators and the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EventGone(Exception):
    """The event was deleted in Discord (by a moderator, or by Discord after it ended)."""


class DiscordEvents:
    def __init__(self, http: HTTPClient) -> None:
        self._http = http

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        guild_id, event_id = options.pop("guild_id"), options.pop("event_id", None)
        route = Route(method, path, guild_id=guild_id, event_id=event_id)
        try:
            return await self._http.request(route, **options)
        except discord.Forbidden:
            raise EventFailure(
                "I'm missing the Manage Events permission (or Create Events, and View Channel "
                "and Connect in a voice channel)"
            ) from None
        except discord.NotFound:
            if event_id is not None:
                raise EventGone from None
            raise EventFailure("Discord does not know the server or channel") from None
        except discord.HTTPException as error:
            raise EventFailure(f"Discord answered {error.status}: {error.text[:200]}") from None

    async def create(self, guild_id: int, payload: dict[str, Any]) -> int:
        answer = await self._call("POST", _EVENTS, guild_id=guild_id, json=payload)
        return int(answer["id"])

    async def edit(self, guild_id: int, event_id: int, payload: dict[str, Any]) -> None:
        await self._call("PATCH", _EVENT, guild_id=guild_id, event_id=event_id, json=payload)

    async def cancel(self, guild_id: int, event_id: int) -> None:
        status = {"status": CANCELED}
        await self._call("PATCH", _EVENT, guild_id=guild_id, event_id=event_id, json=status)

    async def delete(self, guild_id: int, event_id: int) -> None:
        await self._call("DELETE", _EVENT, guild_id=guild_id, event_id=event_id)

    async def interested_count(self, guild_id: int, event_id: int) -> int:
        params = {"with_user_count": 1}
        answer = await self._call(
            "GET", _EVENT, guild_id=guild_id, event_id=event_id, params=params
        )
        return int(answer.get("user_count") or 0)

    async def interested(self, guild_id: int, event_id: int) -> list[int]:
        """The first INTERESTED_MAX interested users (bots left out), by id."""
        answer = await self._call(
            "GET",
            _EVENT + "/users",
            guild_id=guild_id,
            event_id=event_id,
            params={"limit": INTERESTED_MAX},
        )
        return [int(entry["user"]["id"]) for entry in answer if not entry["user"].get("bot")]
