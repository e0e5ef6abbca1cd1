"""A post in a forum channel: a public thread and its first message, made in one step.

As on Discord, the first message's id is the thread's id; THREAD_CREATE (newly created, with
the author as its member) goes out first, then MESSAGE_CREATE. The bot makes posts through
``POST /channels/{forum}/threads`` with a ``message``; a test makes one as a member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import ApiError, invalid_form
from bot.sandbox.kinds import GUILD_FORUM, PUBLIC_THREAD
from bot.sandbox.model import Channel
from bot.sandbox.payloads import thread_member_payload

if TYPE_CHECKING:
    from bot.sandbox.messages import MessageService, Upload
    from bot.sandbox.model import Message
    from bot.sandbox.users import User

JSON = dict[str, Any]


def create_post(
    messages: MessageService,
    forum: Channel,
    author: User,
    body: JSON,
    uploads: list[Upload] | None = None,
) -> tuple[Channel, Message]:
    """The post `author` makes in `forum` from a thread-creation body with its `message`."""
    if forum.type != GUILD_FORUM or forum.guild is None:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise invalid_form(
            "name", code="BASE_TYPE_BAD_LENGTH", message="Must be between 1 and 100 in length."
        )
    first = body.get("message")
    if not isinstance(first, dict):
        raise invalid_form("message", code="BASE_TYPE_REQUIRED", message="This field is required")
    state = messages.state
    thread = Channel(
        id=state.snowflakes.next(),
        type=PUBLIC_THREAD,
        name=name,
        state=state,
        guild=forum.guild,
        parent_id=forum.id,
        owner_id=author.id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        members=[author.id],
    )
    if "applied_tags" in body:
        state.forums.set_applied(forum.id, thread.id, body["applied_tags"] or [])
    state.add_channel(thread)
    try:
        message = messages.create(thread, author, first, uploads, announce=False)
    except ApiError:
        state.remove_channel(thread)
        state.forums.applied.pop(thread.id, None)
        raise
    # The first message of a post shares the post's id.
    del state.messages[message.id]
    message.id = thread.id
    state.messages[message.id] = message
    payload = thread.to_payload()
    payload["newly_created"] = True
    payload["member"] = thread_member_payload(thread, author.id)
    messages.dispatch("THREAD_CREATE", payload, forum.guild.id)
    messages.announce_create(message)
    return thread, message
