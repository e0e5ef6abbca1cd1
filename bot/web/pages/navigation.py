"""The site's navigation: the pages of the viewer's server, in the header of every page.

Each feature names its own pages (`FeatureCog.page_links`), the core adds its own (the calendar,
the dashboard, and the settings for moderators), so the core names no feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.permissions import Tier
from bot.web.auth import state_of
from bot.web.pages.paths import calendar_path, dashboard_path, settings_path

if TYPE_CHECKING:
    from fastapi import Request

    from bot.web.pages.viewer import Viewer


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    current: bool  # the page being shown (aria-current)


def site_links(request: Request, viewer: Viewer) -> list[NavLink]:
    guild_id = viewer.guild_id
    links: list[tuple[str, str]] = []
    for feature in sorted(state_of(request).host.features, key=lambda cog: cog.feature):
        links.extend(feature.page_links(guild_id))
    links += [("Calendar", calendar_path(guild_id)), ("Dashboard", dashboard_path(guild_id))]
    if viewer.tier >= Tier.MODERATOR:
        links.append(("Settings", settings_path(guild_id)))
    here = request.url.path
    return [NavLink(label, path, here == path.split("?")[0]) for label, path in links]
