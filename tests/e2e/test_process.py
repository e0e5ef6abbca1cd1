"""The bot as people run it: `python -m bot …` in its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.sandbox import SandboxServer
from tests.e2e.conftest import World
from tests.e2e.processes import REPO, bot_environment


def sqlite_url(home: Path) -> str:
    return f"sqlite+aiosqlite:///{home / 'nexus.db'}"


async def start_process(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=env["HOME"],
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_the_bot_process_serves_commands_and_stops_cleanly_on_sigterm(
    sandbox: SandboxServer, world: World, tmp_path: Path
) -> None:
    process = await start_process(bot_environment(sandbox, tmp_path, sqlite_url(tmp_path)), "run")
    try:
        await sandbox.wait_until_ready(timeout=60)
        reply = await sandbox.invoke(
            "/nexus ping", user=world.alice, guild=world.guild, channel=world.general
        )
        assert "Pong!" in reply.text
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()
    assert (tmp_path / "nexus.db").exists()


async def test_the_bot_process_freezes_its_start_up_objects_once_started(
    sandbox: SandboxServer, world: World, tmp_path: Path
) -> None:
    # Frozen, start-up's objects are out of every later full collection (bot/after_ready.py);
    # the bot answers as before.
    process = await start_process(bot_environment(sandbox, tmp_path, sqlite_url(tmp_path)), "run")
    assert process.stderr is not None
    try:
        await sandbox.wait_until_ready(timeout=60)
        logged = ""
        while "objects frozen" not in logged:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "the bot's log ended before start-up was frozen"
            logged = line.decode()
        frozen = int(logged.split("start-up done: ")[1].split()[0])
        assert frozen > 10_000
        reply = await sandbox.invoke(
            "/nexus ping", user=world.alice, guild=world.guild, channel=world.general
        )
        assert "Pong!" in reply.text
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0


async def test_a_bad_token_exits_with_a_clear_message(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    process = await start_process(
        bot_environment(sandbox, tmp_path, sqlite_url(tmp_path), token="not-a-real-token"), "run"
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    text = stderr.decode()
    assert process.returncode == 1
    assert "Discord refused the token" in text
    assert "Traceback" not in text
    assert "not-a-real-token" not in text


async def test_the_sandbox_command_answers_ping_at_its_prompt(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    process = await start_process(env, "sandbox", "--database", "sqlite+aiosqlite:///demo.db")
    stdout, stderr = await asyncio.wait_for(process.communicate(b"/nexus ping\nquit\n"), timeout=90)
    assert process.returncode == 0, stderr.decode()
    assert "Pong!" in stdout.decode()
