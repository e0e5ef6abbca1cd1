"""`python -m bot check` before it reaches any guild: no token, no Discord, and the shared list
of channel permissions `/admin setup` also checks."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.preflight import REQUIRED_CHANNEL_PERMISSIONS, missing_channel_permissions, run_check


async def test_check_without_a_token_explains_and_fails(make_settings: Any) -> None:
    out = io.StringIO()
    assert await run_check(make_settings(), out=out) == 1
    assert "DISCORD_TOKEN is not set" in out.getvalue()


async def test_check_says_when_discord_cannot_be_reached(make_settings: Any) -> None:
    settings = make_settings(discord_token="abc", discord={"api_url": "http://127.0.0.1:9/api/v10"})
    out = io.StringIO()
    assert await run_check(settings, out=out) == 1
    assert "cannot reach Discord" in out.getvalue()


def test_missing_permissions_are_named_as_discord_shows_them() -> None:
    everything = discord.Permissions(**{attr: True for attr, _ in REQUIRED_CHANNEL_PERMISSIONS})
    assert missing_channel_permissions(everything) == []
    no_threads = discord.Permissions(everything.value)
    no_threads.manage_threads = False
    no_threads.send_messages_in_threads = False
    assert missing_channel_permissions(no_threads) == ["Manage Threads", "Send Messages in Threads"]
    assert len(missing_channel_permissions(discord.Permissions.none())) == 8


async def test_check_reports_which_languages_can_run_and_why_not(make_settings: Any) -> None:
    out = io.StringIO()
    await run_check(make_settings(), out=out)
    report = out.getvalue()
    assert "code runner: the local jail (bubblewrap)" in report
    # Each language is named with its verdict, whatever this machine has installed.
    for label in ("Python", "SQL", "JavaScript", "Bash"):
        assert f"- {label}" in report


async def test_check_says_when_running_code_is_off(make_settings: Any) -> None:
    out = io.StringIO()
    await run_check(make_settings(runner={"backend": "off"}), out=out)
    assert "nothing can run: running code is turned off" in out.getvalue()


async def test_check_names_a_remote_engine_that_does_not_answer(make_settings: Any) -> None:
    out = io.StringIO()
    settings = make_settings(runner={"backend": "piston", "url": "http://127.0.0.1:9"})
    await run_check(settings, out=out)
    assert "code runner: a Piston server" in out.getvalue()
    assert "nothing can run" in out.getvalue()
