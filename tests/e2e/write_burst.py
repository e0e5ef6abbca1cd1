"""A burst of writes from many members through the sandbox, and what each member saw.

Fifty members of one guild (ten of them moderators) each share a snippet, log a feedback report
and join pairing; each moderator also creates five announcements: 200 writes. Every write
carries one word found nowhere else, so its rows and posts can be found by that word, and its
reply is read from the sandbox's record of every interaction.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.db import Database
from bot.extensions import discover_extensions
from bot.feature import guild_settings_without_a_bot
from bot.sandbox import SandboxServer
from bot.sandbox.errors import SandboxError
from bot.sandbox.interactions.pending import PendingInteraction
from bot.sandbox.interactions.result import InteractionResult
from bot.sandbox.model import Channel, Guild
from bot.sandbox.users import User
from tests.e2e.conftest import MODERATOR_PERMISSIONS

MEMBERS = 50
MODERATORS = 10  # the first ten members also hold the moderator role
ANNOUNCEMENTS_PER_MODERATOR = 5
# Due a little after the burst (in the crash test: after the restart).
ANNOUNCE_WHEN = "in 12 seconds"
LEVEL, TIMEZONE, TOPIC = "intermediate", "Europe/Berlin", "python"
SEVERITY = "bug"

# Every write carries one word found nowhere else; its rows and posts are found by it.
KEY = re.compile(r"\bburst[a-z]{8}\b")
SUCCESS = {
    "snippet": re.compile(r"Snippet #(\d+) ·|Shared as snippet \*\*#(\d+)\*\*"),
    "feedback": re.compile(r"Logged \*\*FB-(\d+)\*\*"),
    "pairing": re.compile(r"Welcome to pairing!()"),
    "announcement": re.compile(r"Announcement \*\*#(\d+)\*\* scheduled"),
}
KINDS = tuple(SUCCESS)


@dataclass
class Place:
    guild: Guild
    general: Channel
    snippets: Channel
    feedback: Channel
    pairing: Channel
    announcements: Channel
    moderator_role_id: int
    members: list[User]


@dataclass
class Write:
    kind: str
    key: str
    user: User
    channel: Channel
    command: str
    options: dict[str, Any]
    fired: bool = False
    answered: bool = False  # any reply at all (an error line too)
    acknowledged: bool = False  # the success reply
    shown_id: int | None = None  # the id or number that reply named
    # What a check found afterwards: stored copies, and why one is not whole.
    copies: int = 0
    problems: list[str] = field(default_factory=list)


# ---- the world and the writes ------------------------------------------------------------------


def build_place(sandbox: SandboxServer) -> Place:
    guild = sandbox.create_guild("Write burst")
    channels = {
        name: guild.create_channel(name)
        for name in ("snippets", "feedback", "pairing", "announcements")
    }
    moderators = guild.create_role("Moderators", permissions=MODERATOR_PERMISSIONS)
    members = []
    for n in range(MEMBERS):
        user = sandbox.create_user(f"member{n:02d}")
        guild.add_member(user, roles=[moderators] if n < MODERATORS else [])
        members.append(user)
    general = next(c for c in guild.text_channels if c.name == "general")
    return Place(
        guild=guild,
        general=general,
        moderator_role_id=moderators.id,
        members=members,
        **channels,
    )


async def configure(database: Database, settings: Settings, place: Place) -> None:
    """What /admin setup would have stored before the bot starts."""
    guild_settings = guild_settings_without_a_bot(
        database.sessions, settings, discover_extensions()
    )
    await guild_settings.set_many(
        place.guild.id,
        {
            "channels.snippets": place.snippets.id,
            "channels.feedback": place.feedback.id,
            "channels.pairing": place.pairing.id,
            "channels.announcements": place.announcements.id,
            "roles.moderator": place.moderator_role_id,
        },
        actor_id=None,
    )


def plan_writes(place: Place, rng: random.Random) -> list[Write]:
    used: set[str] = set()

    def word() -> str:
        while True:
            candidate = "burst" + "".join(rng.choices(string.ascii_lowercase, k=8))
            if candidate not in used:
                used.add(candidate)
                return candidate

    writes: list[Write] = []
    for n, user in enumerate(place.members):
        key = word()
        writes.append(
            Write(
                "snippet",
                key,
                user,
                # Half are posted as the reply itself, half elsewhere with a link as the reply.
                place.snippets if n % 2 == 0 else place.general,
                "/snippet share",
                {
                    "title": f"Helper {key}",
                    "code": f"def {key}():\n    return {n}\n",
                    "language": "python",
                },
            )
        )
        key = word()
        writes.append(
            Write(
                "feedback",
                key,
                user,
                place.general,
                "/feedback log",
                {
                    # Unrelated titles and paths, so the duplicate prompt never steps in.
                    "endpoint": f"GET /api/{key}/{word()}",
                    "severity": SEVERITY,
                    "title": f"{key} {word()} {word()}",
                    "details": f"Calling it fails ({key}).",
                },
            )
        )
        key = word()
        writes.append(
            Write(
                "pairing",
                key,
                user,
                place.pairing,
                "/pair join",
                {"level": LEVEL, "timezone": TIMEZONE, "topics": f"{TOPIC}, {key}"},
            )
        )
    for moderator in place.members[:MODERATORS]:
        for _ in range(ANNOUNCEMENTS_PER_MODERATOR):
            key = word()
            writes.append(
                Write(
                    "announcement",
                    key,
                    moderator,
                    place.general,
                    "/announce create",
                    {
                        "channel": place.announcements,
                        "when": ANNOUNCE_WHEN,
                        "message": f"Burst notice {key}",
                    },
                )
            )
    rng.shuffle(writes)
    return writes


# ---- the burst and the replies ---------------------------------------------------------------


class Replies:
    """What the members saw, read from the sandbox's record of every interaction."""

    def __init__(self, sandbox: SandboxServer, writes: Iterable[Write]) -> None:
        self.sandbox = sandbox
        self.by_key = {w.key: w for w in writes}
        self.pending: dict[int, tuple[PendingInteraction, Write]] = {}

    def _match(self) -> None:
        for interaction_id, pending in list(self.sandbox.hub.by_id.items()):
            if interaction_id in self.pending:
                continue
            data = json.dumps(pending.payload.get("data") or {})
            write = next((self.by_key[k] for k in KEY.findall(data) if k in self.by_key), None)
            # The searches made while checking name a write's word too: they are not the write.
            if write is not None and pending.name == write.command:
                self.pending[interaction_id] = (pending, write)

    def read(self) -> None:
        self._match()
        for pending, write in self.pending.values():
            shown = InteractionResult(self.sandbox, pending).text
            write.answered = bool(shown)
            found = SUCCESS[write.kind].search(shown)
            write.acknowledged = found is not None
            if found is not None:
                number = next((g for g in found.groups() if g), None)
                write.shown_id = int(number) if number else None

    def acknowledged(self) -> int:
        self.read()
        return sum(w.acknowledged for _, w in self.pending.values())


async def fire(sandbox: SandboxServer, place: Place, write: Write) -> None:
    write.fired = True
    # A write in flight when the bot dies gets no answer; what was answered is read later.
    with contextlib.suppress(SandboxError):
        await sandbox.invoke(
            write.command,
            user=write.user,
            guild=place.guild,
            channel=write.channel,
            options=write.options,
            timeout=20,
        )


def keys_in(*texts: str | None) -> set[str]:
    return {k for t in texts if t for k in KEY.findall(t)}


def posts_with(channel: Channel, key: str) -> int:
    return sum(key in m.text for m in channel.messages)
