"""What one member sees of the sandbox guild, as JSON for the page: channels and messages.

Messages are what the sandbox holds, read as Discord's client would show them to that member:
deleted ones are gone, an ephemeral reply shows only to the member whose interaction it answers,
text becomes markup nodes (``markup.py``) and components become rows of buttons and selects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bot.sandbox.interactions.pending import APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT
from bot.sandbox.kinds import GUILD_FORUM, GUILD_TEXT, LOADING
from bot.sandbox.message_validation import walk_components
from bot.sandbox.playground.markup import Node, parse
from bot.sandbox.render import BUTTON, SELECT_TYPES, TEXT_DISPLAY

if TYPE_CHECKING:
    from bot.sandbox.interactions.hub import InteractionHub
    from bot.sandbox.model import Channel, Guild, Message
    from bot.sandbox.users import User

JSON = dict[str, Any]
ACTION_ROW: Final = 1
# How the page names a member's direct messages with the bot (each member has their own).
DIRECT_MESSAGES: Final = "dm"
# The most recent messages of a channel the page shows (the sandbox keeps them all).
SHOWN_MESSAGES: Final = 100
BUTTON_STYLES: Final = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link"}
# What a message answering each kind of interaction says its member did.
USED: Final = {COMPONENT: "used a button or a menu", MODAL_SUBMIT: "filled in a form"}
ENTITY_SELECTS: Final = {5: "user", 6: "role", 7: "mentionable", 8: "channel"}


class GuildView:
    """The guild as ``viewer`` sees it (names for mentions, channels, messages)."""

    def __init__(self, guild: Guild, hub: InteractionHub, viewer: User) -> None:
        self.guild = guild
        self.hub = hub
        self.viewer = viewer

    def name_of(self, kind: str, ident: int) -> str | None:
        if kind == "user":
            member = self.guild.members.get(ident)
            user = member.user if member else self.guild.state.users.get(ident)
            return user.display_name if user else None
        if kind == "role":
            role = self.guild.roles.get(ident)
            return role.name if role else None
        channel = self.guild.state.channels.get(ident)
        return channel.name if channel else None

    def markup(self, text: object) -> list[Node]:
        return parse(str(text or ""), self.name_of)

    # -- channels ------------------------------------------------------------------------------

    def channels(self) -> list[JSON]:
        """Text channels and forums in order, each followed by its threads (forum posts)."""
        out: list[JSON] = []
        tops = [
            c
            for c in self.guild.channels.values()
            if c.type in (GUILD_TEXT, GUILD_FORUM) and not c.deleted
        ]
        for channel in sorted(tops, key=lambda c: (c.position, c.id)):
            kind = "forum" if channel.type == GUILD_FORUM else "text"
            out.append({"id": str(channel.id), "name": channel.name, "kind": kind, "depth": 0})
            for thread in sorted(channel.threads, key=lambda c: c.id):
                if thread.deleted or not self._may_see(thread):
                    continue
                kind = "post" if channel.type == GUILD_FORUM else "thread"
                out.append({"id": str(thread.id), "name": thread.name, "kind": kind, "depth": 1})
        bot = self.guild.state.bot_user.display_name
        out.append({"id": DIRECT_MESSAGES, "name": bot, "kind": "dm", "depth": 0})
        return out

    def _may_see(self, channel: Channel) -> bool:
        return not channel.private or self.viewer.id in channel.members

    # -- messages ------------------------------------------------------------------------------

    def messages(self, channel: Channel) -> list[JSON]:
        shown = [m for m in channel.all_messages if not m.deleted and self.shows(m)]
        return [self.message(m) for m in shown[-SHOWN_MESSAGES:]]

    def shows(self, message: Message) -> bool:
        if not message.ephemeral:
            return True
        metadata = message.interaction_metadata or {}
        return str((metadata.get("user") or {}).get("id")) == str(self.viewer.id)

    def message(self, message: Message) -> JSON:
        return {
            "id": str(message.id),
            "author": message.author.display_name,
            "bot": message.author.bot,
            "time": message.created_at.isoformat(),
            "edited": message.edited_at is not None,
            "ephemeral": message.ephemeral,
            "loading": bool(message.flags & LOADING),
            "used": self._used(message),
            "content": self.markup(message.content),
            "embeds": [self.embed(e) for e in message.embeds],
            "attachments": [
                {"filename": a.filename, "size": a.size, "url": a.url} for a in message.attachments
            ],
            "rows": self.rows(message.components),
            "reactions": [
                {"emoji": emoji, "count": len(users)}
                for emoji, users in message.reactions.items()
                if users
            ],
        }

    def _used(self, message: Message) -> str | None:
        """ "ada used /snippet share": who started the interaction this message answers."""
        metadata = message.interaction_metadata
        if not metadata:
            return None
        who = metadata.get("user") or {}
        name = who.get("global_name") or who.get("username")
        pending = self.hub.by_id.get(int(metadata.get("id") or 0))
        if pending is not None and pending.type == APPLICATION_COMMAND:
            return f"{name} used {pending.name}"
        return f"{name} {USED.get(int(metadata.get('type') or 0), 'used a command')}"

    def embed(self, embed: JSON) -> JSON:
        colour = embed.get("color")
        return {
            "colour": f"#{int(colour):06x}" if colour is not None else None,
            "author": str((embed.get("author") or {}).get("name") or ""),
            "title": self.markup(embed.get("title")),
            "url": str(embed.get("url") or ""),
            "description": self.markup(embed.get("description")),
            "fields": [
                {
                    "name": self.markup(f.get("name")),
                    "value": self.markup(f.get("value")),
                    "inline": bool(f.get("inline")),
                }
                for f in embed.get("fields") or []
            ],
            "footer": str((embed.get("footer") or {}).get("text") or ""),
            "time": str(embed.get("timestamp") or ""),
        }

    # -- components ----------------------------------------------------------------------------

    def rows(self, components: list[JSON]) -> list[list[JSON]]:
        """Action rows as rows; any other top-level component (text display, section,
        container) as one row per button, select or text inside it."""
        rows: list[list[JSON]] = []
        for component in components:
            if component.get("type") == ACTION_ROW:
                children = component.get("components") or []
                rows.append([self.component(c) for c in children])
            else:
                rows.extend([self.component(c)] for c in walk_components([component]))
        return [[c for c in row if c] for row in rows if any(row)]

    def component(self, component: JSON) -> JSON:
        kind = component.get("type")
        if kind == BUTTON:
            emoji = component.get("emoji") or {}
            return {
                "type": "button",
                "label": str(component.get("label") or ""),
                "emoji": str(emoji.get("name") or "") if not emoji.get("id") else "",
                "style": BUTTON_STYLES.get(int(component.get("style") or 2), "secondary"),
                "custom_id": str(component.get("custom_id") or ""),
                "url": str(component.get("url") or ""),
                "disabled": bool(component.get("disabled")),
            }
        if kind in SELECT_TYPES:
            return self.select(component)
        if kind == TEXT_DISPLAY:
            return {"type": "text", "content": self.markup(component.get("content"))}
        return {}

    def select(self, component: JSON) -> JSON:
        kind = int(component["type"])
        if kind == 3:
            options = [
                {
                    "value": str(o.get("value")),
                    "label": str(o.get("label") or ""),
                    "description": str(o.get("description") or ""),
                    "default": bool(o.get("default")),
                }
                for o in component.get("options") or []
            ]
        else:
            picked = {str(d.get("id")) for d in component.get("default_values") or []}
            options = [
                {**entity, "default": entity["value"] in picked}
                for entity in self.entities(ENTITY_SELECTS[kind], component.get("channel_types"))
            ]
        return {
            "type": "select",
            "entity": ENTITY_SELECTS.get(kind, ""),
            "custom_id": str(component.get("custom_id") or ""),
            "placeholder": str(component.get("placeholder") or ""),
            "min": int(component.get("min_values", 1)),
            "max": int(component.get("max_values", 1)),
            "disabled": bool(component.get("disabled")),
            "options": options,
        }

    def entities(self, kind: str, channel_types: list[int] | None = None) -> list[JSON]:
        """What a user/role/channel picker offers: the guild's members, roles or channels."""
        out: list[JSON] = []
        if kind in ("user", "mentionable"):
            out += [
                {"value": str(m.id), "label": "@" + m.user.display_name}
                for m in self.guild.members.values()
            ]
        if kind in ("role", "mentionable"):
            out += [
                {"value": str(r.id), "label": "@" + r.name}
                for r in self.guild.roles.values()
                if r.id != self.guild.id
            ]
        if kind == "channel":
            out += [
                {"value": str(c.id), "label": "#" + c.name}
                for c in self.guild.channels.values()
                if not c.deleted and (not channel_types or c.type in channel_types)
            ]
        return out
