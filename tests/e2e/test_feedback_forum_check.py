"""`python -m bot check` in feedback's forum mode, against the sandbox over REST: an unset,
missing or wrong feedback.forum, and a forum where the bot may not make tags, post in threads
or archive and lock, are each reported in a sentence that says what breaks; channel mode does
not ask for a forum at all."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import NexusBot
from bot.feature import guild_settings_without_a_bot
from bot.sandbox import SandboxServer
from bot.sandbox.permissions import Perm
from tests.e2e.conftest import World
from tests.e2e.test_admin import check_output
from tests.e2e.test_feedback_forum import make_forum, until, use_forum

UNPOSTED = "new items are saved but not posted"


@pytest.fixture
async def feedback_forum(nexus: NexusBot, world: World) -> Any:
    """A forum the bot may manage, known to the bot (not yet the feedback forum)."""
    channel = make_forum(world)
    await until(lambda: nexus.get_channel(channel.id) is not None)
    return channel


async def forum_mode_without_a_forum(nexus: NexusBot, world: World) -> None:
    await nexus.guild_settings.set(world.guild.id, "feedback.mode", "forum", actor_id=None)


async def test_check_reports_forum_mode_without_a_forum(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 0, out
    await forum_mode_without_a_forum(nexus, world)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert f"FAIL  ProDev Nexus ({world.guild.id})" in out
    assert (
        f"feedback.forum: not set, yet feedback.mode is forum, so {UNPOSTED}; "
        "set it with /admin config set feedback.forum"
    ) in out


async def test_check_reports_a_feedback_forum_that_is_gone_or_not_a_forum(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str], feedback_forum: Any,
) -> None:  # fmt: skip
    forum = feedback_forum
    await use_forum(nexus, world, forum)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 0, out
    world.guild.delete_channel(forum)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert f"feedback.forum: channel {forum.id} no longer exists, so {UNPOSTED}" in out
    # /admin config set refuses a text channel; a stored value may still name one (a database
    # restored from elsewhere, a channel whose id was typed in the file).
    raw = guild_settings_without_a_bot(nexus.db.sessions, nexus.settings, ["cogs.feedback"])
    await raw.set(world.guild.id, "feedback.forum", world.general.id, actor_id=None)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert f"feedback.forum: #general is not a forum channel, so {UNPOSTED}" in out


async def test_check_reports_what_the_bot_may_not_do_in_the_forum(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str], feedback_forum: Any,
) -> None:  # fmt: skip
    forum = feedback_forum
    await use_forum(nexus, world, forum)
    forum.set_permissions(
        world.guild.bot_role,
        deny=Perm.MANAGE_CHANNELS | Perm.SEND_MESSAGES_IN_THREADS | Perm.MANAGE_THREADS,
    )
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 1
    assert (
        "feedback.forum: in #api-feedback the bot lacks "
        "Manage Channels (to make the status and severity tags), "
        "Send Messages in Threads (to post status changes in a post), "
        "Manage Threads (to archive and lock closed items, and reopen them)"
    ) in out
    assert "View Channel" not in out


async def test_check_asks_for_no_forum_in_channel_mode(
    nexus: NexusBot, sandbox: SandboxServer, world: World, make_settings: Any,
    capsys: pytest.CaptureFixture[str], feedback_forum: Any,
) -> None:  # fmt: skip
    forum = feedback_forum
    await nexus.guild_settings.set(world.guild.id, "feedback.forum", forum.id, actor_id=None)
    forum.set_permissions(world.guild.bot_role, deny=Perm.MANAGE_THREADS)
    code, out = await check_output(make_settings, sandbox, capsys)
    assert code == 0, out
    assert "feedback.forum" not in out
