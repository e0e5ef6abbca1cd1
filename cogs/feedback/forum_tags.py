"""An item's status and severity as forum tags: the forum's tags made when missing (within
Discord's 20 per forum), and the tags a post shows (within its 5), keeping any the member
chose that are not ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

from cogs.feedback.render import SEVERITY_EMOJI, STATUS_EMOJI
from cogs.feedback.rules import SEVERITIES, STATUS_LABELS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cogs.feedback.records import ItemRecord

TAGS_PER_FORUM = 20
TAGS_PER_POST = 5
STATUS_TAGS: dict[str, str] = dict(STATUS_LABELS)
SEVERITY_TAGS: dict[str, str] = {severity: severity.capitalize() for severity in SEVERITIES}
_OURS = {name.lower() for name in (*STATUS_TAGS.values(), *SEVERITY_TAGS.values())}


@dataclass
class TagSetup:
    """What making the tags did: the forum as it is now, the tags made, and those that found
    no room."""

    forum: discord.ForumChannel
    created: list[str] = field(default_factory=list)
    no_room: list[str] = field(default_factory=list)


def _wanted() -> list[tuple[str, str]]:
    return [(name, STATUS_EMOJI[status]) for status, name in STATUS_TAGS.items()] + [
        (name, SEVERITY_EMOJI[severity]) for severity, name in SEVERITY_TAGS.items()
    ]


def missing_tags(forum: discord.ForumChannel) -> list[tuple[str, str]]:
    have = {tag.name.lower() for tag in forum.available_tags}
    return [(name, emoji) for name, emoji in _wanted() if name.lower() not in have]


async def ensure_tags(forum: discord.ForumChannel) -> TagSetup:
    """Create the status and severity tags the forum lacks, in one edit; the forum's own tags
    stay, and what does not fit in its 20 is reported rather than forced."""
    missing = missing_tags(forum)
    if not missing:
        return TagSetup(forum)
    room = max(0, TAGS_PER_FORUM - len(forum.available_tags))
    fitting, left_out = missing[:room], missing[room:]
    setup = TagSetup(forum, [name for name, _ in fitting], [name for name, _ in left_out])
    if fitting:
        new = [discord.ForumTag(name=name, emoji=emoji) for name, emoji in fitting]
        edited = await forum.edit(available_tags=[*forum.available_tags, *new])
        if isinstance(edited, discord.ForumChannel):
            setup.forum = edited
    return setup


def post_tags(
    forum: discord.ForumChannel, item: ItemRecord, current: Sequence[discord.ForumTag] = ()
) -> list[discord.ForumTag]:
    """The tags a post of `item` shows: its status and severity first, then the member's own
    tags that are not ours, up to Discord's five."""
    by_name = {tag.name.lower(): tag for tag in forum.available_tags}
    ours = [
        by_name[name.lower()]
        for name in (STATUS_TAGS[item.status], SEVERITY_TAGS[item.severity])
        if name.lower() in by_name
    ]
    theirs = [tag for tag in current if tag.name.lower() not in _OURS]
    return (ours + theirs)[:TAGS_PER_POST]


def severity_from(tags: Sequence[discord.ForumTag]) -> str | None:
    """The severity a member chose by tagging their own post, if any."""
    names = {name.lower(): severity for severity, name in SEVERITY_TAGS.items()}
    return next((names[tag.name.lower()] for tag in tags if tag.name.lower() in names), None)
