"""What a topic is: a member's short list of interests, the topic of a /pair now request, and
the topic a matched group is given."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from cogs.pairing.rules import PairingError

if TYPE_CHECKING:
    from cogs.pairing.records import PlannedGroup

MAX_TOPICS = 5
TOPIC_MAX_CHARS = 32
QUEUE_TOPIC_MAX_CHARS = 200
FALLBACK_TOPICS = (
    "review each other's latest pull request",
    "write tests for an endpoint one of you built",
    "design a small REST API together, frontend and backend",
    "debug something that has been bugging one of you",
    "refactor a function you're not proud of",
)
# The open topics another feature offers (an open feedback item …); asked only when a group
# shares no topic of its own.
OpenTopics = Callable[[], Awaitable[list[str]]]


def parse_topics(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    topics: list[str] = []
    for raw in re.split(r"[,;\n]", text):
        topic = " ".join(raw.split()).lower()
        if not topic:
            continue
        if len(topic) > TOPIC_MAX_CHARS:
            raise PairingError(f"Keep each topic to {TOPIC_MAX_CHARS} characters or fewer.")
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise PairingError(f"Give at most {MAX_TOPICS} topics, separated by commas.")
    return tuple(topics)


async def suggest_topic(group: PlannedGroup, open_topics: OpenTopics) -> str:
    """The group's first shared topic, else one of the open topics, else a fallback; the
    members' ids pick which, so the same group is given the same topic."""
    if group.shared_topics:
        return group.shared_topics[0]
    topics = await open_topics()
    if topics:
        return topics[sum(group.members) % len(topics)]
    return FALLBACK_TOPICS[sum(group.members) % len(FALLBACK_TOPICS)]
