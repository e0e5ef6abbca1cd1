"""The demo guild the README's screenshots show, filled through Nexus's own commands.

Twelve weeks of a programme on a frozen clock: members share snippets (Python, JavaScript, SQL)
and star each other's, a pairing round runs every week and the pairs answer, API feedback is
logged and moved along the workflow by a triager, and announcements are posted (a few late).
Everything goes through the sandbox as slash commands and button presses, as in Discord; what
is typed is in bench.screenshot_content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bench.screenshot_content import (
    ANNOUNCEMENTS,
    FEEDBACK,
    LOGGED_PER_WEEK,
    SNIPPETS,
    STARS,
    TRIAGE,
)

if TYPE_CHECKING:
    from bot.app import NexusBot
    from bot.clock import FrozenClock
    from bot.sandbox import SandboxServer

# A Monday morning; the last of the weeks is the one the pages show as the current one (the
# dashboard shows twelve).
START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
WEEKS = 12
MEMBERS = ("ada", "grace", "linus", "margaret", "ken", "barbara", "guido", "brendan")
TRACKS = ("backend", "frontend", "fullstack")
LEVELS = ("beginner", "intermediate", "advanced")
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata")
SHARED = re.compile(r"(?:Shared as snippet \*\*#|— Snippet #)(\d+)")
FEATURE_CHANNELS = ("snippets", "pairing", "feedback", "announcements")
MENTION = re.compile(r"<@!?(\d+)>")


@dataclass
class Demo:
    """The guild, its channels and people, and the snippet the snippet page shows."""

    guild: Any
    channels: dict[str, Any]
    you: Any  # a moderator
    triager: Any
    members: list[Any]
    roles: dict[str, Any]
    featured_snippet: int = 0


def build_guild(server: SandboxServer) -> Demo:
    """The guild, a channel per feature, a moderator (you), a triager and the members."""
    guild = server.create_guild("ProDev Nexus")
    general = guild.get_channel("general") or guild.create_channel("general")
    channels = {
        "general": general,
        **{name: guild.create_channel(name) for name in FEATURE_CHANNELS},
    }
    moderators = guild.create_role(
        "Moderators", permissions=discord.Permissions(manage_guild=True).value
    )
    triagers = guild.create_role("Backend triagers")
    you = server.create_user("you")
    guild.add_member(you, roles=[moderators])
    triager = server.create_user("sam")
    guild.add_member(triager, roles=[triagers])
    members = [server.create_user(name) for name in MEMBERS]
    for member in members:
        guild.add_member(member)
    return Demo(
        guild, channels, you, triager, members, {"moderator": moderators, "triager": triagers}
    )


async def configure(bot: NexusBot, demo: Demo) -> None:
    """What a moderator's /admin setup stores: the channels and the roles."""
    await bot.guild_settings.set_many(
        demo.guild.id,
        {
            **{f"channels.{name}": demo.channels[name].id for name in FEATURE_CHANNELS},
            **{f"roles.{name}": role.id for name, role in demo.roles.items()},
        },
        actor_id=None,
    )


def checked(reply: Any, expected: str) -> Any:
    """The reply, if it says what a success says; the demo stops with the reply otherwise."""
    if expected not in reply.text:
        raise RuntimeError(f"expected {expected!r} in the bot's reply: {reply.text[:300]!r}")
    return reply


class Filler:
    """Runs the demo's weeks: each a few commands by the people of the guild."""

    def __init__(
        self, server: SandboxServer, bot: NexusBot, demo: Demo, clock: FrozenClock
    ) -> None:
        self.server = server
        self.bot = bot
        self.demo = demo
        self.clock = clock
        self.snippets: list[int] = []
        self.logged = 0

    async def command(self, name: str, user: Any, channel: str = "general", **options: Any) -> Any:
        return await self.server.invoke(
            name,
            user=user,
            guild=self.demo.guild,
            channel=self.demo.channels[channel],
            timeout=20,
            **options,
        )

    async def run(self) -> None:
        await self.join_pairing()
        for week in range(WEEKS):
            self.clock.set(START + timedelta(weeks=week))
            await self.share(week)
            await self.log_feedback(week)
            await self.pairing_round(week)
            await self.triage(week)
            await self.announce(week)
        self.demo.featured_snippet = self.snippets[0]

    async def join_pairing(self) -> None:
        for index, member in enumerate(self.demo.members):
            await self.command(
                "/pair join", member, "pairing",
                level=LEVELS[index % 3], timezone=ZONES[index % 4], track=TRACKS[index % 3],
            )  # fmt: skip

    async def share(self, week: int) -> None:
        """The week's snippet (most weeks have one), starred by a few other members."""
        for number, snippet in enumerate(SNIPPETS):
            if number * WEEKS // len(SNIPPETS) != week:
                continue
            author = self.demo.members[number % len(self.demo.members)]
            reply = await self.command(
                "/snippet share", author, "snippets", title=snippet.title, code=snippet.code,
                language=snippet.language, tags=snippet.tags, description=snippet.description,
            )  # fmt: skip
            found = SHARED.search(reply.text)
            if found is None:
                raise RuntimeError(f"/snippet share: {reply.text[:300]!r}")
            self.snippets.append(int(found.group(1)))
            await self.star(author, STARS[number])
        for query in ("retry", "sql window", "debounce")[: 1 + week % 3]:
            await self.command("/snippet search", self.demo.members[week % 8], query=query)

    async def star(self, author: Any, count: int) -> None:
        """`count` members other than the author press the new post's Star button (a star
        toggles: each presses once), so the post shows its count as the page does."""
        snippets = self.demo.channels["snippets"]
        post = next(m for m in reversed(snippets.messages) if m.embeds and m.components)
        for member in [m for m in self.demo.members if m is not author][:count]:
            await self.press(post, "Star", member)
            # The click's answer is the post with its new count: press on the fresh copy.
            post = next(m for m in snippets.messages if m.id == post.id)

    async def log_feedback(self, week: int) -> None:
        for endpoint, severity, title, details in FEEDBACK[
            self.logged : self.logged + LOGGED_PER_WEEK[week]
        ]:
            self.logged += 1
            reporter = self.demo.members[(self.logged * 3) % len(self.demo.members)]
            reply = await self.command(
                "/feedback log", reporter,
                endpoint=endpoint, severity=severity, title=title, details=details,
            )  # fmt: skip
            checked(reply, f"Logged **FB-{self.logged}")
            await self.server.wait_until(
                lambda: len(self.demo.channels["feedback"].threads) >= self.logged,
                10,
                "the item's thread",
            )
        self.clock.advance(timedelta(hours=3))

    async def triage(self, week: int) -> None:
        """The triager takes each item one step further a week, along its planned path."""
        for number, path in TRIAGE.items():
            first_week = self._week_logged(number)
            if first_week is None or not 0 <= week - first_week < len(path):
                continue
            step = week - first_week
            if step == 0:
                await self.command(
                    "/feedback assign", self.demo.you,
                    options={"id": f"FB-{number}", "user": self.demo.triager},
                )  # fmt: skip
            self.clock.advance(timedelta(hours=5))
            reply = await self.command(
                "/feedback status", self.demo.triager, id=f"FB-{number}", status=path[step],
                note="Thanks — we are on it." if path[step] == "acknowledged" else None,
            )  # fmt: skip
            checked(reply, f"FB-{number}")

    def _week_logged(self, number: int) -> int | None:
        """The week item `number` was logged in."""
        logged = 0
        for week in range(WEEKS):
            logged += LOGGED_PER_WEEK[week]
            if number <= logged:
                return week
        return None

    async def pairing_round(self, week: int) -> None:
        """The moderator runs the week's round; most pairs say they met."""
        pairing = self.demo.channels["pairing"]
        before = len(pairing.threads)
        self.clock.advance(timedelta(hours=1))
        await self.command("/pair round run", self.demo.you, "pairing")
        await self.server.wait_until(lambda: len(pairing.threads) > before, 10, "the round")
        for index, thread in enumerate(pairing.threads[before:]):
            await self.server.wait_until(lambda t=thread: bool(t.messages), 10, "the intro")
            message = next(m for m in thread.messages if m.components)
            people = [int(i) for i in MENTION.findall(message.content or "")]
            if not people or (week + index) % 4 == 3:
                continue  # this pair did not answer
            label = "Couldn't meet" if (week + index) % 5 == 4 else "We met"
            await self.press(message, label, self.server.state.users[people[0]])

    async def press(self, message: Any, label: str, user: Any) -> None:
        button = next(
            component
            for row in message.components
            for component in row.get("components", [])
            # A label, or a label with a count: "Star (2)".
            if component.get("label", "").split(" (")[0] == label
        )
        await self.server.send_component(
            message, {"custom_id": button["custom_id"], "component_type": 2}, user=user
        )

    async def announce(self, week: int) -> None:
        """The week's announcements, posted by the dispatcher: one on time, and some weeks a
        second one posted late (Nexus was busy when it was due) or skipped (set not to)."""
        plans = [("in 1h", "post_late")]
        if week % 3 == 2:
            plans.append(("in 2h", "post_late"))
        if week % 5 == 4:
            plans.append(("in 2h", "skip"))
        for number, (when, missed) in enumerate(plans):
            made = await self.command(
                "/announce create", self.demo.you, "announcements",
                options={
                    "channel": self.demo.channels["general"], "when": when, "missed": missed,
                    "message": ANNOUNCEMENTS[(week + number) % len(ANNOUNCEMENTS)],
                },
            )  # fmt: skip
            if "error" in made.text.lower():
                raise RuntimeError(f"/announce create: {made.text[:300]!r}")
        dispatcher = self.bot.get_cog("AnnouncementsCog").dispatcher  # type: ignore[union-attr]
        self.clock.advance(timedelta(hours=1))
        await dispatcher.run_due()
        # The second hour's announcements come due while Nexus is "away": posted late or not.
        self.clock.advance(timedelta(hours=1, minutes=40))
        await dispatcher.run_due()
