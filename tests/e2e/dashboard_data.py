"""What the dashboard tests make through Nexus's own commands, on a frozen clock: two pairing
rounds with answers, feedback opened, answered and resolved, snippets shared, starred and
searched, and announcements posted on time, late, failed and skipped; and a reader of the
page's tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.sandbox import SandboxServer
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, share
from tests.e2e.test_api import make_token

# A Wednesday: the page's newest week is the week of Monday Nov 30 (the server's zone is UTC).
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HOSTILE_TAG = "<script>alert(1)</script>"
HOSTILE_PATH = "/api/x'onmouseover=alert(1)"
BOB_TAG = "bobonly"


async def start_dashboard_bot(start_nexus: StartBot, clock: FrozenClock) -> NexusBot:
    bot = await start_nexus(
        clock=clock,
        web={"enabled": True, "host": "127.0.0.1", "port": 0},
        snippets={"shares_per_minute": 100},
    )
    cog: Any = bot.get_cog("AnnouncementsCog")
    await cog.ready.wait()
    return bot


def _press(sandbox: SandboxServer, message: Any, label: str, user: Any) -> Any:
    button = next(
        component
        for row in message.components
        for component in row.get("components", [])
        if component.get("label") == label
    )
    return sandbox.send_component(
        message, {"custom_id": button["custom_id"], "component_type": 2}, user=user
    )


async def _command(
    sandbox: SandboxServer, world: World, name: str, user: Any, **options: Any
) -> Any:
    return await sandbox.invoke(
        name, user=user, guild=world.guild, channel=world.general, **options
    )


async def make_rounds(sandbox: SandboxServer, world: World, clock: FrozenClock) -> None:
    """Alice and Bob paired twice (the second a repeat): the first met, the second couldn't."""
    for user in (world.alice, world.bob):
        reply = await sandbox.invoke(
            "/pair join", user=user, guild=world.guild, channel=world.pairing,
            level="intermediate", timezone="Europe/Berlin",
        )  # fmt: skip
        assert "ERROR" not in reply.text.upper(), reply.text
    for number, label in ((1, "We met"), (2, "Couldn't meet")):
        clock.advance(timedelta(minutes=1))  # a round is claimed for its moment
        ran = await sandbox.invoke(
            "/pair round run", user=world.mod, guild=world.guild, channel=world.pairing, timeout=20
        )
        assert len(world.pairing.threads) == number, ran.text
        thread = world.pairing.threads[number - 1]
        answered = await _press(sandbox, thread.messages[0], label, world.bob)
        assert "marked this pairing" in answered.text, answered.text


async def make_snippets(sandbox: SandboxServer, world: World, bot: NexusBot) -> None:
    """Alice shares two (one with a hostile tag), Bob one; Bob stars one of Alice's; two
    searches by command and one through the API (a refused query and a plain list are no
    searches)."""
    first = await share(sandbox, world, "Joins", "SELECT 1;", tags=f"sql {HOSTILE_TAG}")
    await share(sandbox, world, "Windows", "SELECT 2;", tags="sql")
    await share(sandbox, world, "Bob's", "x = 1", user=world.bob, tags=BOB_TAG)
    starred = await sandbox.invoke(
        "/snippet star", user=world.bob, guild=world.guild, channel=world.snippets, id=first
    )
    assert "★" in starred.text or "star" in starred.text.lower(), starred.text
    for query in ("select", "windows"):
        await sandbox.invoke(
            "/snippet search", user=world.carol, guild=world.guild, channel=world.general,
            query=query,
        )  # fmt: skip
    refused = await sandbox.invoke(
        "/snippet search", user=world.carol, guild=world.guild, channel=world.general,
        query="ab*",
    )  # fmt: skip
    assert refused.ephemeral and "3" in refused.text, refused.text  # not a search that ran
    token = await make_token(sandbox, world, user=world.carol)
    url = f"{base(bot)}/api/v1/guilds/{world.guild.id}/snippets"
    assert (await call("GET", f"{url}?q=joins", token))[0] == 200
    assert (await call("GET", url, token))[0] == 200


async def make_feedback(sandbox: SandboxServer, world: World, clock: FrozenClock) -> None:
    """FB-1 by Alice: acknowledged after 1 h, resolved after 3 h. FB-2 by Bob, still open."""
    logged = await _command(
        sandbox, world, "/feedback log", world.alice,
        endpoint="GET /api/jobs", severity="bug", title="Jobs fail", details="page=2 fails",
    )  # fmt: skip
    assert "Logged **FB-1" in logged.text, logged.text
    logged = await _command(
        sandbox, world, "/feedback log", world.bob,
        endpoint=f"POST {HOSTILE_PATH}", severity="bug", title="Bob's", details="it breaks",
    )  # fmt: skip
    assert "Logged **FB-2" in logged.text, logged.text
    clock.advance(timedelta(hours=1))
    await _command(
        sandbox, world, "/feedback status", world.triager, id="FB-1", status="acknowledged"
    )
    clock.advance(timedelta(hours=2))
    done = await _command(
        sandbox, world, "/feedback status", world.triager, id="FB-1", status="resolved"
    )
    assert "Resolved" in done.text or "resolved" in done.text, done.text


async def make_announcements(
    sandbox: SandboxServer, world: World, bot: NexusBot, clock: FrozenClock
) -> None:
    """One posted on time, one posted late, one failed (its channel deleted), one skipped."""
    doomed = world.guild.create_channel("doomed")
    await sandbox.wait_until(lambda: bot.get_channel(doomed.id) is not None, 5, "channel")
    plans = (
        (world.general, "in 1h", "post_late"),
        (world.general, "in 2h", "post_late"),
        (doomed, "in 2h", "post_late"),
        (world.general, "in 2h", "skip"),
    )
    for channel, when, missed in plans:
        made = await sandbox.invoke(
            "/announce create", user=world.admin, guild=world.guild, channel=world.announcements,
            options={"channel": channel, "when": when, "message": "Hello", "missed": missed},
        )  # fmt: skip
        assert "ERROR" not in made.text.upper(), made.text
    world.guild.delete_channel(doomed)
    await sandbox.wait_until(lambda: bot.get_channel(doomed.id) is None, 5, "channel gone")
    dispatcher = bot.get_cog("AnnouncementsCog").dispatcher  # type: ignore[union-attr]
    clock.advance(timedelta(hours=1))
    await dispatcher.run_due()
    clock.advance(timedelta(hours=1, minutes=10))
    await dispatcher.run_due()


TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)


def tables_of(body: str) -> dict[str, list[list[str]]]:
    """Every <table> of a page by its caption: its header row and body rows, as cell texts.
    Nexus's tables are well-formed markup, so the XML parser reads them."""
    found: dict[str, list[list[str]]] = {}
    for markup in TABLE.findall(body):
        table = ET.fromstring(markup)
        caption = "".join(table.find("caption").itertext()).strip()  # type: ignore[union-attr]
        rows = [
            ["".join(cell.itertext()).strip() for cell in row if cell.tag in {"th", "td"}]
            for row in table.iter("tr")
        ]
        found.setdefault(caption, rows)
    return found


def last_week(table: list[list[str]]) -> dict[str, str]:
    """The newest week's row of a weekly table, by column header."""
    return dict(zip(table[0], table[-1], strict=True))
