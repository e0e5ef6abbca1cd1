"""Forum channels' tags as the sandbox keeps them: each forum's available tags (ids assigned
when a PATCH adds one without an id) and the tags applied to each of its posts.

Kept apart from the channel model by id, so the model only asks for the fields to show; the
checks are Discord's: at most 20 tags per forum, names of 1 to 20 characters, at most 5 tags
applied to a post and only tags of its own forum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import ApiError, invalid_form
from bot.sandbox.snowflakes import SnowflakeGenerator

JSON = dict[str, Any]

TAGS_PER_FORUM = 20
TAGS_PER_POST = 5
TAG_NAME_MAX = 20


@dataclass
class ForumTag:
    id: int
    name: str
    moderated: bool = False
    emoji_id: int | None = None
    emoji_name: str | None = None

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "moderated": self.moderated,
            "emoji_id": str(self.emoji_id) if self.emoji_id else None,
            "emoji_name": self.emoji_name,
        }


class ForumTags:
    """Every forum's available tags and every post's applied ones, by channel id."""

    def __init__(self, snowflakes: SnowflakeGenerator) -> None:
        self._snowflakes = snowflakes
        self.available: dict[int, list[ForumTag]] = {}
        self.applied: dict[int, list[int]] = {}

    def forum_fields(self, forum_id: int) -> JSON:
        """What a forum channel's payload says beyond a text channel's."""
        return {
            "available_tags": [tag.to_payload() for tag in self.available.get(forum_id, [])],
            "default_reaction_emoji": None,
            "default_sort_order": None,
            "default_forum_layout": 0,
        }

    def applied_to(self, post_id: int) -> list[str]:
        return [str(tag_id) for tag_id in self.applied.get(post_id, [])]

    def set_available(self, forum_id: int, tags: Any) -> None:
        """PATCH /channels/{forum} with `available_tags`: the whole list, as Discord takes it
        (a tag left out is deleted, and taken off the posts; one without an id is created)."""
        if not isinstance(tags, list):
            raise _form_error("available_tags", "BASE_TYPE_ARRAY", "Must be an array.")
        if len(tags) > TAGS_PER_FORUM:
            raise _form_error(
                "available_tags",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {TAGS_PER_FORUM} or fewer in length.",
            )
        known = {tag.id: tag for tag in self.available.get(forum_id, [])}
        result: list[ForumTag] = []
        for index, raw in enumerate(tags):
            name = str(raw.get("name") or "") if isinstance(raw, dict) else ""
            if not 1 <= len(name) <= TAG_NAME_MAX:
                raise _form_error(
                    f"available_tags.{index}.name",
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {TAG_NAME_MAX} in length.",
                )
            ident = int(raw.get("id") or 0)
            if ident and ident not in known:
                raise ApiError(400, 40061, "Tag does not exist")
            emoji_id = raw.get("emoji_id")
            result.append(
                ForumTag(
                    id=ident or self._snowflakes.next(),
                    name=name,
                    moderated=bool(raw.get("moderated")),
                    emoji_id=int(emoji_id) if emoji_id else None,
                    emoji_name=raw.get("emoji_name") or None,
                )
            )
        self.available[forum_id] = result
        kept = {tag.id for tag in result}
        for post_id, applied in self.applied.items():
            self.applied[post_id] = [tag_id for tag_id in applied if tag_id in kept]

    def set_applied(self, forum_id: int, post_id: int, tag_ids: Any) -> None:
        if not isinstance(tag_ids, list):
            raise _form_error("applied_tags", "BASE_TYPE_ARRAY", "Must be an array.")
        if len(tag_ids) > TAGS_PER_POST:
            raise _form_error(
                "applied_tags",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {TAGS_PER_POST} or fewer in length.",
            )
        available = {tag.id for tag in self.available.get(forum_id, [])}
        wanted: list[int] = []
        for raw in tag_ids:
            tag_id = int(raw)
            if tag_id not in available:
                raise ApiError(400, 40061, "Tag does not exist")
            if tag_id not in wanted:
                wanted.append(tag_id)
        self.applied[post_id] = wanted

    def tag_named(self, forum_id: int, name: str) -> ForumTag | None:
        """For tests: the forum's tag called `name` (case-insensitive)."""
        lowered = name.lower()
        return next(
            (tag for tag in self.available.get(forum_id, []) if tag.name.lower() == lowered), None
        )

    def names_applied(self, forum_id: int, post_id: int) -> list[str]:
        """For tests: the names of the tags applied to a post."""
        names = {tag.id: tag.name for tag in self.available.get(forum_id, [])}
        return [names[tag_id] for tag_id in self.applied.get(post_id, []) if tag_id in names]


def _form_error(path: str, code: str, message: str) -> ApiError:
    return invalid_form(*path.split("."), code=code, message=message)
