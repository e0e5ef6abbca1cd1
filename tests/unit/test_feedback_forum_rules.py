"""Forum mode's rules that need no Discord connection: the endpoint in a post's title, and the
tags a post shows (ours first, the member's own kept, five at most)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from cogs.feedback.endpoints import Endpoint, endpoint_in_title
from cogs.feedback.forum_tags import TAGS_PER_POST, missing_tags, post_tags, severity_from
from cogs.feedback.records import ItemRecord
from cogs.feedback.render import post_name


@pytest.mark.parametrize(
    ("title", "endpoint", "rest"),
    [
        ("GET /api/jobs returns 500", Endpoint("GET", "/api/jobs"), "returns 500"),
        (
            "post /api/jobs/ - 422 on a valid body",
            Endpoint("POST", "/api/jobs"),
            "422 on a valid body",
        ),
        ("Login broken: DELETE /api/session", Endpoint("DELETE", "/api/session"), "Login broken"),
        ("GET /api/jobs", Endpoint("GET", "/api/jobs"), "GET /api/jobs"),
    ],
)
def test_a_post_title_gives_its_endpoint_and_the_rest(
    title: str, endpoint: Endpoint, rest: str
) -> None:
    assert endpoint_in_title(title) == (endpoint, rest)


@pytest.mark.parametrize("title", ["Jobs list is slow", "FETCH /api/jobs fails", "GET jobs"])
def test_a_title_without_an_endpoint_gives_none(title: str) -> None:
    assert endpoint_in_title(title) is None


def _item(**changes: Any) -> ItemRecord:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    values: dict[str, Any] = {
        "id": 1, "guild_id": 1, "number": 7, "reporter_id": 2, "method": "GET",
        "path": "/api/jobs", "in_spec": None, "severity": "blocker", "title": "t " * 80,
        "details": "d", "expected": None, "actual": None, "status": "in_progress",
        "duplicate_of_number": None, "assignee_id": None, "plus_ones": 0, "channel_id": None,
        "message_id": None, "thread_id": None, "created_at": now, "updated_at": now,
    }  # fmt: skip
    values.update(changes)
    return ItemRecord(**values)


class _Forum:
    """What the rules read of a forum channel: its tags."""

    def __init__(self, names: list[str]) -> None:
        self.available_tags = [discord.ForumTag(name=name) for name in names]
        for number, tag in enumerate(self.available_tags, start=1):
            tag.id = number


def test_a_post_shows_its_status_and_severity_then_the_members_own_tags_up_to_five() -> None:
    forum = _Forum(["Open", "In progress", "Blocker", "Bug", "a", "b", "c", "d"])
    member_tags = [t for t in forum.available_tags if t.name in ("Open", "Bug", "a", "b", "c", "d")]
    shown = post_tags(forum, _item(), member_tags)  # type: ignore[arg-type]
    assert [tag.name for tag in shown] == ["In progress", "Blocker", "a", "b", "c"]
    assert len(shown) == TAGS_PER_POST


def test_only_missing_tags_are_made_and_a_chosen_severity_is_read() -> None:
    forum = _Forum(["open", "Bug", "mine"])
    missing = [name for name, _ in missing_tags(forum)]  # type: ignore[arg-type]
    assert "Open" not in missing and "Bug" not in missing
    assert len(missing) == 9
    assert severity_from(forum.available_tags) == "bug"
    assert severity_from([]) is None


def test_a_post_name_fits_discords_hundred_characters() -> None:
    name = post_name(_item())
    assert name.startswith("FB-7 · t t") and len(name) <= 100
