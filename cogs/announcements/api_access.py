"""What every announcements route shares: who may call (members read, moderators change),
the loaded feature as the Protocol the routes need, ids in paths, JSON answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Protocol, cast

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from bot.permissions import Tier
from bot.web.auth import Caller, loaded_feature, member_of_guild
from bot.web.problems import responses
from bot.web.tiers import caller_with_tier

if TYPE_CHECKING:
    from datetime import datetime

    from pydantic import BaseModel

    from bot.calendar import CalendarEntry
    from cogs.announcements.flows import AnnouncementFlow

FEATURE = "announcements"
JSON = "application/json"
ROUTER_OPTIONS: dict[str, Any] = {
    "prefix": "/guilds/{guild_id}",
    "tags": ["announcements"],
    "responses": responses(400, 401, 403, 422, 429, 503),
}
CallerDep = Annotated[Caller, Depends(member_of_guild(FEATURE))]
ModeratorDep = Annotated[Caller, Depends(caller_with_tier(FEATURE, Tier.MODERATOR))]
# Announcement ids are the table's own numbers: 18 digits always fit a 64-bit integer.
AnnouncementIdPath = Annotated[
    str, Path(pattern=r"^[0-9]{1,18}$", description="the announcement's number")
]


class AnnouncementsFeature(Protocol):
    """What the routes need of the loaded announcements cog (never its module)."""

    flow: AnnouncementFlow

    async def calendar_events(
        self, guild_id: int, user_id: int | None, start: datetime, end: datetime
    ) -> list[CalendarEntry]: ...


def feature_of(request: Request) -> AnnouncementsFeature:
    return cast("AnnouncementsFeature", loaded_feature(request, FEATURE))


def json_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(model.model_dump_json(), status_code, headers, media_type=JSON)
