"""The JSON of messages, guilds and reactions as Discord sends them, built from the model.

Users, roles, members and channels render themselves (``to_payload``): the model announces
their changes itself. The payloads here draw on many objects at once and only the REST routes,
the gateway and the interaction side send them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.snowflakes import iso, utcnow

if TYPE_CHECKING:
    from bot.sandbox.model import Channel, Guild, Message

JSON = dict[str, Any]


def message_payload(message: Message, *, with_reference: bool = True) -> JSON:
    """A message as the REST API and MESSAGE_CREATE carry it (with the message it replies to)."""
    pinged = message.pinged
    state = message.channel.state
    payload: JSON = {
        "id": str(message.id),
        "channel_id": str(message.channel.id),
        "author": message.author.to_payload(),
        "content": message.content,
        "timestamp": iso(message.created_at),
        "edited_timestamp": iso(message.edited_at) if message.edited_at else None,
        "tts": message.tts,
        "mention_everyone": pinged.everyone or pinged.here,
        "mentions": [state.users[u].to_payload() for u in pinged.users if u in state.users],
        "mention_roles": [str(r) for r in pinged.roles],
        "attachments": [a.to_payload() for a in message.attachments],
        "embeds": message.embeds,
        "components": message.components,
        "reactions": reactions_payload(message.reactions, state.bot_user.id),
        "pinned": message.pinned,
        "type": message.type,
        "flags": message.flags,
    }
    if message.channel.guild is not None:
        payload["guild_id"] = str(message.channel.guild.id)
    if message.webhook_id is not None:
        payload["webhook_id"] = str(message.webhook_id)
        payload["application_id"] = str(message.webhook_id)
    if message.interaction_metadata is not None:
        payload["interaction_metadata"] = message.interaction_metadata
    if message.reference is not None:
        payload["message_reference"] = message.reference
        referenced = message.referenced_message
        if with_reference and referenced is not None:
            payload["referenced_message"] = message_payload(referenced, with_reference=False)
    if message.thread is not None:
        payload["thread"] = message.thread.to_payload()
    if message.poll is not None:
        payload["poll"] = message.poll
    return payload


def reactions_payload(reactions: dict[str, set[int]], bot_id: int) -> list[JSON]:
    out: list[JSON] = []
    for emoji, users in reactions.items():
        if not users:
            continue
        out.append(
            {
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": bot_id in users,
                "me_burst": False,
                "burst_colors": [],
                "emoji": emoji_payload(emoji),
            }
        )
    return out


def emoji_payload(emoji: str) -> JSON:
    """``name:id`` (custom) or a unicode emoji, as a partial emoji object."""
    if ":" in emoji:
        name, _, ident = emoji.partition(":")
        return {"id": ident, "name": name}
    return {"id": None, "name": emoji}


def reaction_event(message: Message, user_id: int, emoji: str) -> JSON:
    """MESSAGE_REACTION_ADD's payload (REMOVE's, once ``member`` is dropped)."""
    payload: JSON = {
        "user_id": str(user_id),
        "channel_id": str(message.channel.id),
        "message_id": str(message.id),
        "emoji": emoji_payload(emoji),
        "burst": False,
        "type": 0,
        "message_author_id": str(message.author.id),
    }
    guild = message.channel.guild
    if guild is not None:
        payload["guild_id"] = str(guild.id)
        if user_id in guild.members:
            payload["member"] = guild.members[user_id].to_payload()
    return payload


def guild_payload(guild: Guild) -> JSON:
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [r.to_payload() for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.locale,
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
    }


def guild_create_payload(guild: Guild) -> JSON:
    """The GUILD_CREATE payload: the guild with its channels, threads and members."""
    payload = guild_payload(guild)
    payload.update(
        channels=[c.to_payload() for c in guild.channels.values() if not c.is_thread],
        threads=[c.to_payload() for c in guild.channels.values() if c.is_thread],
        members=[m.to_payload() for m in guild.members.values()],
        member_count=len(guild.members),
        large=False,
        unavailable=False,
        joined_at=iso(guild.me.joined_at),
        voice_states=[],
        presences=[],
        stage_instances=[],
        guild_scheduled_events=[],
        soundboard_sounds=[],
        lazy=True,
    )
    return payload


def thread_member_payload(thread: Channel, user_id: int) -> JSON:
    return {
        "id": str(thread.id),
        "user_id": str(user_id),
        "join_timestamp": iso(utcnow()),
        "flags": 0,
    }
