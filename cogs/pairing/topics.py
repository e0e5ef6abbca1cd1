"""What a topic is: a member's short list of interests, and the topic of a /pair now request."""

from __future__ import annotations

import re

from cogs.pairing.rules import PairingError

MAX_TOPICS = 5
TOPIC_MAX_CHARS = 32
QUEUE_TOPIC_MAX_CHARS = 200


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
