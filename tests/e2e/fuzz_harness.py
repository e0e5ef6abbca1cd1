"""The fuzz's referee: performs one interaction against the running bot and judges it.

Every slash command, context menu, autocomplete, modal submission and click goes through
``Referee.perform``, which checks what Discord and a member would notice:
- it was acknowledged within Discord's 3 s (the sandbox raises past its deadline);
- no error was logged (a handler on the root logger keeps every ERROR record) and no internal
  error reached the member (no error id, no "Something went wrong", no Python repr);
- a refused call answered in one friendly ephemeral line and left every table as it was
  (the permission walk's snapshot, taken only around calls the bot refused);
- no message the bot posted or edited can ping @everyone, @here or a role, except a role an
  announcement was explicitly configured to ping;
- it did not block the event loop (everyone's interactions) for longer than LOOP_STALL_LIMIT.
Findings are collected, not raised, so one run reports every defect it met.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
from sqlalchemy import select

from bot.app import NexusBot
from bot.sandbox import InteractionResult, Message, SandboxError, SandboxServer
from bot.sandbox.interactions.cpu_wait import cpu_wait_seconds
from cogs.announcements.models import Announcement
from tests.e2e.command_walk import dump_database, open_every_command_to_everyone
from tests.e2e.in_flight import interactions_done

INTERNAL_WORDING = re.compile(
    r"Something went wrong|logged as `|Traceback \(most recent call last\)|object at 0x"
    r"|<(?:User|Member|Role|Object|TextChannel|Interaction|Guild|Message)\b[^>]*\bid=",
)
# What a member's program printed (a run's stdout and stderr) sits in code blocks and may well
# say "Traceback": that is their program's error, shown on purpose, not one of the bot's.
CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
BOT_FAILURES = ("acknowledged after", "no response within")
OUTCOMES_REFUSED = frozenset({"denied", "user_error", "refused", "error"})
# The bot serves every member from one event loop: a call that holds it this long stalls them all.
LOOP_STALL_LIMIT = 1.0
LAG_PROBE_INTERVAL = 0.05


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above, from any logger, while installed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def capture_errors() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def last_line(record: logging.LogRecord) -> str:
    """The last line of a record's traceback (``OverflowError: …``), or its message."""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        return f"{type(error).__name__}: {error}"[:300]
    return record.getMessage()[:300]


class LoopWatch:
    """How late the event loop wakes a sleeper: a stall in some callback shows as lateness.

    The time the loop's thread waited for a CPU (other workers of the test run had the cores)
    is not the bot's stall and is taken off."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._slept_at = 0.0
        self._cpu_wait_at_sleep = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._slept_at = loop.time()
        self._task = loop.create_task(self._probe(), name="loop-watch")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def take_worst(self) -> float:
        """The worst stall since the last call, one still going on included; then start over.

        Starting over also forgives the sleep in progress: a stall just before this call (the
        test's own snapshot, say) must not be counted against the next interaction.
        """
        now = asyncio.get_running_loop().time()
        worst = max(self.worst, self._lateness(now))
        self.worst, self._slept_at, self._cpu_wait_at_sleep = 0.0, now, cpu_wait_seconds()
        return worst

    def _lateness(self, now: float) -> float:
        waited = cpu_wait_seconds() - self._cpu_wait_at_sleep
        return now - self._slept_at - LAG_PROBE_INTERVAL - waited

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._slept_at, self._cpu_wait_at_sleep = loop.time(), cpu_wait_seconds()
            await asyncio.sleep(LAG_PROBE_INTERVAL)
            self.worst = max(self.worst, self._lateness(loop.time()))


@dataclass
class Finding:
    what: str
    inputs: str
    problem: str

    def __str__(self) -> str:
        return f"{self.what} {self.inputs[:300]}: {self.problem}"


@dataclass
class Referee:
    bot: NexusBot
    sandbox: SandboxServer
    errors: ErrorRecords
    findings: list[Finding] = field(default_factory=list)
    # Findings whose fix is under way elsewhere: (what starts with, problem contains) → why.
    known_open: dict[tuple[str, str], str] = field(default_factory=dict)
    known: list[Finding] = field(default_factory=list)
    invocations: int = 0
    snapshots: int = 0
    snapshot_seconds: float = 0.0
    outcomes: dict[int, str] = field(default_factory=dict)
    _snapshot: dict[str, list[tuple[Any, ...]]] | None = None
    _messages_checked: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)
    loop_watch: LoopWatch = field(default_factory=LoopWatch)

    def __post_init__(self) -> None:
        # Every refusal and failure passes through the bot's one error handler, which reports
        # its outcome to observe_failure: wrap it to learn which interactions were refused.
        observe = self.bot.observe_failure

        async def recording(
            interaction: discord.Interaction, error: BaseException, error_id: str | None
        ) -> None:
            original = getattr(error, "original", error)
            if error_id is not None:
                self.outcomes[interaction.id] = "error"
            elif isinstance(original, discord.app_commands.CheckFailure):
                self.outcomes[interaction.id] = "denied"
            else:
                self.outcomes[interaction.id] = "user_error"
            await observe(interaction, error, error_id)

        self.bot.observe_failure = recording  # type: ignore[method-assign]

    def note(self, what: str, inputs: Any, problem: str) -> None:
        finding = Finding(what, describe_inputs(inputs), problem)
        for where, symptom in self.known_open:
            if what.startswith(where) and symptom in problem:
                self.known.append(finding)
                return
        self.findings.append(finding)

    # -- one interaction -----------------------------------------------------------------------

    async def perform(
        self,
        what: str,
        inputs: Any,
        action: Callable[[], Awaitable[InteractionResult]],
        *,
        compare_database: bool = True,
        read_only: bool = False,
    ) -> InteractionResult | None:
        """Run ``action`` (one interaction) and judge it; None when it got no usable answer.

        ``read_only``: the interaction may never write (an autocomplete), refused or not.
        """
        began = time.perf_counter()
        open_every_command_to_everyone(self.sandbox)  # /admin sync may have re-synced them
        if compare_database and self._snapshot is None:
            await self.quiesce()
            self._snapshot = await self._dump()
        logged = len(self.errors.records)
        late = len(self.sandbox.late_acks)
        self.loop_watch.take_worst()
        result = None
        try:
            result = await action()
        except SandboxError as error:
            if not any(failure in str(error) for failure in BOT_FAILURES):
                raise  # the test asked for something Discord would not send: a test bug
            self.note(what, inputs, f"not acknowledged in time: {error}")
        # Measured before the snapshot below: reading the database is the test's own work.
        stall = self.loop_watch.take_worst()
        if stall > LOOP_STALL_LIMIT:
            self.note(what, inputs, f"blocked the event loop for {stall:.2f} s")
        self.invocations += 1
        if len(self.sandbox.late_acks) > late and result is not None:
            self.note(what, inputs, f"late acknowledgement {self.sandbox.late_acks[-1]}")
        if result is not None:
            self._judge_reply(what, inputs, result)
            refused = self.outcomes.get(result.interaction_id) in OUTCOMES_REFUSED
            if (refused or read_only) and compare_database:
                await self.quiesce()
                after = await self._dump()
                changed = sorted(
                    name for name, rows in after.items() if self._snapshot.get(name) != rows
                )
                if changed:
                    shown = "read only" if read_only else f"refused ({result.text[:120]!r})"
                    rows = describe_change(self._snapshot, after, changed)
                    self.note(what, inputs, f"{shown} but changed {changed}: {rows}")
                self._snapshot = after
            else:
                self._snapshot = None
        else:
            self._snapshot = None
        await self._judge_logs(what, inputs, logged)
        await self.check_new_messages(what, inputs)
        kind = what.split(" as ", maxsplit=1)[0]
        self.timings.setdefault(kind, []).append(time.perf_counter() - began)
        return result

    async def perform_together(
        self, what: str, inputs: Any, actions: list[Callable[[], Awaitable[InteractionResult]]]
    ) -> list[InteractionResult | None]:
        """Several interactions at the same moment (no database comparison: they race)."""
        self._snapshot = None
        return list(
            await asyncio.gather(
                *(self.perform(what, inputs, a, compare_database=False) for a in actions)
            )
        )

    async def after_the_fact(self, what: str, logged: int) -> None:
        """Judge what happened with no interaction (scheduled posts, a member's forum post):
        errors logged, pings. It may have written, so the next refusal is compared afresh."""
        self._snapshot = None
        await self._judge_logs(what, "", logged)
        await self.check_new_messages(what, "")

    # -- judging -------------------------------------------------------------------------------

    def _judge_reply(self, what: str, inputs: Any, result: InteractionResult) -> None:
        latency = result.charged_latency
        if latency is not None and latency > self.sandbox.ack_deadline:
            self.note(what, inputs, f"acknowledged after {latency:.2f} s")
        for choice in result.choices:
            name, value = str(choice.get("name", "")), choice.get("value")
            if not 1 <= len(name) <= 100 or (isinstance(value, str) and len(value) > 100):
                self.note(what, inputs, f"Discord refuses the choice {choice!r}")
        outcome = self.outcomes.get(result.interaction_id)
        shown = result.text
        found = INTERNAL_WORDING.search(CODE_BLOCK.sub("", self._bot_wording(result)))
        if outcome == "error" or found:
            self.note(what, inputs, f"internal error shown: {shown[:300]!r}")
            return
        if outcome in OUTCOMES_REFUSED:
            text = shown.strip()
            if not result.ephemeral:
                self.note(what, inputs, f"refusal not ephemeral: {text[:200]!r}")
            if not text or "\n" in text:
                self.note(what, inputs, f"refusal is not one line: {text[:300]!r}")

    @staticmethod
    def _bot_wording(result: InteractionResult) -> str:
        """What the bot itself wrote: a modal's title and labels, not the values it prefilled
        (a member's code, a program's output), which may say anything."""
        if result.modal is None:
            return result.text
        labels = [str(info.get("label", "")) for info in result.modal.fields.values()]
        return "\n".join([result.modal.title, *labels])

    async def _judge_logs(self, what: str, inputs: Any, logged: int) -> None:
        for record in self.errors.records[logged:]:
            self.note(
                what, inputs, f"logged {record.levelname} ({record.name}): {last_line(record)}"
            )

    async def check_new_messages(self, what: str, inputs: Any) -> None:
        """Pings of every bot message created since the last check."""
        messages = list(self.sandbox.state.messages.values())
        fresh = messages[self._messages_checked :]
        self._messages_checked = len(messages)
        for message in fresh:
            await self.check_pings(what, inputs, message)

    async def check_all_messages(self) -> None:
        """Pings of every message as it stands now (edits included)."""
        for message in list(self.sandbox.state.messages.values()):
            await self.check_pings("final state", message.id, message)

    async def check_pings(self, what: str, inputs: Any, message: Message) -> None:
        if message.author.id != self.sandbox.bot_user.id:
            return
        pinged = message.pinged
        if pinged.everyone or pinged.here:
            self.note(what, inputs, f"message {message.id} pings @everyone/@here: {message.text!r}")
        if pinged.roles:
            roles = set(pinged.roles) - await self.configured_role_pings()
            if roles:
                self.note(what, inputs, f"message {message.id} pings roles {sorted(roles)}")

    async def configured_role_pings(self) -> set[int]:
        async with self.bot.db.sessions() as session:
            roles = await session.scalars(
                select(Announcement.ping_role_id).where(Announcement.ping_role_id.is_not(None))
            )
            return {int(r) for r in roles}

    # -- the database --------------------------------------------------------------------------

    async def _dump(self) -> dict[str, list[tuple[Any, ...]]]:
        self.snapshots += 1
        began = time.perf_counter()
        try:
            return await dump_database(self.bot)
        finally:
            self.snapshot_seconds += time.perf_counter() - began

    async def quiesce(self, timeout: float = 2.0) -> None:
        """Let interactions still working (posting, recording) finish before a snapshot."""
        await interactions_done(timeout)

    def report(self) -> str:
        lines = [str(f) for f in self.findings]
        return "\n".join(lines)


def describe_change(
    before: dict[str, list[tuple[Any, ...]]],
    after: dict[str, list[tuple[Any, ...]]],
    names: list[str],
) -> str:
    """The first rows that appeared or went in the first changed tables, for the report."""
    parts = []
    for name in names[:2]:
        old, new = set(map(repr, before.get(name, []))), set(map(repr, after.get(name, [])))
        added, gone = sorted(new - old)[:1], sorted(old - new)[:1]
        parts.append(f"{name} +{[a[:200] for a in added]} -{[g[:200] for g in gone]}")
    return "; ".join(parts)


def describe_inputs(inputs: Any) -> str:
    """Inputs in a line or so: people, places and files by name, long text cut."""
    if isinstance(inputs, dict):
        return "{" + ", ".join(f"{k}={_short(v)}" for k, v in inputs.items()) + "}"
    return _short(inputs)


def _short(value: Any) -> str:
    name = getattr(value, "name", None)
    if name is not None and hasattr(value, "id"):
        return f"<{type(value).__name__} {name}>"
    if hasattr(value, "filename"):
        return f"<file {value.filename!r} {len(value.data)} B>"
    text = repr(value)
    return text if len(text) <= 160 else text[:150] + f"…({len(text)} chars)"
