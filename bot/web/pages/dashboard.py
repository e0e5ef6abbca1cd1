"""The program dashboard, `/d/{guild}`: every feature's charts, each beside its table.

The page names no feature: it asks each loaded feature for its sections through the contract
(`FeatureCog.dashboard_sections`), leaving out features the viewer is blocked from, and draws
them (SVG on the server, `charts.py`). A moderator sees the whole server; anyone else sees the
parts about themselves, which each feature decides. Weeks come from the injected clock, in the
guild's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from fastapi import Request
from markupsafe import Markup

from bot.dashboard import DashboardViewer, last_weeks
from bot.feature_asking import ask_every_feature
from bot.permissions import Tier
from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.charts import svg_chart
from bot.web.pages.paths import DASHBOARD
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pages.viewer import SignInNeeded, page_viewer

if TYPE_CHECKING:
    from fastapi.responses import Response

    from bot.dashboard import Cell, Panel, Section
    from bot.feature import FeatureCog

# The dashboard belongs to no feature; a block of this name never exists, so no one is
# refused the page itself (each feature's block still hides its sections).
PAGE: Final = "dashboard"
# Less than /admin stats allows: a person is waiting for this page.
FEATURE_TIMEOUT_SECONDS: Final = 10.0
router = page_router()


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    chart_id: str
    svg: Markup | None
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ShownSection:
    section: Section
    panels: tuple[ShownPanel, ...]


def cell_text(value: Cell) -> str:
    """A table cell as shown: whole numbers without decimals, others to one, nothing as —."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def shown_sections(sections: list[Section]) -> list[ShownSection]:
    shown = []
    number = 0
    for section in sections:
        panels = []
        for panel in section.panels:
            number += 1
            chart_id = f"chart-{number}"
            svg = None
            if panel.chart is not None:
                svg = svg_chart(panel.chart, chart_id, panel.title, panel.description)
            rows = tuple(tuple(cell_text(cell) for cell in row) for row in panel.table.rows)
            panels.append(ShownPanel(panel, chart_id, svg, rows))
        shown.append(ShownSection(section, tuple(panels)))
    return shown


@router.get(DASHBOARD)
async def dashboard_page(request: Request, guild_id: GuildIdPath) -> Response:
    viewer = await page_viewer(request, int(guild_id), PAGE, required=True)
    if viewer is None:  # never: a required viewer is signed in or the page is refused
        raise SignInNeeded(int(guild_id))
    host = state_of(request).host
    config = await host.guild_settings.get(viewer.guild_id)
    weeks = last_weeks(host.clock.now(), config.timezone)
    everyone = viewer.tier >= Tier.MODERATOR
    scope = DashboardViewer(viewer.user_id, everyone, weeks)
    shown = [
        feature
        for feature in host.features
        if not await host.blocks.is_blocked(viewer.guild_id, viewer.user_id, feature.feature)
    ]
    # A feature whose part fails or hangs is named on the page (and logged); the rest show.
    answers, failed = await ask_every_feature(
        shown,
        lambda feature: cast("FeatureCog", feature).dashboard_sections(viewer.guild_id, scope),
        timeout_seconds=FEATURE_TIMEOUT_SECONDS,
        doing="draw its part of the dashboard",
    )
    sections = [section for answer in answers.values() for section in answer]
    guild = host.get_guild(viewer.guild_id)
    return render(
        request,
        page_templates(),
        "dashboard.html",
        viewer=viewer,
        server_name=guild.name if guild is not None else "this server",
        everyone=everyone,
        zone=weeks.zone,
        first_week=weeks.labels[0],
        sections=shown_sections(sections),
        failed=failed,
    )
