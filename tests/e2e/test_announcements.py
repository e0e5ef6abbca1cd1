"""/announce through the real bot and the sandbox, with a frozen clock: nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from discord import app_commands
from sqlalchemy import select

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.models import AuditEntry
from bot.permissions import Tier, command_tier
from bot.sandbox.errors import SandboxError
from cogs.announcements.commands import AnnouncementsCog
from cogs.announcements.models import Announcement, AnnouncementOccurrence
from tests.e2e.conftest import StartBot, World

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def started(start_nexus: StartBot, clock: FrozenClock, **overrides: Any) -> NexusBot:
    bot = await start_nexus(clock=clock, **overrides)
    await cog_of(bot).ready.wait()
    return bot


def cog_of(bot: NexusBot) -> AnnouncementsCog:
    # Not isinstance: closing a bot unloads its extensions, so each start imports the cog anew.
    cog = bot.get_cog("AnnouncementsCog")
    assert cog is not None
    return cast(AnnouncementsCog, cog)


async def announcements(bot: NexusBot) -> list[Announcement]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(Announcement).order_by(Announcement.id))).all())


async def occurrences(bot: NexusBot) -> list[AnnouncementOccurrence]:
    async with bot.db.sessions() as session:
        query = select(AnnouncementOccurrence).order_by(AnnouncementOccurrence.id)
        return list((await session.scalars(query)).all())


async def audit_actions(bot: NexusBot) -> list[str]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def announce(sandbox: Any, sub: str, *, user: Any, where: Any, **options: Any) -> Any:
    """Run `/announce <sub>` with `options`, which may include the option named `channel`.

    `sandbox.invoke(channel=…)` means "where the command is typed", so the `channel` option of
    /announce create goes in `options=`.
    """
    return await sandbox.invoke(
        f"/announce {sub}", user=user, guild=where.guild, channel=where, options=options
    )


def bot_posts(channel: Any, sandbox: Any) -> list[Any]:
    bot_id = sandbox.state.bot_user.id
    return [m for m in channel.messages if m.author.id == bot_id and not m.ephemeral]


async def test_created_announcement_fires_with_its_embed_and_role_ping(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    reply = await announce(
        sandbox,
        "create",
        user=world.admin,
        where=world.announcements,
        channel=world.general,
        when="in 2h",
        message="Demo day is on Friday. @everyone bring snacks",
        title="Demo day",
        ping=world.triager_role,
    )
    assert reply.ephemeral
    assert "#1" in reply.text
    assert "not mentionable" in reply.text  # the sandbox's roles are not, by default
    rows = await announcements(bot)
    assert len(rows) == 1
    assert rows[0].next_run_at == START + timedelta(hours=2)

    clock.advance(timedelta(hours=2))
    report = await cog_of(bot).dispatcher.run_due()

    posts = bot_posts(world.general, sandbox)
    assert len(posts) == 1
    post = posts[0]
    assert post.embeds[0]["title"] == "Demo day"
    assert "Demo day is on Friday" in post.embeds[0]["description"]
    assert post.content == world.triager_role.mention
    assert world.triager_role in post.pinged
    assert not post.pinged.everyone
    assert len(report.posted) == 1
    assert b'nexus_scheduled_runs_total{kind="announcement",outcome="posted"} 1.0' in (
        bot.metrics.render()
    )
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "posted"
    assert occurrence.message_id == post.id
    [row] = await announcements(bot)
    assert row.status == "done"
    assert row.next_run_at is None
    assert "announcement.create" in await audit_actions(bot)


async def create(sandbox: Any, world: World, **options: Any) -> Any:
    options.setdefault("channel", world.general)
    return await announce(sandbox, "create", user=world.admin, where=world.announcements, **options)


async def test_plain_text_announcement_pings_nobody_and_neutralises_mentions(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 30 minutes", message="Hello @everyone and <@&123>!\\nBye")
    clock.advance(timedelta(minutes=30))
    await cog_of(bot).dispatcher.run_due()
    [post] = bot_posts(world.general, sandbox)
    assert post.embeds == []
    assert post.content.startswith("Hello @")
    assert post.content.endswith("!\nBye")  # a typed "\n" is a line break
    assert not post.pinged
    [occurrence] = await occurrences(bot)
    assert (occurrence.status, occurrence.message_id) == ("posted", post.id)


async def test_create_without_message_asks_in_a_modal_then_schedules(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    reply = await create(sandbox, world, when="2026-12-01 09:00", repeat="weekly")
    assert reply.modal is not None
    assert await announcements(bot) == []
    done = await reply.submit_modal(
        {"announce:title": "Office hours", "announce:body": "Line one\nLine two"}
    )
    assert done.ephemeral
    assert "#1" in done.text
    stamp = int(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp())
    assert f"<t:{stamp}:F>" in done.content
    assert f"<t:{stamp + 7 * 86400}:F>" in done.content
    [row] = await announcements(bot)
    assert (row.title, row.body, row.repeat) == ("Office hours", "Line one\nLine two", "weekly")


async def test_restart_across_a_due_time_posts_exactly_once(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="standup", repeat="daily")
    await bot.close()
    clock.advance(timedelta(hours=1, seconds=20))  # due while the bot was down

    bot = await started(start_nexus, clock)
    assert len(bot_posts(world.general, sandbox)) == 1
    await bot.close()
    bot = await started(start_nexus, clock)
    await cog_of(bot).dispatcher.run_due()

    [post] = bot_posts(world.general, sandbox)
    assert "Delayed" not in post.content  # 20 s late is on time
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "posted"
    [row] = await announcements(bot)
    assert row.next_run_at == START + timedelta(days=1, hours=1)


async def test_crash_between_claim_and_post_never_reposts_and_reports_unknown(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="once only", repeat="daily")
    clock.advance(timedelta(hours=1))
    claimed = await cog_of(bot).dispatcher.claim_due(clock.now())
    assert len(claimed) == 1
    await bot.close()  # the "crash": claimed, never posted

    clock.advance(timedelta(minutes=5))
    bot = await started(start_nexus, clock)
    await cog_of(bot).dispatcher.run_due()

    assert bot_posts(world.general, sandbox) == []
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "unknown"
    [notice] = bot_posts(world.announcements, sandbox)
    assert "may not have been posted" in notice.content
    assert "/announce send 1" in notice.content
    assert "announcement.unknown" in await audit_actions(bot)
    [row] = await announcements(bot)
    assert row.next_run_at == START + timedelta(days=1, hours=1)


async def test_runs_missed_while_down_collapse_into_one_delayed_post(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="tick", repeat="0 * * * *")
    await bot.close()
    clock.advance(timedelta(hours=4, minutes=10))  # 4 hourly runs missed

    bot = await started(start_nexus, clock)
    [post] = bot_posts(world.general, sandbox)
    assert "Delayed" in post.content
    [occurrence] = await occurrences(bot)
    assert occurrence.delayed
    assert occurrence.scheduled_for == START + timedelta(hours=4)
    [row] = await announcements(bot)
    assert row.next_run_at == START + timedelta(hours=5)


async def test_missed_run_with_skip_policy_posts_nothing(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="tick", repeat="daily", missed="skip")
    await bot.close()
    clock.advance(timedelta(hours=3))

    bot = await started(start_nexus, clock)
    assert bot_posts(world.general, sandbox) == []
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "skipped"
    [row] = await announcements(bot)
    assert row.next_run_at == START + timedelta(days=1, hours=1)


async def test_missed_run_beyond_the_grace_window_is_skipped(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="once")
    await bot.close()
    clock.advance(timedelta(hours=8))  # the grace window is 6 h

    bot = await started(start_nexus, clock)
    assert bot_posts(world.general, sandbox) == []
    [occurrence] = await occurrences(bot)
    assert occurrence.status == "skipped"
    [row] = await announcements(bot)
    assert (row.status, row.next_run_at) == ("done", None)


async def test_paused_announcement_posts_nothing_until_resumed(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="tick", repeat="daily")
    paused = await announce(sandbox, "pause", user=world.admin, where=world.announcements, id=1)
    assert "paused" in paused.text
    clock.advance(timedelta(hours=2))
    await cog_of(bot).dispatcher.run_due()
    assert bot_posts(world.general, sandbox) == []
    assert await occurrences(bot) == []

    resumed = await announce(sandbox, "resume", user=world.admin, where=world.announcements, id=1)
    assert "resumed" in resumed.text
    [row] = await announcements(bot)
    assert (row.status, row.next_run_at) == ("active", START + timedelta(days=1, hours=1))
    assert {"announcement.pause", "announcement.resume"} <= set(await audit_actions(bot))


async def test_deleted_channel_marks_the_announcement_failed_once(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    doomed = world.guild.create_channel("doomed")
    await sandbox.wait_until(lambda: bot.get_channel(doomed.id) is not None, 5, "channel")
    await create(sandbox, world, channel=doomed, when="in 1h", message="x", repeat="daily")
    world.guild.delete_channel(doomed)
    await sandbox.wait_until(lambda: bot.get_channel(doomed.id) is None, 5, "channel gone")

    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()
    clock.advance(timedelta(days=1))
    await cog_of(bot).dispatcher.run_due()

    [row] = await announcements(bot)
    assert (row.status, row.next_run_at) == ("failed", None)
    assert "no longer exists" in (row.failure or "")
    [occurrence] = await occurrences(bot)  # not retried the next day
    assert occurrence.status == "failed"
    [notice] = bot_posts(world.announcements, sandbox)
    assert "marked failed" in notice.content
    assert "announcement.failed" in await audit_actions(bot)


async def test_lost_send_permission_marks_the_announcement_failed(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="x")
    world.general.set_permissions(world.guild.bot_role, deny=1 << 11)
    await sandbox.wait_until(
        lambda: (
            not bot.get_channel(world.general.id)
            .permissions_for(  # type: ignore[union-attr]
                bot.get_guild(world.guild.id).me  # type: ignore[union-attr]
            )
            .send_messages
        ),
        5,
        "permission change",
    )
    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()
    [row] = await announcements(bot)
    assert row.status == "failed"
    assert "send messages" in (row.failure or "")
    assert bot_posts(world.general, sandbox) == []
    assert len(bot_posts(world.announcements, sandbox)) == 1


async def test_daily_berlin_announcement_keeps_local_time_across_dst(
    sandbox: Any, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(datetime(2027, 3, 26, 12, tzinfo=UTC))
    bot = await started(start_nexus, clock)
    await create(
        sandbox,
        world,
        when="2027-03-27 09:00",
        timezone="Europe/Berlin",
        repeat="daily",
        message="Guten Morgen",
    )
    expected = [
        datetime(2027, 3, 27, 8, tzinfo=UTC),  # 09:00 CET
        datetime(2027, 3, 28, 7, tzinfo=UTC),  # 09:00 CEST, after the change
        datetime(2027, 3, 29, 7, tzinfo=UTC),
    ]
    for moment in expected:
        clock.set(moment)
        await cog_of(bot).dispatcher.run_due()
    assert [o.scheduled_for for o in await occurrences(bot)] == expected
    assert len(bot_posts(world.general, sandbox)) == 3


async def test_a_0230_that_does_not_exist_fires_once_at_0330(
    sandbox: Any, world: World, start_nexus: StartBot
) -> None:
    clock = FrozenClock(datetime(2027, 3, 27, 12, tzinfo=UTC))
    bot = await started(start_nexus, clock)
    await create(
        sandbox,
        world,
        when="2027-03-28 02:30",
        timezone="Europe/Berlin",
        repeat="daily",
        message="night shift",
    )
    for hour in range(25):  # every hour through the change day
        clock.set(datetime(2027, 3, 27, 23, tzinfo=UTC) + timedelta(hours=hour))
        await cog_of(bot).dispatcher.run_due()
    [occurrence] = await occurrences(bot)
    assert occurrence.scheduled_for == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    [row] = await announcements(bot)
    assert row.next_run_at == datetime(2027, 3, 29, 0, 30, tzinfo=UTC)  # 02:30 CEST again


ANNOUNCEMENTS_FILE = """
announcements:
  - key: weekly-demo
    guild_id: {guild}
    channel_id: {channel}
    when: "2026-12-04 16:00"
    repeat: weekly
    timezone: Europe/Berlin
    title: Demo Friday
    message: {message}
"""


async def test_file_announcements_are_created_changed_and_removed_across_restarts(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock, tmp_path: Any
) -> None:
    path = tmp_path / "announcements.yaml"
    path.write_text(
        ANNOUNCEMENTS_FILE.format(guild=world.guild.id, channel=world.general.id, message="Show!")
    )
    bot = await started(start_nexus, clock)
    [row] = await announcements(bot)
    assert (row.managed_key, row.body, row.status) == ("weekly-demo", "Show!", "active")
    assert row.next_run_at == datetime(2026, 12, 4, 15, tzinfo=UTC)
    listing = await announce(sandbox, "list", user=world.admin, where=world.announcements)
    assert "📄" in listing.text

    await bot.close()
    bot = await started(start_nexus, clock)  # unchanged file: nothing happens
    assert [r.updated_at for r in await announcements(bot)] == [row.updated_at]
    assert (await audit_actions(bot)).count("announcement.create") == 1

    await bot.close()
    path.write_text(
        ANNOUNCEMENTS_FILE.format(guild=world.guild.id, channel=world.general.id, message="New!")
    )
    bot = await started(start_nexus, clock)
    [row] = await announcements(bot)
    assert (row.id, row.body) == (1, "New!")
    assert "announcement.edit" in await audit_actions(bot)

    await bot.close()
    path.write_text("announcements: []\n")
    bot = await started(start_nexus, clock)
    [row] = await announcements(bot)
    assert (row.status, row.next_run_at) == ("cancelled", None)
    assert "announcement.cancel" in await audit_actions(bot)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"when": "2020-01-01 09:00"}, "in the past"),
        ({"when": "whenever you like"}, "couldn't read"),
        ({"when": "in 1h", "repeat": "61 * * * *"}, "higher than the maximum"),
        ({"when": "in 1h", "repeat": "* * *"}, "5 fields"),
        ({"when": "in 1h", "timezone": "Mars/Olympus"}, "not a time zone"),
        ({"when": "in 1h", "title": "T", "message": "x" * 4097}, "4096"),
        ({"when": "in 1h", "message": "x" * 1950}, "plain text"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_scheduled(
    sandbox: Any,
    world: World,
    start_nexus: StartBot,
    clock: FrozenClock,
    options: dict[str, Any],
    expected: str,
) -> None:
    bot = await started(start_nexus, clock)
    options.setdefault("message", "hello")
    reply = await create(sandbox, world, **options)
    assert reply.ephemeral
    assert expected in reply.text
    assert await announcements(bot) == []
    assert len(cog_of(bot).dispatcher) == 0


async def test_a_channel_the_bot_cannot_post_in_is_refused(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    world.feedback.set_permissions(world.guild.bot_role, deny=1 << 11)
    await sandbox.wait_until(
        lambda: (
            not bot.get_channel(world.feedback.id)
            .permissions_for(  # type: ignore[union-attr]
                bot.get_guild(world.guild.id).me  # type: ignore[union-attr]
            )
            .send_messages
        ),
        5,
        "permission change",
    )
    reply = await create(sandbox, world, channel=world.feedback, when="in 1h", message="x")
    assert reply.ephemeral
    assert "can't post in" in reply.text
    assert await announcements(bot) == []


async def test_unknown_id_is_refused(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    await started(start_nexus, clock)
    for sub in ("show", "pause", "resume", "cancel", "send", "edit"):
        reply = await announce(sandbox, sub, user=world.admin, where=world.announcements, id=42)
        assert reply.ephemeral
        assert "no announcement #42" in reply.text


async def test_members_cannot_use_announce(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    # Hidden from members (Manage Server); every subcommand also checks the tier when run.
    commands = sandbox.commands(None) + sandbox.commands(world.guild)
    command = next(c for c in commands if c["name"] == "announce")
    assert int(command["default_member_permissions"]) == 1 << 5
    group = bot.tree.get_command("announce")
    assert isinstance(group, app_commands.Group)
    tiers = {sub.name: command_tier(sub) for sub in group.walk_commands()}  # type: ignore[arg-type]
    assert set(tiers) == {"create", "list", "show", "edit", "pause", "resume", "cancel", "send"}
    assert set(tiers.values()) == {Tier.MODERATOR}
    with pytest.raises(SandboxError, match="cannot see /announce"):
        await announce(sandbox, "list", user=world.alice, where=world.announcements)


async def test_show_previews_the_exact_post_and_the_next_five_runs(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    await started(start_nexus, clock)
    await create(
        sandbox,
        world,
        when="2026-12-01 09:00",
        repeat="daily",
        title="Hi",
        message="Body",
        ping=world.triager_role,
    )
    reply = await announce(sandbox, "show", user=world.admin, where=world.announcements, id=1)
    assert reply.ephemeral
    assert reply.content == world.triager_role.mention
    assert not reply.message.pinged
    assert reply.embeds[0]["title"] == "Hi"
    assert reply.embeds[0]["description"] == "Body"
    runs = reply.embeds[1]["fields"][-1]["value"]
    first = int(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp())
    assert [f"<t:{first + day * 86400}:F>" in runs for day in range(5)] == [True] * 5


async def test_edit_prefills_the_form_and_a_new_time_recomputes_the_next_run(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="2026-12-01 09:00", repeat="daily", message="Body")
    reply = await announce(sandbox, "edit", user=world.admin, where=world.announcements, id=1)
    assert reply.modal is not None
    assert "2026-12-01 09:00" in reply.modal.text
    done = await reply.submit_modal({"announce:when": "2026-12-02 10:30", "announce:body": "New"})
    assert "updated" in done.text
    [row] = await announcements(bot)
    assert (row.body, row.next_run_at) == ("New", datetime(2026, 12, 2, 10, 30, tzinfo=UTC))
    assert "announcement.edit" in await audit_actions(bot)
    assert cog_of(bot).dispatcher.next_due() == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


async def test_cancel_asks_first_then_stops_the_schedule(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", repeat="daily", message="Body")
    reply = await announce(sandbox, "cancel", user=world.admin, where=world.announcements, id=1)
    await reply.click("Cancel announcement")
    [followup] = await reply.followups(1)
    assert "cancelled" in followup.content
    [row] = await announcements(bot)
    assert (row.status, row.next_run_at) == ("cancelled", None)
    assert "announcement.cancel" in await audit_actions(bot)
    clock.advance(timedelta(hours=1))
    await cog_of(bot).dispatcher.run_due()
    assert bot_posts(world.general, sandbox) == []


async def test_send_posts_now_and_keeps_the_schedule(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", repeat="daily", message="Now please")
    reply = await announce(sandbox, "send", user=world.admin, where=world.announcements, id=1)
    assert "Posted announcement" in reply.text
    [post] = bot_posts(world.general, sandbox)
    assert post.content == "Now please"
    [occurrence] = await occurrences(bot)
    assert (occurrence.manual, occurrence.message_id) == (True, post.id)
    [row] = await announcements(bot)
    assert row.next_run_at == START + timedelta(hours=1)


async def test_two_sends_at_the_same_moment_post_once_and_answer_both(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    # Found by the fuzz: a second send claimed the same (announcement, moment) and met the
    # unique constraint as an internal error. The clock stands still here, as it does for two
    # sends within one tick of a coarse clock.
    bot = await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="Once please")
    first = await announce(sandbox, "send", user=world.admin, where=world.announcements, id=1)
    second = await announce(sandbox, "send", user=world.admin, where=world.announcements, id=1)
    assert "Posted announcement" in first.text
    assert second.ephemeral
    assert "just posted" in second.text
    assert "Something went wrong" not in second.text
    assert [post.content for post in bot_posts(world.general, sandbox)] == ["Once please"]
    assert len(await occurrences(bot)) == 1


async def test_list_pages_and_id_autocomplete(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    await started(start_nexus, clock)
    for n in range(10):
        await create(sandbox, world, when=f"in {n + 1}h", message=f"message {n}")
    listing = await announce(sandbox, "list", user=world.admin, where=world.announcements)
    assert "#1 · message 0" in listing.text
    assert "#9" not in listing.text
    following = await listing.click("Next")
    assert "#9 · message 8" in following.text
    choices = await sandbox.autocomplete(
        "/announce show",
        "id",
        "message 7",
        user=world.admin,
        guild=world.guild,
        channel=world.announcements,
    )
    assert [c["value"] for c in choices] == [8]


async def test_id_autocomplete_of_a_number_no_database_can_hold_answers_nothing(
    sandbox: Any, world: World, start_nexus: StartBot, clock: FrozenClock
) -> None:
    await started(start_nexus, clock)
    await create(sandbox, world, when="in 1h", message="standup")
    for typed in ("99999999999999999999", "#9223372036854775808", "²"):
        choices = await sandbox.autocomplete(
            "/announce cancel",
            "id",
            typed,
            user=world.admin,
            guild=world.guild,
            channel=world.announcements,
        )
        assert choices == []
    [choice] = await sandbox.autocomplete(
        "/announce cancel",
        "id",
        "#1",
        user=world.admin,
        guild=world.guild,
        channel=world.announcements,
    )
    assert choice["value"] == 1
