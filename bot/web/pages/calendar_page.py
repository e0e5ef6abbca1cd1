"""The calendar page, `/c/{guild}`: the server's events and the member's own in a month, from
the same source as the iCalendar feeds (every loaded feature's calendar hook), with the link
to subscribe to the member's feed.

A series is shown on each of its days by the feature itself (`calendar_occurrences`), which
walks it with the code its scheduler runs it by; this page expands no rule. Times are the
server's time zone (`/admin config` `timezone`), and the page says which.

The feed's URL needs a read-only personal token (calendar apps send no headers). The page
makes one on request, as `/nexus token create` does (same service, same limits), and shows its
secret once, in the answer to that member's own form, never stored and never cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final

from fastapi import Query, Request

from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.forms import checked_form
from bot.web.pages.month_grid import WEEKDAYS, BadMonth, month_of, month_weeks, parse_month
from bot.web.pages.paths import CALENDAR, calendar_path
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pages.viewer import member_viewer

if TYPE_CHECKING:
    from datetime import datetime

    from fastapi.responses import Response

    from bot.calendar import CalendarEntry
    from bot.web.pages.viewer import Viewer

TEMPLATES: Final = page_templates()
FEED_PATH: Final = "/api/v1/guilds/{guild_id}/calendar.ics"
TOKEN_NAME: Final = "calendar"
# The token's secret is on this page only: no cache, not even the browser's, may keep it.
SECRET_HEADERS: Final = {"Cache-Control": "no-store"}
router = page_router()


def _feed_url(request: Request, guild_id: int) -> str:
    public = state_of(request).host.settings.web.public_url
    base = (public or str(request.base_url)).rstrip("/")
    return base + FEED_PATH.format(guild_id=guild_id)


async def _events(
    request: Request, viewer: Viewer, window: tuple[datetime, datetime]
) -> list[tuple[str, CalendarEntry]]:
    """Every loaded feature's occurrences in `window` for the viewer, named by feature; none
    from a feature the viewer is blocked from (as the personal feed leaves them out)."""
    host = state_of(request).host
    found: list[tuple[str, CalendarEntry]] = []
    for feature in host.features:
        if await host.blocks.is_blocked(viewer.guild_id, viewer.user_id, feature.feature):
            continue
        entries = await feature.calendar_occurrences(viewer.guild_id, viewer.user_id, *window)
        found += [(feature.feature, entry) for entry in entries]
    return found


@router.get(CALENDAR)
async def calendar_page(
    request: Request,
    guild_id: GuildIdPath,
    month: Annotated[str | None, Query()] = None,
) -> Response:
    viewer = await member_viewer(request, int(guild_id))
    host = state_of(request).host
    zone = (await host.guild_settings.get(viewer.guild_id)).timezone
    now = host.clock.now()
    current = month_of(now, zone)
    try:
        shown = current if month is None else parse_month(month)
    except BadMonth as error:
        return render(
            request,
            TEMPLATES,
            "calendar/bad_month.html",
            viewer=viewer,
            status=400,
            detail=error.message,
            current_path=calendar_path(viewer.guild_id),
            current_title=current.title,
        )
    window = shown.window(zone)
    weeks = month_weeks(
        shown, now.astimezone(zone).date(), await _events(request, viewer, window), zone
    )
    neighbours = {name: shown.shifted(step) for name, step in (("previous", -1), ("next", 1))}
    return render(
        request,
        TEMPLATES,
        "calendar/month.html",
        viewer=viewer,
        month=shown,
        weeks=weeks,
        nothing=not any(day.events for week in weeks for day in week),
        weekdays=WEEKDAYS,
        zone=zone.key,
        links={
            name: calendar_path(viewer.guild_id, other.key)
            for name, other in neighbours.items()
            if other.in_range()
        },
        titles={name: other.title for name, other in neighbours.items()},
        is_current=shown == current,
        current_path=calendar_path(viewer.guild_id),
        feed_url=_feed_url(request, viewer.guild_id),
        token_path=f"/c/{viewer.guild_id}/token",
        token_name=TOKEN_NAME,
    )


@router.post("/c/{guild_id}/token")
async def make_feed_token(request: Request, guild_id: GuildIdPath) -> Response:
    """A read-only personal token for the member's feed, as `/nexus token create name
    scope:read` makes it; its secret shown once, to them."""
    viewer = await member_viewer(request, int(guild_id))
    form = await checked_form(request, viewer.guild_id, viewer.user_id)
    tokens = state_of(request).tokens
    made = await tokens.create(
        viewer.guild_id, viewer.user_id, form.get("name", TOKEN_NAME), "read"
    )
    response = render(
        request,
        TEMPLATES,
        "calendar/token.html",
        viewer=viewer,
        token_name=made.info.name,
        subscribe_url=f"{_feed_url(request, viewer.guild_id)}?token={made.secret}",
        calendar_path=calendar_path(viewer.guild_id),
    )
    response.headers.update(SECRET_HEADERS)
    return response
