"""What a person does on the playground page, done through the sandbox's own acting API.

Every action goes to ``SandboxServer`` (``invoke``, ``send_component``, ``select_data``,
``send_autocomplete``, ``InteractionResult.submit_modal``), which builds the interaction the
way Discord would and checks it against the synced commands; this module only turns the page's
strings and ids into the objects those calls take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bot.sandbox.errors import SandboxError
from bot.sandbox.invoke import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from bot.sandbox.message_validation import walk_components
from bot.sandbox.playground.shown import DIRECT_MESSAGES, ENTITY_SELECTS, GuildView
from bot.sandbox.render import BUTTON, SELECT_TYPES
from bot.sandbox.repl import parse_command_line

if TYPE_CHECKING:
    from bot.sandbox.interactions.result import InteractionResult
    from bot.sandbox.model import Channel, Guild, Message
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.users import User

JSON = dict[str, Any]
OPTION_KINDS: Final = {
    3: "text",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}
SLASH_COMMAND, MESSAGE_MENU = 1, 3  # commands' types (2 is a user context menu)
MESSAGE_MAX: Final = 2000
# Modals opened and not yet submitted, kept per page session; the oldest go first.
OPEN_MODALS: Final = 50


class PlaygroundActions:
    """One guild of the sandbox, acted on by whichever of its members the page picked."""

    def __init__(self, server: SandboxServer, guild: Guild) -> None:
        self.server = server
        self.guild = guild
        self.modals: dict[str, InteractionResult] = {}

    # -- who and where -------------------------------------------------------------------------

    def member(self, raw: object) -> User:
        member = self.guild.members.get(_as_id(raw))
        if member is None or member.user.bot:
            raise SandboxError("pick one of the guild's members to act as")
        return member.user

    def channel(self, raw: object, user: User) -> Channel:
        """A channel of the guild, or (``dm``) the member's direct messages with the bot."""
        if raw == DIRECT_MESSAGES:
            return self.server.state.dm_channel(user)
        channel = self.server.state.channels.get(_as_id(raw))
        if channel is None or channel.guild is not self.guild or channel.deleted:
            raise SandboxError("no such channel in this guild")
        return channel

    def view(self, user: User) -> GuildView:
        return GuildView(self.guild, self.server.hub, user)

    def members(self) -> list[JSON]:
        return [
            {"id": str(m.id), "name": m.user.display_name}
            for m in self.guild.members.values()
            if not m.user.bot
        ]

    # -- commands ------------------------------------------------------------------------------

    def commands(self, user: User, channel: Channel) -> list[JSON]:
        """Every slash command path the member can use here, with its options."""
        usable = self._usable(user, channel, SLASH_COMMAND)
        return [leaf for command in usable for leaf in _leaves(f"/{command['name']}", command)]

    def message_menus(self, user: User, channel: Channel) -> list[str]:
        """The message context-menu commands (Apps → …) the member can use here."""
        return [str(command["name"]) for command in self._usable(user, channel, MESSAGE_MENU)]

    def _usable(self, user: User, channel: Channel, kind: int) -> list[JSON]:
        """The synced commands of ``kind`` that Discord's client offers the member here."""
        synced = self.server.commands()
        if channel.guild is not None:
            synced = [*synced, *self.server.commands(channel.guild)]
        usable: list[JSON] = []
        for command in sorted(synced, key=lambda c: c["name"]):
            if command.get("type", SLASH_COMMAND) != kind:
                continue
            try:
                self.server.builder.check_usable(command, channel.guild, channel, user)
            except SandboxError:
                continue
            usable.append(command)
        return usable

    def say(self, user: User, channel: Channel, text: str) -> None:
        """Post ``text`` in the channel as the member (the bot gets MESSAGE_CREATE)."""
        if not text.strip() or len(text) > MESSAGE_MAX:
            raise SandboxError(f"a message is 1 to {MESSAGE_MAX} characters")
        self.server.send_user_message(channel, user, text)

    async def message_menu(self, user: User, message: Message, name: str) -> JSON:
        result = await self.server.invoke_message_command(name, message=message, user=user)
        return self.outcome(result)

    async def invoke(self, user: User, channel: Channel, line: str) -> JSON:
        """Run ``line``, a slash command as typed: ``/path name:value name:"two words"``."""
        path, typed = parse_command_line(line)
        _, _, _, schema = self.server.builder.resolve_path(path, channel.guild)
        values = {name: self.option_value(schema, name, raw) for name, raw in typed.items()}
        result = await self.server.invoke(
            path, user=user, guild=channel.guild, channel=channel, options=values
        )
        return self.outcome(result)

    async def autocomplete(
        self, user: User, channel: Channel, path: str, option: str, filled: dict[str, Any]
    ) -> list[JSON]:
        """The bot's own choices for ``option``, with the other filled options sent along."""
        _, _, _, schema = self.server.builder.resolve_path(path, channel.guild)
        others: dict[str, Any] = {}
        for name, raw in filled.items():
            if name == option or raw in ("", None):
                continue
            try:
                others[name] = self.option_value(schema, name, raw)
            except (SandboxError, ValueError):
                continue  # a half-typed option is left out, as Discord's client does
        result = await self.server.send_autocomplete(
            path,
            option,
            str(filled.get(option) or ""),
            user=user,
            guild=channel.guild,
            channel=channel,
            options=others,
        )
        return [{"name": str(c.get("name")), "value": str(c.get("value"))} for c in result.choices]

    def option_value(self, schema: list[JSON], name: str, raw: Any) -> Any:
        """The page's text for an option, as the sandbox's ``invoke`` takes it."""
        option = next((o for o in schema if o["name"] == name), None)
        if option is None:
            raise SandboxError(f"unknown option {name!r}; options: {[o['name'] for o in schema]}")
        kind, text = option["type"], str(raw)
        try:
            if kind == INTEGER:
                return int(text)
            if kind == NUMBER:
                return float(text)
        except ValueError as exc:
            raise SandboxError(f"option {name!r} needs a number, not {text!r}") from exc
        if kind == BOOLEAN:
            return text.lower() in ("true", "yes", "1", "y")
        if kind == ATTACHMENT:
            raise SandboxError("files cannot be attached here; the terminal prompt takes a path")
        if kind in (USER, MENTIONABLE, ROLE, CHANNEL):
            return self.entity(OPTION_KINDS[kind], text)
        return text

    def entity(self, kind: str, text: str) -> Any:
        """A member, role or channel of the guild by id, mention or name."""
        name = text.strip().lstrip("<@&#!").rstrip(">").lstrip("@#")
        ident = _as_id(name)
        if kind in ("user", "mentionable"):
            for member in self.guild.members.values():
                if ident == member.id or name in (member.user.name, member.user.display_name):
                    return member.user
        if kind in ("role", "mentionable"):
            for role in self.guild.roles.values():
                if ident == role.id or name == role.name:
                    return role
        if kind == "channel":
            for channel in self.guild.channels.values():
                if ident == channel.id or name == channel.name:
                    return channel
        raise SandboxError(f"no {kind} called {text!r} in this guild")

    # -- replies -------------------------------------------------------------------------------

    def message(self, user: User, raw: object) -> Message:
        message = self.server.state.messages.get(_as_id(raw))
        if (
            message is None
            or message.deleted
            or not self._reaches(user, message.channel)
            or not self.view(user).shows(message)
        ):
            raise SandboxError("that message is gone")
        return message

    def _reaches(self, user: User, channel: Channel) -> bool:
        """The guild's channels, and the member's own direct messages with the bot."""
        return channel.guild is self.guild or channel is self.server.state.dm_channel(user)

    async def click(self, user: User, message: Message, custom_id: str) -> JSON:
        _component(message, custom_id, {BUTTON})
        data = {"custom_id": custom_id, "component_type": BUTTON}
        return self.outcome(await self.server.send_component(message, data, user=user))

    async def select(self, user: User, message: Message, custom_id: str, values: list[str]) -> JSON:
        component = _component(message, custom_id, SELECT_TYPES)
        kind = int(component["type"])
        picked: list[Any] = list(values)
        if kind != 3:
            picked = [self.entity(ENTITY_SELECTS[kind], v) for v in values]
        data = self.server.select_data(component, picked, message)
        return self.outcome(await self.server.send_component(message, data, user=user))

    async def submit_modal(self, user: User, modal_id: str, values: dict[str, Any]) -> JSON:
        opened = self.modals.get(modal_id)
        if opened is None:
            raise SandboxError("that form was closed; run the command again")
        result = await opened.submit_modal(values, user=user)
        del self.modals[modal_id]
        return self.outcome(result)

    def outcome(self, result: InteractionResult) -> JSON:
        """A modal to fill, if the bot opened one; anything else the page reads from the state."""
        modal = result.modal
        if modal is None:
            return {"modal": None}
        modal_id = str(result.interaction_id)
        self.modals[modal_id] = result
        while len(self.modals) > OPEN_MODALS:
            del self.modals[next(iter(self.modals))]
        fields = [
            {
                "custom_id": custom_id,
                "label": str(info.get("label") or custom_id),
                "description": str(info.get("description") or ""),
                "paragraph": info.get("style") == 2,
                "value": str(info.get("value") or ""),
                "placeholder": str(info.get("placeholder") or ""),
                "required": bool(info.get("required", True)),
                "min_length": info.get("min_length"),
                "max_length": info.get("max_length"),
                "options": [
                    {"value": str(o.get("value")), "label": str(o.get("label") or "")}
                    for o in info.get("options") or []
                ],
            }
            for custom_id, info in modal.fields.items()
        ]
        return {"modal": {"id": modal_id, "title": modal.title, "fields": fields}}


def _as_id(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 21 else 0


def _component(message: Message, custom_id: str, kinds: set[int] | frozenset[int]) -> JSON:
    for component in walk_components(message.components):
        if component.get("type") in kinds and component.get("custom_id") == custom_id:
            if component.get("disabled"):
                raise SandboxError("that control is disabled")
            return component
    raise SandboxError("that control is no longer on the message")


def _leaves(path: str, node: JSON) -> list[JSON]:
    options: list[JSON] = node.get("options") or []
    nested = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if nested:
        return [leaf for o in nested for leaf in _leaves(f"{path} {o['name']}", o)]
    return [
        {
            "path": path,
            "description": str(node.get("description") or ""),
            "options": [
                {
                    "name": o["name"],
                    "kind": OPTION_KINDS.get(o["type"], "text"),
                    "description": str(o.get("description") or ""),
                    "required": bool(o.get("required")),
                    "autocomplete": bool(o.get("autocomplete")),
                    "choices": [
                        {"name": str(c["name"]), "value": str(c["value"])}
                        for c in o.get("choices") or []
                    ],
                }
                for o in options
            ],
        }
    ]
