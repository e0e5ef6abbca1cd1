"""Code links through the real bot and the sandbox: a permalink to lines on GitHub, GitLab,
Bitbucket or a gist, posted where a moderator turned expansion on, is answered with the lines.

The "services" are one local server answering like their raw-file endpoints (the bot's raw URLs
point at it; a GitLab of its own lives on it as any self-hosted one would), reached through the
bot's one guarded fetcher, which connects nowhere outside 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from aiohttp import web

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.code_blocks import unescape_code_block
from bot.preflight import run_check
from bot.sandbox import SandboxServer
from bot.sandbox.model import Message
from tests.e2e.conftest import StartBot, World

SOURCE = "".join(f"value_{n} = {n}\n" for n in range(1, 101)).encode()
MANAGE_MESSAGES = discord.Permissions(manage_messages=True).value
SUPPRESS_EMBEDS = 1 << 2
LOCAL = {"allow": ["127.0.0.1/32"]}


class RawFiles:
    """Answers GET <path> with the file stored there as text/plain, or 404, as raw hosts do."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.base = ""
        self.port = 0

    async def serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        if request.path.endswith("/slow.py"):
            await asyncio.sleep(2)
        body = self.files.get(request.path)
        if body is None:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=body, content_type="text/plain", charset="utf-8")


@pytest.fixture
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[SandboxServer]:
    """The sandbox; a test may name the privileged intents the application is granted."""
    server = SandboxServer(privileged_intents=getattr(request, "param", None), bot_in_process=True)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def raw() -> AsyncIterator[RawFiles]:
    files = RawFiles()
    app = web.Application()
    app.router.add_get("/{tail:.*}", files.serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    files.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    files.base = f"http://127.0.0.1:{files.port}"
    for path in (
        "/github/nexus/demo/main/src/app.py",
        "/gist/alice/abc123/raw/app.py",
        "/bitbucket/nexus/demo/raw/main/src/app.py",
        "/group/demo/-/raw/main/src/app.py",
        "/github/nexus/demo/main/src/slow.py",
    ):
        files.files[path] = SOURCE
    files.files["/github/nexus/demo/main/big.py"] = b"x = 1\n" * 5_000
    files.files["/github/nexus/demo/main/logo.png"] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
    try:
        yield files
    finally:
        await runner.cleanup()


def codelinks_config(raw: RawFiles, **extra: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "github_raw_url": f"{raw.base}/github",
        "gist_raw_url": f"{raw.base}/gist",
        "bitbucket_raw_url": f"{raw.base}/bitbucket",
        "gitlab_hosts": [f"127.0.0.1:{raw.port}"],
        "fetch_timeout_seconds": 0.5,
        "max_file_bytes": 20_000,
        **extra,
    }


async def start_links(
    start_nexus: StartBot, world: World, raw: RawFiles, fetch: Any = None, **options: Any
) -> NexusBot:
    clock = options.pop("clock", None)
    bot = await start_nexus(
        codelinks=codelinks_config(raw, **options), fetch=LOCAL if fetch is None else fetch,
        clock=clock,
    )  # fmt: skip
    await bot.guild_settings.set(
        world.guild.id, "codelinks.channels", [world.general.id], actor_id=None
    )
    return bot


@pytest.fixture
async def links_nexus(start_nexus: StartBot, world: World, raw: RawFiles) -> NexusBot:
    return await start_links(start_nexus, world, raw)


def github(path: str = "src/app.py", lines: str = "L3-L5") -> str:
    return f"https://github.com/nexus/demo/blob/main/{path}#{lines}"


async def reply_to(sandbox: SandboxServer, posted: Message, timeout: float = 5.0) -> Message:
    return await sandbox.wait_for_message(
        posted.channel, lambda m: m.referenced_message is posted, timeout=timeout
    )


def replies(sandbox: SandboxServer) -> list[Message]:
    return [m for m in sandbox.messages_by_bot() if m.referenced_message is not None]


async def logged(caplog: pytest.LogCaptureFixture, text: str) -> logging.LogRecord:
    for _ in range(100):
        for record in caplog.records:
            if text in record.getMessage():
                return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing logged with {text!r}")


def shown_code(message: Message) -> str:
    block = message.content.split("```", 2)[1]
    return unescape_code_block(block.split("\n", 1)[1].removesuffix("\n"))


# ---- expansion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "heading"),
    [
        (github(), "**src/app.py** · lines 3–5 · nexus/demo on GitHub"),
        (
            "http://127.0.0.1:{port}/group/demo/-/blob/main/src/app.py#L3-5",
            "**src/app.py** · lines 3–5 · group/demo on GitLab",
        ),
        (
            "https://bitbucket.org/nexus/demo/src/main/src/app.py#lines-3:5",
            "**src/app.py** · lines 3–5 · nexus/demo on Bitbucket",
        ),
        (
            "https://gist.github.com/alice/abc123#file-app-py-L3-L5",
            "**app.py** · lines 3–5 · alice/abc123 on Gist",
        ),
    ],
)
async def test_a_permalink_is_answered_with_its_lines(
    sandbox: SandboxServer,
    world: World,
    links_nexus: NexusBot,
    raw: RawFiles,
    link: str,
    heading: str,
) -> None:
    link = link.format(port=raw.port)
    posted = sandbox.send_user_message(world.general, world.alice, f"look at {link} please")
    reply = await reply_to(sandbox, posted)
    assert reply.content.startswith(heading + "\n```python\n")
    assert shown_code(reply) == "value_3 = 3\nvalue_4 = 4\nvalue_5 = 5"
    assert reply.content.endswith(f"<{link}>")
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    labels = [c["label"] for row in reply.components for c in row["components"]]
    assert labels == ["Save as snippet", "Delete"]
    assert len(raw.requests) == 1


async def test_a_long_range_shows_its_first_lines_and_links_the_rest(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot
) -> None:
    link = github(lines="L1-L90")
    posted = sandbox.send_user_message(world.general, world.alice, link)
    reply = await reply_to(sandbox, posted)
    assert shown_code(reply).split("\n") == [f"value_{n} = {n}" for n in range(1, 26)]
    assert reply.content.endswith(f"… 65 more lines: <{link}>")
    assert len(reply.content) <= 2000


async def test_code_cannot_close_the_block_or_ping_anyone(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot, raw: RawFiles
) -> None:
    raw.files["/github/nexus/demo/main/evil.py"] = b"x = 1\n```\n@everyone <@&1> hi\n"
    posted = sandbox.send_user_message(world.general, world.alice, github("evil.py", "L1-L3"))
    reply = await reply_to(sandbox, posted)
    assert reply.content.count("```") == 2
    assert shown_code(reply) == "x = 1\n```\n@everyone <@&1> hi"
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []


async def test_links_where_expansion_is_off_are_left_alone(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot, raw: RawFiles
) -> None:
    sandbox.send_user_message(world.snippets, world.alice, github())
    sandbox.send_user_message(world.general, world.alice, "https://github.com/nexus/demo")
    await asyncio.sleep(0.5)
    assert replies(sandbox) == []
    assert raw.requests == []


async def test_nothing_is_expanded_while_the_feature_is_off(
    sandbox: SandboxServer, world: World, start_nexus: StartBot, raw: RawFiles
) -> None:
    bot = await start_nexus(codelinks={**codelinks_config(raw), "enabled": False}, fetch=LOCAL)
    await bot.guild_settings.set(
        world.guild.id, "codelinks.channels", [world.general.id], actor_id=None
    )
    assert not bot.intents.message_content
    sandbox.send_user_message(world.general, world.alice, github())
    await asyncio.sleep(0.5)
    assert replies(sandbox) == [] and raw.requests == []


@pytest.mark.parametrize(
    ("link", "allow", "why"),
    [
        (github(), [], "points at the bot's own machine"),
        (github("big.py", "L1-L2"), None, "larger than"),
        (github("src/slow.py"), None, "longer than 0.5 s"),
        (github("src/missing.py"), None, "HTTP 404"),
        (github(lines="L500-L510"), None, "past its end"),
        (github("logo.png", "L1"), None, "not text"),
    ],
)
async def test_a_link_that_cannot_be_fetched_posts_nothing_and_logs_one_info_line(
    sandbox: SandboxServer,
    world: World,
    start_nexus: StartBot,
    raw: RawFiles,
    caplog: pytest.LogCaptureFixture,
    link: str,
    allow: list[str] | None,
    why: str,
) -> None:
    await start_links(start_nexus, world, raw, fetch=None if allow is None else {"allow": allow})
    caplog.clear()
    with caplog.at_level(logging.INFO):
        sandbox.send_user_message(world.general, world.alice, link)
        record = await logged(caplog, why)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert replies(sandbox) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


HOSTILE = [
    github(lines="L1-L10000000"),
    github(lines="L10000001"),
    github(lines="L99999999999999999999"),
    "https://github.com/nexus/demo/blob/main/" + "%2e%2e/" * 20 + "etc/passwd#L1",
    "https://github.com/nexus/demo/blob/main/src/app.py#L3-L5" + "x" * 1_900,
    "```" + github() + "```",
    "<@&1> @everyone " + github(lines="L1-L2") + " " + github(lines="L3"),
    "https://gitlab.com@127.0.0.1/x/y/-/blob/main/a.py#L1",
    "http://[::1]/x/y/-/blob/main/a.py#L1",
]


async def test_hostile_links_never_break_the_bot(
    sandbox: SandboxServer,
    world: World,
    links_nexus: NexusBot,
    raw: RawFiles,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        for content in HOSTILE:
            sandbox.send_user_message(world.general, world.carol, content)
        last = sandbox.send_user_message(world.general, world.carol, github(lines="L9"))
        await reply_to(sandbox, last)
        await asyncio.sleep(0.3)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not sandbox.errors
    assert len(replies(sandbox)) >= 3  # the whole-file range, the pinging one and the last
    for reply in replies(sandbox):
        assert len(reply.content) <= 2000 and reply.content.count("```") == 2
        assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    assert all(path.startswith("/github/nexus/demo/main/") for path in raw.requests)


async def test_a_guild_over_its_rate_gets_no_more_expansions_until_a_minute_passes(
    sandbox: SandboxServer,
    world: World,
    start_nexus: StartBot,
    raw: RawFiles,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await start_links(start_nexus, world, raw, per_guild_per_minute=2, clock=clock)
    for lines in ("L1", "L2"):
        await reply_to(
            sandbox, sandbox.send_user_message(world.general, world.bob, github(lines=lines))
        )
    with caplog.at_level(logging.INFO):
        sandbox.send_user_message(world.general, world.bob, github(lines="L3"))
        await logged(caplog, "over 2 per minute")
    assert len(replies(sandbox)) == 2
    clock.advance(timedelta(seconds=61))
    await reply_to(sandbox, sandbox.send_user_message(world.general, world.bob, github(lines="L4")))
    assert len(replies(sandbox)) == 3


async def test_a_file_linked_again_is_served_from_the_cache(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot, raw: RawFiles
) -> None:
    first = await reply_to(sandbox, sandbox.send_user_message(world.general, world.alice, github()))
    again = sandbox.send_user_message(world.general, world.bob, github(lines="L7-L8"))
    second = await reply_to(sandbox, again)
    assert shown_code(first) != shown_code(second) == "value_7 = 7\nvalue_8 = 8"
    assert raw.requests == ["/github/nexus/demo/main/src/app.py"]


# ---- the preview and the buttons --------------------------------------------------------------


async def test_the_services_preview_is_hidden_when_the_bot_may_manage_messages(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot
) -> None:
    preview = [{"type": "rich", "title": "demo/src/app.py at main"}]
    plain = sandbox.send_user_message(world.general, world.alice, github(), embeds=preview)
    await reply_to(sandbox, plain)
    assert not plain.flags & SUPPRESS_EMBEDS
    world.general.set_permissions(world.guild.bot_role, allow=MANAGE_MESSAGES)
    managed = sandbox.send_user_message(world.general, world.alice, github(), embeds=preview)
    await reply_to(sandbox, managed)
    await sandbox.wait_until(lambda: bool(managed.flags & SUPPRESS_EMBEDS), what="suppressed")
    assert not sandbox.errors


async def test_save_as_snippet_opens_the_share_form_with_the_lines_and_the_source(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot
) -> None:
    link = github(lines="L3-L5")
    reply = await reply_to(sandbox, sandbox.send_user_message(world.general, world.alice, link))
    form = await sandbox.send_component(
        reply, {"custom_id": "codelinks:save", "component_type": 2}, user=world.bob
    )
    assert form.modal is not None
    assert form.modal.fields["code"]["value"] == "value_3 = 3\nvalue_4 = 4\nvalue_5 = 5"
    assert form.modal.fields["title"]["value"] == "src/app.py lines 3–5"
    assert form.modal.fields["description"]["value"] == f"Source: {link}"
    assert form.modal.fields["language"]["value"] == "python"


async def test_the_poster_or_a_moderator_may_delete_the_expansion_and_no_one_else(
    sandbox: SandboxServer, world: World, links_nexus: NexusBot
) -> None:
    posted = sandbox.send_user_message(world.general, world.alice, github())
    reply = await reply_to(sandbox, posted)
    delete = {"custom_id": f"codelinks:delete:{world.alice.id}", "component_type": 2}
    refused = await sandbox.send_component(reply, delete, user=world.bob)
    assert refused.ephemeral and "Only the member who posted the link" in refused.text
    assert not reply.deleted
    done = await sandbox.send_component(reply, delete, user=world.alice)
    assert done.ephemeral and reply.deleted
    second = await reply_to(sandbox, sandbox.send_user_message(world.general, world.bob, github()))
    by_mod = {"custom_id": f"codelinks:delete:{world.bob.id}", "component_type": 2}
    await sandbox.send_component(second, by_mod, user=world.mod)
    assert second.deleted and not posted.deleted


# ---- the privileged intent ------------------------------------------------------------------


async def test_the_intent_is_requested_only_when_expansion_is_on(
    links_nexus: NexusBot, sandbox: SandboxServer
) -> None:
    assert links_nexus.intents.message_content
    [session] = sandbox.gateway.live_sessions()
    assert session.intents & (1 << 15)


@pytest.mark.parametrize("sandbox", [frozenset({"members"})], indirect=True)
async def test_a_refused_intent_starts_the_bot_without_it_and_everything_else_works(
    sandbox: SandboxServer,
    world: World,
    start_nexus: StartBot,
    raw: RawFiles,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        bot = await start_links(start_nexus, world, raw)
    [warning] = [r for r in caplog.records if "4014" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.exc_info is None
    assert "MESSAGE CONTENT INTENT" in warning.getMessage()
    assert not bot.intents.message_content and bot.intents.members
    ping = await sandbox.invoke("/nexus ping", user=world.alice)
    assert "Pong!" in ping.text
    sandbox.send_user_message(world.general, world.alice, github())
    await asyncio.sleep(0.3)
    assert replies(sandbox) == [] and raw.requests == []


async def check_report(
    make_settings: Any, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], raw: RawFiles
) -> tuple[int, str]:
    settings = make_settings(
        discord_token=sandbox.bot_token,
        discord={"api_url": sandbox.api_url, "gateway_url": sandbox.gateway_url},
        codelinks=codelinks_config(raw),
    )
    code = await run_check(settings)
    return code, capsys.readouterr().out


async def test_check_says_the_intent_is_enabled(
    links_nexus: NexusBot, sandbox: SandboxServer, make_settings: Any,
    capsys: pytest.CaptureFixture[str], raw: RawFiles,
) -> None:  # fmt: skip
    code, out = await check_report(make_settings, sandbox, capsys, raw)
    assert "OK    Message Content intent enabled (asked for by codelinks)" in out
    assert code == 0, out


@pytest.mark.parametrize("sandbox", [frozenset({"members"})], indirect=True)
async def test_check_says_the_intent_is_not_enabled_and_how_to_enable_it(
    sandbox: SandboxServer, world: World, start_nexus: StartBot, make_settings: Any,
    capsys: pytest.CaptureFixture[str], raw: RawFiles,
) -> None:  # fmt: skip
    await start_links(start_nexus, world, raw)
    code, out = await check_report(make_settings, sandbox, capsys, raw)
    assert code == 1
    assert "FAIL  Message Content intent not enabled, yet codelinks asks for it" in out
    assert "Privileged Gateway Intents → MESSAGE CONTENT INTENT" in out
