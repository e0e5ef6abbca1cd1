"""The moderators' feedback part of the dashboard is kept between views (its medians read every
item opened in the weeks), so these views prove it never shows what is out of date: each change
made through the commands — an item logged, a move, a resolution — shows on the next view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World
from tests.e2e.dashboard_data import START, last_week, start_dashboard_bot, tables_of
from tests.e2e.page_visits import base, browser, sign_in_link, visit


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def _command(
    sandbox: SandboxServer, world: World, name: str, user: Any, **options: Any
) -> str:
    reply = await sandbox.invoke(
        name, user=user, guild=world.guild, channel=world.general, **options
    )
    return str(reply.text)


async def test_each_feedback_change_shows_on_the_moderators_next_view(
    start_nexus: StartBot, sandbox: SandboxServer, world: World, clock: FrozenClock
) -> None:
    bot = await start_dashboard_bot(start_nexus, clock)
    page = f"{base(bot)}/d/{world.guild.id}"

    async def feedback_tables() -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
        """The moderator's view now (signed in afresh: the frozen clock moves by hours)."""
        async with browser() as http:
            link = await sign_in_link(sandbox, world.mod, world.guild, world.general)
            await visit(http, "GET", link)
            status, _, body = await visit(http, "GET", page)
        assert status == 200, body
        tables = tables_of(body)
        endpoints = {row[0]: row[1:] for row in tables["By endpoint"][1:]}
        return (
            last_week(tables["Opened and resolved a week"]),
            last_week(tables["Time to first response and to resolution"]),
            endpoints,
        )

    flow, _, endpoints = await feedback_tables()
    assert (flow["Opened"], flow["Resolved"]) == ("0", "0")
    assert endpoints == {"Nothing yet.": []}

    logged = await _command(
        sandbox, world, "/feedback log", world.alice,
        endpoint="GET /api/jobs", severity="bug", title="Jobs fail", details="page=2 fails",
    )  # fmt: skip
    assert "Logged **FB-1" in logged, logged
    flow, times, endpoints = await feedback_tables()
    assert (flow["Opened"], flow["Resolved"]) == ("1", "0")
    assert times["First response (median h)"] == "—"
    assert endpoints == {"GET /api/jobs": ["1", "0", "—", "—"]}

    clock.advance(timedelta(hours=1))
    await _command(
        sandbox, world, "/feedback status", world.triager, id="FB-1", status="acknowledged"
    )
    _, times, endpoints = await feedback_tables()
    assert times["First response (median h)"] == "1"
    assert endpoints == {"GET /api/jobs": ["1", "0", "1", "—"]}

    clock.advance(timedelta(hours=2))
    await _command(sandbox, world, "/feedback status", world.triager, id="FB-1", status="resolved")
    flow, times, endpoints = await feedback_tables()
    assert (flow["Opened"], flow["Resolved"]) == ("1", "1")
    assert times["Resolution (median h)"] == "3"
    assert endpoints == {"GET /api/jobs": ["1", "1", "1", "3"]}
