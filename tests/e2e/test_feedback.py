"""/feedback through the real bot and the sandbox: intake, duplicates, triage, lists, exports,
the spec registry and its autocomplete, and every refusal."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot import replies
from bot.app import NexusBot
from bot.models import AuditEntry
from bot.sandbox import SandboxServer
from bot.sandbox.interactions.pending import MESSAGE_RESPONSE
from cogs.feedback.models import (
    FeedbackHistory,
    FeedbackItem,
    FeedbackOperation,
    FeedbackSpec,
    FeedbackVote,
)
from cogs.feedback.outcomes import Outcome
from cogs.feedback.parts import FeedbackParts
from cogs.feedback.records import ItemRecord
from cogs.feedback.rules import STATUS_LABELS
from tests.e2e.conftest import StartBot, World, stop_bot
from tests.e2e.in_flight import interactions_done
from tests.e2e.processes import wait_for
from tests.fetching import LoopbackOnlyConnections, serve_on_loopback
from tests.probe_feature import loaded_feature

SPEC_FILE = Path(__file__).parents[1] / "data" / "feedback_jobs_api.yaml"
# The spec server listens on loopback, which the fetch guard refuses unless it is allowed.
LOCAL_SPECS = {"allow": ["127.0.0.1/32"]}
BLUE, GOLD, GREEN = 0x3498DB, 0xF1C40F, 0x2ECC71
SEND_MESSAGES = 1 << 11
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38


# ---- helpers ----------------------------------------------------------------------------------


async def items(bot: NexusBot) -> list[FeedbackItem]:
    async with bot.db.sessions() as session:
        return list((await session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))).all())


async def item(bot: NexusBot, number: int) -> FeedbackItem:
    [found] = [row for row in await items(bot) if row.number == number]
    return found


async def history(bot: NexusBot, number: int) -> list[FeedbackHistory]:
    row = await item(bot, number)
    async with bot.db.sessions() as session:
        query = select(FeedbackHistory).where(FeedbackHistory.item_id == row.id)
        return list((await session.scalars(query.order_by(FeedbackHistory.id))).all())


async def count(bot: NexusBot, model: type) -> int:
    async with bot.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def log(sandbox: SandboxServer, world: World, user: Any = None, **options: Any) -> Any:
    values = {
        "endpoint": "GET /api/jobs/",
        "severity": "bug",
        "title": "Jobs list returns 500",
        "details": "Calling it with page=2 fails.",
        **options,
    }
    # An option given as None is left out, as when a member skips it.
    values = {key: value for key, value in values.items() if value is not None}
    result = await sandbox.invoke(
        "/feedback log",
        user=user or world.alice,
        guild=world.guild,
        channel=world.general,
        **values,
    )
    # The reporter is answered once the item's post and thread exist; the welcome in the
    # thread and a followup with anything Discord refused there come after the answer.
    await interactions_done()
    return result


async def triage(sandbox: SandboxServer, world: World, user: Any = None, **options: Any) -> Any:
    result = await sandbox.invoke(
        "/feedback status",
        user=user or world.triager,
        guild=world.guild,
        channel=world.general,
        **options,
    )
    # The triager is answered once the move is stored; the post's edit, the watchers' notice
    # and a followup with anything Discord refused come after it.
    await interactions_done()
    return result


async def assign(sandbox: SandboxServer, world: World, by: Any, options: dict[str, Any]) -> Any:
    """/feedback assign has an option named `user`, which clashes with invoke's own `user=`
    (the invoking member), so the options go in `options=`."""
    return await sandbox.invoke(
        "/feedback assign", user=by, guild=world.guild, channel=world.general, options=options
    )


async def answer(prompt: Any, label: str, user: Any) -> Any:
    """Click a duplicate-prompt button and wait for the reply that follows the prompt's edit
    (the click is answered by taking the buttons off; the outcome comes as a followup)."""
    result = await prompt.click(label, user=user)
    await result.followups(1)
    return result


def post_of(world: World, row: FeedbackItem) -> Any:
    [post] = [m for m in world.feedback.messages if m.id == row.message_id]
    return post


def thread_of(world: World, row: FeedbackItem) -> Any:
    [thread] = [t for t in world.feedback.threads if t.id == row.thread_id]
    return thread


def field(embed: dict[str, Any], name: str) -> str:
    return str(next(f["value"] for f in embed["fields"] if f["name"] == name))


async def seed(
    bot: NexusBot, world: World, *, post_due: bool = False, **overrides: Any
) -> ItemRecord:
    """An item stored straight through intake (no Discord post): fast list fixtures, or with
    `post_due` a report as a crash right after storing it would have left it."""
    parts = feedback_parts(bot)
    values: dict[str, Any] = {
        "endpoint": "GET /api/jobs",
        "severity": "bug",
        "title": "Seeded item",
        "details": "Seeded details",
        **overrides,
    }
    reporter = values.pop("reporter", world.bob)
    draft = parts.intake.draft(world.guild.id, reporter.id, **values)
    return await parts.intake.create(draft, post_due=post_due)


def feedback_parts(bot: NexusBot) -> FeedbackParts:
    # The extension loader imports the cog module afresh, so its class is not ours to isinstance.
    cog: Any = bot.get_cog("FeedbackCog")
    parts: FeedbackParts = cog.parts
    return parts


# ---- logging ------------------------------------------------------------------------------


async def test_log_with_options_posts_an_embed_and_a_thread(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await log(sandbox, world, expected="200 and a page", actual="500")
    assert result.ephemeral
    assert "Logged **FB-1**" in result.text
    [row] = await items(nexus)
    assert (row.number, row.method, row.path, row.status, row.severity) == (
        1,
        "GET",
        "/api/jobs",
        "open",
        "bug",
    )
    assert (row.expected, row.actual, row.reporter_id) == ("200 and a page", "500", world.alice.id)
    embed = post_of(world, row).embeds[0]
    assert embed["title"] == "FB-1 · Jobs list returns 500"
    assert embed["color"] == BLUE
    assert field(embed, "Endpoint") == "`GET /api/jobs`"
    assert field(embed, "Reporter") == f"<@{world.alice.id}>"
    thread = thread_of(world, row)
    assert world.alice.id in thread.members
    assert world.alice.id in thread.messages[0].pinged
    assert [h.action for h in await history(nexus, 1)] == ["created"]


async def test_log_without_details_asks_in_a_modal(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    opened = await log(sandbox, world, details=None, expected="a list")
    assert opened.modal is not None
    assert set(opened.modal.fields) == {"details", "expected", "actual"}
    assert opened.modal.fields["expected"]["value"] == "a list"
    assert await items(nexus) == []
    submitted = await opened.submit_modal({"details": "Page 2 crashes", "actual": "HTTP 500"})
    assert "Logged **FB-1**" in submitted.text
    [row] = await items(nexus)
    assert (row.details, row.expected, row.actual) == ("Page 2 crashes", "a list", "HTTP 500")
    assert row.message_id is not None and row.thread_id is not None


async def test_a_quick_report_is_answered_once_with_its_result(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await log(sandbox, world)
    # No "thinking" first: answered as soon as it was stored, well within Discord's 3 s.
    assert result.type == MESSAGE_RESPONSE and result.ephemeral
    [answer] = result.messages
    assert "Logged **FB-1**" in answer.content
    [row] = await items(nexus)
    assert row.message_id is not None and row.thread_id is not None and not row.post_due
    # The answer came before the post; once the post and its thread existed (and the welcome
    # was said in it), the answer was edited to carry the post's link.
    link = f"https://discord.com/channels/{world.guild.id}/{row.channel_id}/{row.message_id}"
    welcome = thread_of(world, row).messages[0]
    assert answer.id < row.message_id < welcome.id
    assert answer.edited_at is not None and link in answer.content
    assert "Posting it now" not in answer.content


async def test_what_discord_refused_while_posting_is_added_to_the_answer(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    world.feedback.set_permissions(world.guild.bot_role, deny=CREATE_PUBLIC_THREADS)
    result = await log(sandbox, world)
    [answer] = result.messages
    assert "It's posted here" in answer.content
    assert "couldn't open a discussion thread" in answer.content
    row = await item(nexus, 1)
    assert row.message_id is not None and row.thread_id is None and not row.post_due

    world.feedback.set_permissions(world.guild.bot_role, deny=SEND_MESSAGES_IN_THREADS)
    result = await log(sandbox, world, title="Create returns 200 instead of 201")
    [answer] = result.messages
    assert result.type == MESSAGE_RESPONSE and "It's posted here" in answer.content
    assert "couldn't post in the thread" in answer.content
    row = await item(nexus, 2)
    assert row.message_id is not None and row.thread_id is not None

    # Not posted at all: said in the answer, and not tried again at the next start.
    world.feedback.set_permissions(world.guild.bot_role, deny=SEND_MESSAGES)
    result = await log(sandbox, world, title="Delete answers 500 for a missing job")
    assert "couldn't post it in" in result.text and "It's posted here" not in result.text
    row = await item(nexus, 3)
    assert row.message_id is None and not row.post_due


async def test_a_report_whose_check_or_write_runs_long_says_thinking_first(
    sandbox: SandboxServer, world: World, nexus: NexusBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every report now "runs long": the deferral goes out while the duplicate check waits for
    # the guild's open items to be read (a guild's first report reads them).
    monkeypatch.setattr(replies, "ACKNOWLEDGE_WITHIN_SECONDS", 0.0)
    result = await log(sandbox, world)
    assert result.deferred and result.ephemeral
    assert "Logged **FB-1**" in result.text  # the answer filled the deferred message
    [row] = await items(nexus)
    assert row.message_id is not None and row.thread_id is not None
    assert "It's posted here" in result.text  # and was edited once the post existed
    # A refusal comes before anything is stored, so before anything is armed: answered at once.
    refused = await triage(sandbox, world, id="FB-1", status="open")
    assert refused.deferred is False and "already" in refused.text.lower()


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("GETT /x", "not an HTTP method"),
        ("GET api/jobs", "must start with `/`"),
        ("/api/jobs", "method and a path"),
    ],
)
async def test_malformed_endpoints_are_refused_before_anything_is_stored(
    sandbox: SandboxServer, world: World, nexus: NexusBot, endpoint: str, message: str
) -> None:
    result = await log(sandbox, world, endpoint=endpoint, details=None)
    assert result.ephemeral and result.modal is None
    assert message in result.text
    assert await items(nexus) == []
    assert world.feedback.messages == []


async def test_a_blocked_member_cannot_log_feedback(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.blocks.block(world.guild.id, world.alice.id, "feedback", world.mod.id)
    result = await log(sandbox, world)
    assert result.ephemeral and "blocked you from using feedback" in result.text
    source = sandbox.send_user_message(world.general, world.bob, "GET /api/jobs is down")
    menu = await sandbox.invoke_message_command(
        "Log API feedback", message=source, user=world.alice
    )
    assert menu.modal is None and "blocked" in menu.text
    assert await items(nexus) == []


async def test_message_menu_prefills_the_form_from_the_message(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    source = sandbox.send_user_message(
        world.general, world.bob, "post /api/jobs/ rejects a valid salary\nIt says 422."
    )
    opened = await sandbox.invoke_message_command(
        "Log API feedback", message=source, user=world.alice
    )
    assert opened.modal is not None
    fields = opened.modal.fields
    assert fields["endpoint"]["value"] == "POST /api/jobs"
    assert fields["title"]["value"] == "post /api/jobs/ rejects a valid salary"
    assert "It says 422." in fields["details"]["value"]
    submitted = await opened.submit_modal({"severity": "blocker"})
    assert "Logged **FB-1**" in submitted.text
    [row] = await items(nexus)
    assert (row.method, row.path, row.severity, row.reporter_id) == (
        "POST",
        "/api/jobs",
        "blocker",
        world.alice.id,
    )
    assert str(source.id) in row.details


async def test_without_a_feedback_channel_the_item_is_kept_and_the_reporter_told(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await nexus.guild_settings.set(world.guild.id, "channels.feedback", None, actor_id=None)
    result = await log(sandbox, world)
    assert "Logged **FB-1**" in result.text and "No feedback channel is set up" in result.text
    [row] = await items(nexus)
    assert (row.message_id, row.thread_id) == (None, None)


async def test_a_feedback_channel_the_bot_cannot_post_in_is_reported(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    world.feedback.set_permissions(world.guild.bot_role, deny=SEND_MESSAGES)
    result = await log(sandbox, world)
    assert "Logged **FB-1**" in result.text
    assert "I couldn't post it in" in result.text and "missing a permission" in result.text
    assert (await item(nexus, 1)).message_id is None
    changed = await triage(sandbox, world, id="FB-1", status="acknowledged")
    assert "Open → **🟡 Acknowledged**" in changed.text and "couldn't post" in changed.text


# ---- duplicates at intake -----------------------------------------------------------------


async def test_a_likely_duplicate_is_shown_before_creating(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    prompt = await log(sandbox, world, user=world.bob, title="500 when listing jobs")
    assert prompt.ephemeral
    assert "This may already be reported" in prompt.text
    assert "FB-1" in prompt.text
    labels = [b["label"] for b in prompt.buttons]
    assert labels == ["Add my details to FB-1", "Create anyway"]
    assert len(await items(nexus)) == 1


async def test_add_my_details_counts_a_plus_one_in_the_thread(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    prompt = await log(
        sandbox, world, user=world.bob, title="500 when listing jobs", details="Same on page 3"
    )
    done = await answer(prompt, "Add my details to FB-1", world.bob)
    assert "+1" in done.text
    [row] = await items(nexus)
    assert row.plus_ones == 1
    assert await count(nexus, FeedbackVote) == 1
    thread = thread_of(world, row)
    assert "Same on page 3" in thread.messages[-1].content
    assert world.bob.id in thread.members
    assert field(post_of(world, row).embeds[0], "+1s") == "1"
    assert [h.action for h in await history(nexus, 1)] == ["created", "plus_one"]


async def test_create_anyway_logs_a_separate_item(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    prompt = await log(sandbox, world, user=world.bob, title="500 when listing jobs")
    done = await answer(prompt, "Create anyway", world.bob)
    assert "Logged **FB-2**" in done.text
    assert [(r.number, r.reporter_id) for r in await items(nexus)] == [
        (1, world.alice.id),
        (2, world.bob.id),
    ]
    assert len(world.feedback.threads) == 2


async def test_adding_to_an_item_closed_meanwhile_leaves_create_anyway(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    prompt = await log(sandbox, world, user=world.bob, title="500 when listing jobs")
    await triage(sandbox, world, id="FB-1", status="resolved")
    refused = await prompt.click("Add my details to FB-1", user=world.bob)
    assert "closed" in refused.text and "Create anyway" in refused.text
    assert (await item(nexus, 1)).plus_ones == 0
    done = await answer(prompt, "Create anyway", world.bob)
    assert "Logged **FB-2**" in done.text


async def test_the_duplicate_prompt_survives_a_restart_and_answers_once(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    first = await start_nexus()
    await log(sandbox, world)
    prompt = await log(sandbox, world, user=world.bob, title="500 when listing jobs")
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )
    second = await start_nexus()
    done = await answer(prompt, "Create anyway", world.bob)
    assert "Logged **FB-2**" in done.text
    assert prompt.message is not None and prompt.message.components == []
    assert len(await items(second)) == 2


async def test_a_report_a_crash_left_unposted_is_posted_once_at_the_next_start(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    """A reporter is answered once the item is stored; a crash may then come before its post,
    between the post and its thread, or before the post was recorded. The next start makes
    what is missing, and never a second post."""
    first = await start_nexus()
    cog: Any = first.get_cog("FeedbackCog")
    place = cog.publisher.places["channel"]

    async def stored(title: str) -> ItemRecord:
        return await seed(first, world, post_due=True, title=title, reporter=world.alice)

    unposted = await stored("Jobs list returns 500")
    unrecorded = await stored("Job detail ignores the salary field")
    await place.post(unrecorded, Outcome(unrecorded), lead=None)  # posted, thread and all
    threadless = await stored("Job search times out after 30 s")
    world.feedback.set_permissions(world.guild.bot_role, deny=CREATE_PUBLIC_THREADS)
    await place.post(threadless, Outcome(threadless), lead=None)  # the message alone
    world.feedback.set_permissions(world.guild.bot_role, deny=0)
    posts_before = {m.id for m in world.feedback.messages}
    assert len(posts_before) == 2
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )

    second = await start_nexus()

    async def all_posted() -> bool:
        # The post is recorded before the welcome, and a found post before its new thread.
        rows = await items(second)
        done = not any(row.post_due or row.thread_id is None for row in rows)
        return done and all(thread.messages for thread in world.feedback.threads)

    await wait_for(all_posted, 10, "the due posts, their threads and welcomes")
    rows = {row.number: row for row in await items(second)}
    assert len(world.feedback.messages) == 3  # one post made, none twice
    made = rows[unposted.number]
    assert made.message_id not in posts_before and thread_of(world, made).messages
    assert rows[unrecorded.number].message_id in posts_before
    assert rows[unrecorded.number].thread_id == rows[unrecorded.number].message_id
    fixed = rows[threadless.number]
    assert fixed.message_id in posts_before and fixed.thread_id is not None
    assert thread_of(world, fixed).name.startswith(f"FB-{threadless.number} ")


async def test_only_the_reporter_can_answer_the_duplicate_prompt(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    prompt = await log(sandbox, world, user=world.bob, title="500 when listing jobs")
    refused = await prompt.click("Create anyway", user=world.carol)
    assert refused.ephemeral and "Only the person" in refused.text
    assert len(await items(nexus)) == 1


# ---- triage -------------------------------------------------------------------------------


async def test_status_change_edits_the_embed_and_tells_the_reporter(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row = await item(nexus, 1)
    result = await triage(sandbox, world, id="FB-1", status="acknowledged", note="Looking at it")
    assert result.ephemeral and "Open → **🟡 Acknowledged**" in result.text
    embed = post_of(world, row).embeds[0]
    assert embed["color"] == GOLD
    assert field(embed, "Status") == "🟡 Acknowledged"
    said = thread_of(world, row).messages[-1]
    assert "now **🟡 Acknowledged**" in said.content and "Looking at it" in said.content
    assert world.alice.id in said.pinged and world.triager.id not in said.pinged
    assert (await item(nexus, 1)).status == "acknowledged"
    last = (await history(nexus, 1))[-1]
    assert (last.action, last.actor_id, last.from_value, last.to_value, last.note) == (
        "status",
        world.triager.id,
        "open",
        "acknowledged",
        "Looking at it",
    )
    async with nexus.db.sessions() as session:
        audit = (await session.scalars(select(AuditEntry))).all()
    assert [(a.action, a.target, a.actor_id) for a in audit][-1] == (
        "feedback.status",
        "FB-1",
        world.triager.id,
    )


async def test_status_changes_at_the_same_moment_apply_one_after_another(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    chosen = {world.triager: "acknowledged", world.mod: "in_progress", world.admin: "wont_fix"}
    replies = await asyncio.gather(
        *(
            triage(sandbox, world, user=who, id="FB-1", status=status)
            for who, status in chosen.items()
        )
    )
    moves = [(h.from_value, h.to_value) for h in await history(nexus, 1) if h.action == "status"]
    # Each change starts where the one before it ended: none of them saw a stale Open.
    assert moves and moves[0][0] == "open"
    assert all(before[1] == after[0] for before, after in itertools.pairwise(moves))
    assert (await item(nexus, 1)).status == moves[-1][1]
    for (who, status), reply in zip(chosen.items(), replies, strict=True):
        assert reply.ephemeral
        if "→" in reply.text:  # applied: it names the status this triager chose
            assert f"{STATUS_LABELS[status]}**" in reply.text, (who, reply.text)
    assert sum("→" in reply.text for reply in replies) == len(moves)


async def test_resolving_archives_the_thread_and_reopening_unarchives_it(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    row = await item(nexus, 1)
    await triage(sandbox, world, id="1", status="resolved")
    thread = thread_of(world, row)
    assert thread.archived
    assert post_of(world, row).embeds[0]["color"] == GREEN
    reopened = await triage(sandbox, world, id="FB-1", status="open", note="Broke again")
    assert "Resolved → **🔵 Open**" in reopened.text
    assert not thread.archived
    assert "Broke again" in thread.messages[-1].content
    assert [h.action for h in await history(nexus, 1)] == ["created", "status", "reopened"]


async def test_a_member_cannot_change_a_status(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    result = await triage(sandbox, world, user=world.alice, id="FB-1", status="resolved")
    assert result.ephemeral and "triagers only" in result.text
    assert (await item(nexus, 1)).status == "open"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"id": "FB-9", "status": "resolved"}, "no feedback item FB-9"),
        ({"id": "FB-1", "status": "duplicate"}, "Say which item"),
        ({"id": "FB-1", "status": "duplicate", "duplicate_of": "FB-1"}, "duplicate of itself"),
        ({"id": "FB-1", "status": "open"}, "already Open"),
        ({"id": "nonsense", "status": "resolved"}, "not a feedback id"),
    ],
)
async def test_senseless_status_changes_are_explained_and_change_nothing(
    sandbox: SandboxServer, world: World, nexus: NexusBot, options: dict[str, str], message: str
) -> None:
    await log(sandbox, world)
    result = await triage(sandbox, world, **options)
    assert result.ephemeral and message in result.text
    assert (await item(nexus, 1)).status == "open"
    assert len(await history(nexus, 1)) == 1


async def test_duplicate_points_at_its_target_and_archives(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    await log(sandbox, world, title="Companies endpoint is slow", endpoint="GET /api/companies")
    result = await triage(sandbox, world, id="FB-2", status="duplicate", duplicate_of="FB-1")
    assert "Duplicate of FB-1" in result.text
    second = await item(nexus, 2)
    assert second.duplicate_of_id == (await item(nexus, 1)).id
    assert thread_of(world, second).archived
    assert field(post_of(world, second).embeds[0], "Status") == "⚪ Duplicate of FB-1"


async def test_assign_edits_the_embed_and_mentions_reporter_and_assignee(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    result = await assign(sandbox, world, world.triager, {"id": "FB-1", "user": world.bob})
    assert "assigned to" in result.text
    row = await item(nexus, 1)
    assert row.assignee_id == world.bob.id
    assert field(post_of(world, row).embeds[0], "Assignee") == f"<@{world.bob.id}>"
    said = thread_of(world, row).messages[-1]
    assert world.alice.id in said.pinged and world.bob.id in said.pinged
    refused = await assign(sandbox, world, world.alice, {"id": "FB-1", "user": world.carol})
    assert "triagers only" in refused.text
    assert (await item(nexus, 1)).assignee_id == world.bob.id


async def test_assigning_someone_who_is_not_a_member_is_refused_without_internals(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    ghost = sandbox.create_user("ghost")  # a Discord user who never joined this server
    reply = await assign(sandbox, world, world.triager, {"id": "FB-1", "user": ghost})
    assert reply.ephemeral
    assert reply.text == "That user isn't a member of this server, so I can't use them here."
    assert (await item(nexus, 1)).assignee_id is None


async def test_the_reporter_withdraws_their_open_item_from_show(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    someone_else = await sandbox.invoke("/feedback show", user=world.bob, id="FB-1")
    assert someone_else.buttons == []
    shown = await sandbox.invoke("/feedback show", user=world.alice, id="FB-1")
    assert "History of FB-1" in shown.text and "reported it" in shown.text
    done = await shown.click("Withdraw FB-1", user=world.alice)
    assert "You withdrew **FB-1**" in done.text
    row = await item(nexus, 1)
    assert row.status == "withdrawn"
    assert thread_of(world, row).archived
    again = await shown.click("Withdraw FB-1", user=world.alice)
    assert "only open items" in again.text


async def test_the_withdraw_button_still_works_after_a_restart(
    sandbox: SandboxServer, world: World, start_nexus: StartBot
) -> None:
    first = await start_nexus()
    await log(sandbox, world)
    shown = await sandbox.invoke("/feedback show", user=world.alice, id="FB-1")
    await stop_bot(
        first, next(t for t in asyncio.all_tasks() if t.get_name() == "nexus-under-test")
    )
    second = await start_nexus()
    done = await shown.click("Withdraw FB-1", user=world.alice)
    assert "You withdrew **FB-1**" in done.text
    assert (await item(second, 1)).status == "withdrawn"


async def test_user_text_cannot_ping_or_break_formatting(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await log(
        sandbox,
        world,
        title="@everyone **look** <@&1> `x`",
        details="@here ```js\nboom``` [link](https://evil.test)",
    )
    assert "Logged **FB-1**" in result.text
    row = await item(nexus, 1)
    post = post_of(world, row)
    embed = post.embeds[0]
    assert "@everyone" not in embed["title"] and "\\*\\*look\\*\\*" in embed["title"]
    assert "@here" not in embed["description"] and "\\`\\`\\`" in embed["description"]
    thread = thread_of(world, row)
    assert not any(m.pinged.everyone or m.pinged.roles for m in thread.messages)
    assert row.title == "@everyone **look** <@&1> `x`"


async def test_a_deleted_thread_is_opened_again_on_the_next_change(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    old = await item(nexus, 1)
    world.guild.delete_channel(thread_of(world, old))
    result = await triage(sandbox, world, id="FB-1", status="acknowledged")
    assert "thread had been deleted" in result.text
    row = await item(nexus, 1)
    assert row.thread_id is not None and row.thread_id != old.thread_id
    thread = thread_of(world, row)
    assert "now **🟡 Acknowledged**" in thread.messages[-1].content
    assert (await history(nexus, 1))[-1].action in ("reposted", "status")


async def test_a_deleted_message_is_posted_again_on_the_next_change(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    old = await item(nexus, 1)
    sandbox.messages.delete(post_of(world, old))
    result = await triage(sandbox, world, id="FB-1", status="in_progress")
    assert "posted FB-1 again" in result.text
    row = await item(nexus, 1)
    assert row.message_id != old.message_id
    assert field(post_of(world, row).embeds[0], "Status") == "🟠 In progress"
    assert "reposted" in [h.action for h in await history(nexus, 1)]


# ---- lists and exports --------------------------------------------------------------------


async def test_list_filters_by_status_endpoint_severity_and_mine(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await seed(nexus, world, title="Alpha blocker", severity="blocker", reporter=world.alice)
    await seed(nexus, world, title="Bravo on companies", endpoint="GET /api/companies")
    await seed(nexus, world, title="Charlie post", endpoint="POST /api/jobs")
    await feedback_parts(nexus).workflow.change_status(
        world.guild.id, 3, world.triager.id, "resolved"
    )

    async def listing(**options: Any) -> str:
        result = await sandbox.invoke("/feedback list", user=world.alice, **options)
        assert result.ephemeral
        return str(result.text)

    everything = await listing()
    assert all(f"FB-{n}" in everything for n in (1, 2, 3))
    assert "FB-3" in await listing(status="resolved")
    assert "FB-3" not in await listing(status="active")
    by_path = await listing(endpoint="/api/companies")
    assert "Bravo" in by_path and "Alpha" not in by_path
    by_method = await listing(endpoint="POST /api/jobs")
    assert "Charlie" in by_method and "Alpha" not in by_method
    assert "Bravo" not in await listing(severity="blocker")
    mine = await listing(mine=True)
    assert "Alpha" in mine and "Bravo" not in mine
    assert "No feedback matches" in await listing(severity="question")
    bad = await listing(endpoint="GETT /x")
    assert "not an HTTP method" in bad


async def test_list_pages_with_next_and_previous(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    for index in range(23):
        await seed(nexus, world, title=f"Paged item {index:02d}")
    first = await sandbox.invoke("/feedback list", user=world.alice)
    assert "Paged item 22" in first.text and "Paged item 12" not in first.text
    second = await first.click("Next")
    page_two = second.message.text if second.message else ""
    assert "Paged item 12" in page_two and "Paged item 22" not in page_two
    third = await second.click("Next")
    page_three = third.message.text if third.message else ""
    assert "Paged item 00" in page_three and "Paged item 02" in page_three
    assert "Paged item 03" not in page_three
    back = await third.click("Previous")
    assert "Paged item 12" in (back.message.text if back.message else "")


async def make_export_fixture(sandbox: SandboxServer, world: World, nexus: NexusBot) -> None:
    await log(sandbox, world, expected="a page", actual="=SUM(A1)")
    await log(sandbox, world, title="Login needs CORS", endpoint="POST /auth/login", user=world.bob)
    await triage(sandbox, world, id="FB-2", status="wont_fix", note="By design")


async def export(sandbox: SandboxServer, world: World, **options: Any) -> tuple[str, str]:
    result = await sandbox.invoke("/feedback export", user=world.carol, **options)
    assert result.ephemeral
    [file] = result.files
    return file.filename, file.data.decode("utf-8")


async def test_json_export_holds_every_field_and_the_history(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await make_export_fixture(sandbox, world, nexus)
    name, body = await export(sandbox, world, format="json")
    assert name.endswith(".json")
    first, second = json.loads(body)["items"]
    row = await item(nexus, 1)
    assert first == {
        "id": "FB-1",
        "number": 1,
        "status": "open",
        "severity": "bug",
        "method": "GET",
        "path": "/api/jobs",
        "in_spec": None,
        "title": "Jobs list returns 500",
        "details": "Calling it with page=2 fails.",
        "expected": "a page",
        "actual": "=SUM(A1)",
        "reporter_id": str(world.alice.id),
        "assignee_id": None,
        "duplicate_of": None,
        "plus_ones": 0,
        "channel_id": str(world.feedback.id),
        "message_id": str(row.message_id),
        "thread_id": str(row.thread_id),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "history": [
            {
                "at": row.created_at.isoformat(),
                "actor_id": str(world.alice.id),
                "action": "created",
                "from": None,
                "to": "open",
                "note": None,
            }
        ],
    }
    assert (second["status"], second["method"], second["path"]) == (
        "wont_fix",
        "POST",
        "/auth/login",
    )
    assert [(h["action"], h["from"], h["to"], h["note"]) for h in second["history"]] == [
        ("created", None, "open", None),
        ("status", "open", "wont_fix", "By design"),
    ]
    _, only_closed = await export(sandbox, world, format="json", status="wont_fix")
    assert [i["id"] for i in json.loads(only_closed)["items"]] == ["FB-2"]


async def test_csv_export_has_one_row_per_item_and_is_formula_safe(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await make_export_fixture(sandbox, world, nexus)
    name, body = await export(sandbox, world, format="csv")
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["id"] for r in rows] == ["FB-1", "FB-2"]
    first = rows[0]
    row = await item(nexus, 1)
    assert first["actual"] == "'=SUM(A1)"
    assert (first["method"], first["path"], first["status"], first["severity"]) == (
        "GET",
        "/api/jobs",
        "open",
        "bug",
    )
    assert first["reporter_id"] == str(world.alice.id)
    assert first["thread_id"] == str(row.thread_id)
    assert first["in_spec"] == "" and first["assignee_id"] == ""
    assert json.loads(rows[1]["history"])[1]["note"] == "By design"


async def test_markdown_export_lists_fields_and_history(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await make_export_fixture(sandbox, world, nexus)
    name, body = await export(sandbox, world, format="markdown")
    assert name.endswith(".md")
    assert "## FB-1 — Jobs list returns 500" in body
    assert "| path | /api/jobs |" in body
    assert f"| reporter_id | {world.alice.id} |" in body
    assert "| status | wont_fix |" in body
    assert "· status · from open · to wont_fix · note: By design" in body


async def test_export_of_nothing_is_explained(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    result = await sandbox.invoke("/feedback export", user=world.carol, format="csv")
    assert "nothing to export" in result.text and result.files == []


# ---- the spec registry ----------------------------------------------------------------------


class SpecServer:
    """A local HTTP server with a real OpenAPI document and some broken neighbours."""

    def __init__(self) -> None:
        self.document = SPEC_FILE.read_bytes()
        self.base = ""
        self.port = 0
        self.moved_to: str | None = None

    async def serve(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        if kind == "openapi.yaml":
            return web.Response(body=self.document, content_type="application/yaml")
        if kind == "slow.yaml":
            await asyncio.sleep(3)
            return web.Response(body=self.document)
        if kind == "page.html":
            return web.Response(text="<html><body>Jobs</body></html>", content_type="text/html")
        if kind == "huge.yaml":
            return web.Response(body=self.document + b"#" * 20_000)
        if kind == "deep.json":
            return web.Response(body=b'{"openapi": "3.0.3", "paths": ' + b"[" * 30_000)
        if kind == "deep.yaml":
            return web.Response(body=b"openapi: 3.0.3\npaths:\n" + b"- " * 30_000 + b"x\n")
        if kind == "moving.yaml":
            if self.moved_to is not None:
                raise web.HTTPFound(self.moved_to)
            return web.Response(body=self.document, content_type="application/yaml")
        if kind == "streamed.yaml":
            response = web.StreamResponse()
            await response.prepare(request)
            for _ in range(40):
                await response.write(b"# padding\n" * 100)
            await response.write_eof()
            return response
        return web.Response(status=404, text="no such document")


@pytest.fixture
async def spec_server() -> AsyncIterator[SpecServer]:
    server = SpecServer()
    async with serve_on_loopback(server.serve) as port:
        server.port = port
        server.base = f"http://127.0.0.1:{port}"
        yield server


@pytest.fixture
async def spec_nexus(start_nexus: StartBot) -> NexusBot:
    """The bot as local development runs it: allowed to fetch from 127.0.0.1."""
    return await start_nexus(fetch=LOCAL_SPECS)


async def add_spec(sandbox: SandboxServer, world: World, url: str, name: str = "jobs") -> Any:
    return await sandbox.invoke("/feedback api add", user=world.triager, name=name, spec_url=url)


async def test_api_add_stores_operations_and_feeds_autocomplete(
    sandbox: SandboxServer, world: World, spec_nexus: NexusBot, spec_server: SpecServer
) -> None:
    result = await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml", name="Jobs")
    assert result.ephemeral
    assert "Registered **jobs**: ProDev Jobs API" in result.text
    assert "(OpenAPI 3.0.3), 8 operations" in result.text
    assert await count(spec_nexus, FeedbackOperation) == 8
    choices = await sandbox.autocomplete(
        "/feedback log", "endpoint", "delete job", user=world.alice, guild=world.guild
    )
    assert choices[0]["value"] == "DELETE /api/jobs/{jobId}"
    assert "Delete a job posting" in choices[0]["name"]
    everything = await sandbox.autocomplete(
        "/feedback log", "endpoint", "", user=world.alice, guild=world.guild
    )
    assert 8 <= len(everything) <= 25
    listed = await sandbox.invoke("/feedback api list", user=world.alice)
    assert "**jobs**" in listed.text and "8 operations" in listed.text


async def test_an_endpoint_missing_from_the_spec_is_marked(
    sandbox: SandboxServer, world: World, spec_nexus: NexusBot, spec_server: SpecServer
) -> None:
    await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml")
    inside = await log(sandbox, world, endpoint="GET /api/jobs/42", title="One job 404s")
    outside = await log(sandbox, world, endpoint="GET /api/salaries", title="Salaries missing")
    assert "not in spec" not in inside.text
    assert "not in any registered API spec" in outside.text
    first, second = await items(spec_nexus)
    assert (first.in_spec, second.in_spec) == (True, False)
    assert field(post_of(world, second).embeds[0], "Endpoint") == (
        "`GET /api/salaries` · ⚠️ not in spec"
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/page.html", "not an OpenAPI document"),
        ("/missing.yaml", "HTTP 404"),
        ("/slow.yaml", "longer than 0.5 s"),
        ("/huge.yaml", "larger than"),
        ("/streamed.yaml", "larger than"),
    ],
)
async def test_unusable_spec_urls_are_explained_and_store_nothing(
    sandbox: SandboxServer,
    world: World,
    start_nexus: StartBot,
    spec_server: SpecServer,
    path: str,
    message: str,
) -> None:
    bot = await start_nexus(
        feedback={"spec_timeout_seconds": 0.5, "spec_max_bytes": 3_500}, fetch=LOCAL_SPECS
    )
    result = await add_spec(sandbox, world, spec_server.base + path)
    assert result.ephemeral and message in result.text
    assert await count(bot, FeedbackSpec) == 0
    assert await count(bot, FeedbackOperation) == 0


@pytest.mark.parametrize("kind", ["deep.json", "deep.yaml"])
async def test_a_spec_nested_tens_of_thousands_deep_is_refused_in_words(
    sandbox: SandboxServer,
    world: World,
    spec_nexus: NexusBot,
    spec_server: SpecServer,
    kind: str,
) -> None:
    result = await add_spec(sandbox, world, f"{spec_server.base}/{kind}")
    assert result.ephemeral
    assert result.text == (
        "That document nests more than 100 levels deep; no OpenAPI document does."
    )
    assert await count(spec_nexus, FeedbackSpec) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("{base}/openapi.yaml", "That address points at the bot's own machine (loopback)"),
        ("http://localhost:{port}/openapi.yaml", "resolves to an address that points at the bot"),
        ("http://[::ffff:127.0.0.1]:{port}/openapi.yaml", "points at the bot's own machine"),
        ("http://0x7f.1:{port}/openapi.yaml", "points at the bot's own machine"),
        ("http://2130706433:{port}/openapi.yaml", "points at the bot's own machine"),
        ("http://169.254.169.254/latest/meta-data/", "points at a cloud metadata service"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "points at a cloud metadata service"),
        ("http://10.0.0.1/openapi.yaml", "points inside a private network"),
        ("http://0.0.0.0:{port}/openapi.yaml", "points at an unspecified address"),
        ("http://user:secret@127.0.0.1:{port}/openapi.yaml", "carries a user name or password"),
    ],
)
async def test_api_add_refuses_a_hostile_url_without_fetching_it(
    sandbox: SandboxServer,
    world: World,
    nexus: NexusBot,
    spec_server: SpecServer,
    fetch_connections: LoopbackOnlyConnections,
    url: str,
    message: str,
) -> None:
    hostile = url.format(base=spec_server.base, port=spec_server.port)
    result = await add_spec(sandbox, world, hostile)
    assert result.ephemeral
    assert message in result.text
    assert "won't fetch" in result.text or "don't fetch" in result.text
    assert "Something went wrong" not in result.text
    assert fetch_connections.attempted == []
    assert await count(nexus, FeedbackSpec) == 0
    assert await count(nexus, FeedbackOperation) == 0


async def test_api_refresh_does_not_follow_a_redirect_to_a_private_address(
    sandbox: SandboxServer,
    world: World,
    spec_nexus: NexusBot,
    spec_server: SpecServer,
    fetch_connections: LoopbackOnlyConnections,
) -> None:
    await add_spec(sandbox, world, f"{spec_server.base}/moving.yaml")
    spec_server.moved_to = "http://169.254.169.254/latest/meta-data/iam/"
    refreshed = await sandbox.invoke("/feedback api refresh", user=world.triager, name="jobs")
    assert refreshed.ephemeral
    assert "redirects to an address that points at a cloud metadata service" in refreshed.text
    assert fetch_connections.outside_loopback == []
    assert await count(spec_nexus, FeedbackOperation) == 8


@pytest.mark.parametrize(
    ("user_attr", "url", "message"),
    [
        ("triager", "ftp://127.0.0.1/spec.yaml", "must start with `http://`"),
        ("triager", "openapi.yaml", "must start with `http://`"),
        ("alice", "https://example.test/openapi.yaml", "triagers only"),
    ],
)
async def test_bad_spec_requests_are_refused(
    sandbox: SandboxServer, world: World, nexus: NexusBot, user_attr: str, url: str, message: str
) -> None:
    result = await sandbox.invoke(
        "/feedback api add", user=getattr(world, user_attr), name="jobs", spec_url=url
    )
    assert result.ephemeral and message in result.text
    assert await count(nexus, FeedbackSpec) == 0


async def test_api_refresh_and_remove(
    sandbox: SandboxServer, world: World, spec_nexus: NexusBot, spec_server: SpecServer
) -> None:
    await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml")
    again = await add_spec(sandbox, world, f"{spec_server.base}/openapi.yaml")
    assert "already registered" in again.text
    spec_server.document = spec_server.document.replace(
        b"  /companies:", b"  /salaries:\n    get:\n      summary: Salaries\n  /companies:"
    )
    refreshed = await sandbox.invoke("/feedback api refresh", user=world.triager, name="jobs")
    assert "9 operations (was 8)" in refreshed.text
    assert await count(spec_nexus, FeedbackOperation) == 9
    names = await sandbox.autocomplete(
        "/feedback api remove", "name", "jo", user=world.triager, guild=world.guild
    )
    assert [c["value"] for c in names] == ["jobs"]
    asked = await sandbox.invoke("/feedback api remove", user=world.triager, name="jobs")
    assert "Remove the spec **jobs**" in asked.text
    await asked.click("Remove", user=world.triager)
    # The click is answered before the removal runs: its reply comes after it.
    [removed] = await asked.followups(1)
    assert "Removed the spec **jobs**" in removed.content, removed.content
    assert (
        await count(spec_nexus, FeedbackSpec) == 0
        and await count(spec_nexus, FeedbackOperation) == 0
    )
    async with spec_nexus.db.sessions() as session:
        actions = list((await session.scalars(select(AuditEntry.action))).all())
    assert actions == ["feedback.api_add", "feedback.api_refresh", "feedback.api_remove"]
    gone = await sandbox.invoke("/feedback api remove", user=world.triager, name="jobs")
    assert "No spec called `jobs`" in gone.text


# ---- autocomplete and hooks ---------------------------------------------------------------


async def test_id_autocomplete_offers_matching_items(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await seed(nexus, world, title="Pagination is off by one")
    await seed(nexus, world, title="Login needs CORS")
    choices = await sandbox.autocomplete(
        "/feedback show", "id", "cors", user=world.alice, guild=world.guild
    )
    assert [c["value"] for c in choices] == ["FB-2"]
    assert choices[0]["name"] == "FB-2 · Open · Login needs CORS"


async def test_the_feature_forgets_counts_and_offers_open_topics(
    sandbox: SandboxServer, world: World, nexus: NexusBot
) -> None:
    await log(sandbox, world)
    feature = loaded_feature(nexus.features, "feedback")
    assert await feature.open_topics(world.guild.id, 3) == [
        "FB-1 GET /api/jobs — Jobs list returns 500"
    ]
    assert (await feature.stats(world.guild.id))["feedback open"] == 1
    report = await feature.forget_member(world.guild.id, world.alice.id)
    assert report["feedback items anonymised"] == 1
    row = await item(nexus, 1)
    assert row.reporter_id is None
    assert [h.actor_id for h in await history(nexus, 1)] == [None]
