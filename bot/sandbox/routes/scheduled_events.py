"""``/guilds/{guild_id}/scheduled-events``: create, list, get, modify, delete, and who is
interested — with Discord's field rules per entity type, its recurrence-rule limits and its
permission checks (Create Events or Manage Events; View Channel and Connect for voice/stage)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import ApiError, invalid_form, missing_permissions
from bot.sandbox.kinds import GUILD_VOICE
from bot.sandbox.messages import read_body
from bot.sandbox.permissions import Perm
from bot.sandbox.routes.lookups import ResourceRoutes
from bot.sandbox.routes.responses import json_response, no_content, snowflake_param
from bot.sandbox.scheduled_events import (
    CANCELED,
    COMPLETED,
    EXTERNAL,
    STAGE_INSTANCE,
    VOICE,
    ScheduledEvent,
)

if TYPE_CHECKING:
    from aiohttp import web

    from bot.sandbox.model import Guild

JSON = dict[str, Any]
UNKNOWN_SCHEDULED_EVENT = 10070
STAGE_VOICE = 13
# Rule fields Discord does not let an application set.
_RULE_FIELDS_REFUSED = ("count", "end", "by_year_day")
_DAILY_WEEKDAY_SETS = (
    [0, 1, 2, 3, 4],
    [1, 2, 3, 4, 5],
    [6, 0, 1, 2, 3],
    [4, 5],
    [5, 6],
    [6, 0],
)


class ScheduledEventRoutes(ResourceRoutes):
    def routes(self) -> list[tuple[str, str, Any]]:
        base = "/guilds/{guild_id}/scheduled-events"
        one = base + "/{event_id}"
        return [
            ("GET", base, self.list_events),
            ("POST", base, self.create_event),
            ("GET", one, self.get_event),
            ("PATCH", one, self.modify_event),
            ("DELETE", one, self.delete_event),
            ("GET", one + "/users", self.list_users),
        ]

    # ---- lookups and checks -------------------------------------------------------------------

    def _event(self, request: web.Request, guild: Guild) -> ScheduledEvent:
        event = guild.scheduled_events.get(snowflake_param(request, "event_id"))
        if event is None or event.deleted:
            raise ApiError(404, UNKNOWN_SCHEDULED_EVENT, "Unknown Guild Scheduled Event")
        return event

    def _check_permissions(self, guild: Guild, entity_type: int, channel_id: int | None) -> None:
        bot_id = self.state.bot_user.id
        perms = guild.permissions_for(bot_id)
        if not perms & (Perm.MANAGE_EVENTS | Perm.CREATE_EVENTS):
            raise missing_permissions()
        if entity_type == EXTERNAL:
            return
        channel = guild.channels.get(channel_id or 0)
        if channel is None:
            raise invalid_form("channel_id", code="CHANNEL_INVALID", message="Unknown channel.")
        in_channel = guild.permissions_for(bot_id, channel)
        if in_channel & (Perm.VIEW_CHANNEL | Perm.CONNECT) != Perm.VIEW_CHANNEL | Perm.CONNECT:
            raise missing_permissions()

    # ---- validation ---------------------------------------------------------------------------

    @staticmethod
    def _time(body: JSON, key: str) -> datetime | None:
        raw = body.get(key)
        if raw is None:
            return None
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            raise invalid_form(key, code="DATE_TIME_TYPE_PARSE", message="Invalid date.") from None
        if moment.tzinfo is None:
            raise invalid_form(key, code="DATE_TIME_TYPE_PARSE", message="Missing time zone.")
        return moment

    @staticmethod
    def _check_text(body: JSON) -> None:
        name = body.get("name")
        if name is not None and not 1 <= len(str(name)) <= 100:
            raise invalid_form(
                "name", code="BASE_TYPE_BAD_LENGTH", message="Must be between 1 and 100 in length."
            )
        description = body.get("description")
        if description is not None and len(str(description)) > 1000:
            raise invalid_form(
                "description", code="BASE_TYPE_MAX_LENGTH", message="Must be 1000 or fewer."
            )

    @staticmethod
    def _check_rule(rule: Any) -> JSON | None:
        if rule is None:
            return None
        if not isinstance(rule, dict) or rule.get("frequency") not in (0, 1, 2, 3):
            raise invalid_form("recurrence_rule", code="BASE_TYPE_BAD", message="Bad rule.")
        if any(rule.get(name) is not None for name in _RULE_FIELDS_REFUSED):
            raise invalid_form(
                "recurrence_rule", code="BASE_TYPE_BAD", message="count/end/by_year_day."
            )
        frequency, weekdays = rule["frequency"], rule.get("by_weekday")
        interval = int(rule.get("interval") or 1)
        if interval != 1 and not (frequency == 2 and interval == 2):
            raise invalid_form("recurrence_rule", code="BASE_TYPE_BAD", message="Bad interval.")
        if weekdays is not None:
            weekly_ok = frequency == 2 and len(weekdays) == 1
            if not (weekly_ok or (frequency == 3 and weekdays in _DAILY_WEEKDAY_SETS)):
                raise invalid_form(
                    "recurrence_rule", code="BASE_TYPE_BAD", message="Bad by_weekday."
                )
        if rule.get("by_month_day") is not None and frequency != 0:
            raise invalid_form("recurrence_rule", code="BASE_TYPE_BAD", message="Yearly only.")
        return dict(rule)

    def _apply(self, event: ScheduledEvent, body: JSON) -> None:
        """Check the event as it would be after ``body``, then change it."""
        self._check_text(body)
        entity_type = int(body.get("entity_type", event.entity_type))
        channel_id = body.get("channel_id", event.channel_id)
        metadata = body.get("entity_metadata") or {}
        location = metadata.get("location", event.location) if entity_type == EXTERNAL else None
        start = self._time(body, "scheduled_start_time") or event.start
        end = self._time(body, "scheduled_end_time") if "scheduled_end_time" in body else event.end
        if entity_type == EXTERNAL:
            if channel_id is not None:
                raise invalid_form("channel_id", code="BASE_TYPE_BAD", message="Must be null.")
            if not location or len(str(location)) > 100:
                raise invalid_form(
                    "entity_metadata", "location", code="BASE_TYPE_REQUIRED", message="1-100."
                )
            if end is None:
                raise invalid_form(
                    "scheduled_end_time", code="BASE_TYPE_REQUIRED", message="Required."
                )
        if end is not None and end <= start:
            raise invalid_form(
                "scheduled_end_time", code="BASE_TYPE_BAD", message="Must be after the start."
            )
        rule = self._check_rule(body.get("recurrence_rule", event.recurrence_rule))
        guild = self.state.guilds[event.guild_id]
        self._check_permissions(guild, entity_type, int(channel_id) if channel_id else None)
        event.entity_type, event.location, event.start, event.end = (
            entity_type,
            location,
            start,
            end,
        )
        event.channel_id = int(channel_id) if channel_id else None
        event.recurrence_rule = rule
        event.name = str(body.get("name", event.name))
        event.description = body.get("description", event.description)

    # ---- handlers -----------------------------------------------------------------------------

    async def list_events(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        counted = request.query.get("with_user_count") in ("1", "true", "True")
        events = [e for e in guild.scheduled_events.values() if not e.deleted]
        return json_response([e.to_payload(with_user_count=counted) for e in events])

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        body, _ = await read_body(request)
        for key in ("name", "scheduled_start_time", "entity_type", "privacy_level"):
            if body.get(key) is None:
                raise invalid_form(key, code="BASE_TYPE_REQUIRED", message="Required.")
        entity_type = int(body["entity_type"])
        if entity_type not in (STAGE_INSTANCE, VOICE, EXTERNAL):
            raise invalid_form("entity_type", code="BASE_TYPE_CHOICES", message="1, 2 or 3.")
        if entity_type != EXTERNAL:
            channel = guild.channels.get(int(body.get("channel_id") or 0))
            wanted = GUILD_VOICE if entity_type == VOICE else STAGE_VOICE
            if channel is None or channel.type != wanted:
                raise invalid_form("channel_id", code="CHANNEL_INVALID", message="Wrong channel.")
        start = self._time(body, "scheduled_start_time")
        assert start is not None
        event = ScheduledEvent(
            id=self.state.snowflakes.next(),
            guild_id=guild.id,
            name=str(body["name"]),
            start=start,
            entity_type=entity_type,
            creator=self.state.bot_user,
            emit=self.ctx.dispatch,
        )
        self._apply(event, body)
        guild.scheduled_events[event.id] = event
        self.ctx.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event.to_payload(), guild.id)
        return json_response(event.to_payload())

    async def get_event(self, request: web.Request) -> web.Response:
        event = self._event(request, self.guild(request))
        counted = request.query.get("with_user_count") in ("1", "true", "True")
        return json_response(event.to_payload(with_user_count=counted))

    async def modify_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        event = self._event(request, guild)
        body, _ = await read_body(request)
        if event.status in (COMPLETED, CANCELED):
            raise ApiError(400, 180000, "Cannot update a finished event")
        self._apply(event, body)
        if "status" in body:
            event.status = int(body["status"])
        self.ctx.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event.to_payload(), guild.id)
        return json_response(event.to_payload())

    async def delete_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        event = self._event(request, guild)
        self._check_permissions(guild, event.entity_type, event.channel_id)
        event.deleted = True
        self.ctx.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event.to_payload(), guild.id)
        return no_content()

    async def list_users(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        event = self._event(request, guild)
        limit = min(100, int(request.query.get("limit") or 100))
        after = int(request.query.get("after") or 0)
        users = sorted(u for u in event.interested if u > after)[:limit]
        with_member = request.query.get("with_member") in ("1", "true", "True")
        answer: list[JSON] = []
        for user_id in users:
            entry: JSON = {
                "guild_scheduled_event_id": str(event.id),
                "user": event.interested[user_id].to_payload(),
            }
            member = guild.members.get(user_id)
            if with_member and member is not None:
                entry["member"] = member.to_payload()
            answer.append(entry)
        return json_response(answer)
